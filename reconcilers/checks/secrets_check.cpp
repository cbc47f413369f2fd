#include "reconcilers/checks/secrets_check.hpp"

#include <set>

#include "kube/object_views.hpp"
#include "reconcilers/checks/check_text.hpp"
#include "reconcilers/checks/workload.hpp"
#include "reconcilers/spec/spec_reader.hpp"

namespace rg {
namespace {

using nlohmann::json;

constexpr const char* kSecretsFields[] = {"required", "required[].name", "required[].keys",
                                          "referenced"};

SecretsCheck parseSecrets(SpecReader& r, const json& body, const FieldPath& path) {
  SecretsCheck out;
  SpecReader::assign(out.referenced, r.boolean(body, path, "referenced"));
  const json* required = r.list(body, path, "required");
  if (!required) return out;
  FieldPath listPath = path.child("required");
  std::set<std::string> seen;
  for (size_t i = 0; i < required->size(); ++i) {
    FieldPath itemPath = listPath.item(i);
    const json& item = (*required)[i];
    if (!item.is_object()) {
      r.error(itemPath, "must be an object with name and keys, got " + describe(item));
      continue;
    }
    r.rejectUnknownKeys(item, itemPath);
    RequiredSecret secret;
    SpecReader::assign(secret.name, r.string(item, itemPath, "name", true));
    SpecReader::assign(secret.keys, r.stringList(item, itemPath, "keys"));
    if (!secret.name.empty() && !seen.insert(secret.name).second)
      r.error(itemPath.child("name"), "secret \"" + secret.name + "\" is listed twice");
    out.required.push_back(std::move(secret));
  }
  return out;
}

}  // namespace
}  // namespace rg

namespace rg::checks {
namespace {

// One place in the pod template that needs a Secret (and maybe some of its keys).
struct SecretRef {
  std::string where;  // "container api: env DB_PASSWORD", "volume certs"
  std::string name;
  std::vector<std::string> keys;  // "": a selector that names no key
  bool optional = false;
};

// A pod cannot start while an init container's reference is unresolved, so they count too.
std::vector<SecretRef> collectRefs(const kube::PodTemplateView& pod) {
  using kube::ConfigObject;
  std::vector<SecretRef> refs;
  for (const auto& container : pod.containers(true)) {
    for (const auto& var : container.env()) {
      const auto ref = var.keyRef(ConfigObject::Secret);
      if (!ref) continue;
      refs.push_back({container.label() + ": env " + var.name().value_or("[unnamed]"),
                      ref->name(),
                      {ref->key()},
                      ref->optional()});
    }
    for (const auto& from : container.envFrom()) {
      const auto ref = from.ref(ConfigObject::Secret);
      if (!ref) continue;
      refs.push_back({container.label() + ": envFrom", ref->name(), {}, ref->optional()});
    }
  }
  for (const auto& volume : pod.volumes()) {
    const auto where = "volume " + volume.name().value_or("[unnamed]");
    if (const auto secret = volume.source(ConfigObject::Secret))
      refs.push_back({where, secret->name(), secret->itemKeys(), secret->optional()});
    for (const auto& secret : volume.projectedSources(ConfigObject::Secret))
      refs.push_back({where + " (projected)", secret.name(), secret.itemKeys(), secret.optional()});
  }
  return refs;
}

// Appends what does not resolve; an optional reference may be missing entirely.
void resolve(const SecretRef& ref, const KeyCatalog& secrets, std::vector<std::string>& findings) {
  if (ref.name.empty()) {
    if (!ref.optional) findings.push_back(ref.where + ": secret reference has no name");
    return;
  }
  const ObjectKeys* secret = secrets.find(ref.name);
  if (!secret) {
    if (!ref.optional) findings.push_back(ref.where + ": secret " + ref.name + " not found");
    return;
  }
  if (ref.optional) return;
  for (const auto& key : ref.keys) {
    if (key.empty())
      findings.push_back(ref.where + ": reference to secret " + ref.name + " names no key");
    else if (!secret->keys.count(key))
      findings.push_back(ref.where + ": secret " + ref.name + " has no key " + key);
  }
}

void checkRequired(const RequiredSecret& required, const KeyCatalog& secrets,
                   std::vector<std::string>& findings) {
  const ObjectKeys* secret = secrets.find(required.name);
  if (!secret) {
    findings.push_back("secret " + required.name + " not found");
    return;
  }
  std::vector<std::string> missing;
  for (const auto& key : required.keys)
    if (!secret->keys.count(key)) missing.push_back(key);
  if (missing.empty()) return;
  findings.push_back("secret " + required.name + ": missing key" +
                     (missing.size() == 1 ? " " : "s ") + join(missing, ", "));
}

}  // namespace

CheckResult checkSecrets(const SecretsCheck& spec, const Workload& workload) {
  std::vector<std::string> findings;
  size_t total = 0;
  size_t resolved = 0;
  for (const auto& required : spec.required) {
    auto before = findings.size();
    checkRequired(required, workload.secrets, findings);
    ++total;
    if (findings.size() == before) ++resolved;
  }

  size_t refCount = 0;
  if (spec.referenced) {
    const auto pod = kube::DeploymentView(workload.deploymentWithTemplate()).podTemplateView();
    if (!pod.hasContainers()) return noContainersResult();
    auto refs = collectRefs(pod);
    refCount = refs.size();
    for (const auto& ref : refs) {
      auto before = findings.size();
      resolve(ref, workload.secrets, findings);
      ++total;
      if (findings.size() == before) ++resolved;
    }
  }

  auto value = ratio(resolved, total);
  if (!findings.empty()) return CheckResult::failed(join(findings), value);

  std::vector<std::string> parts;
  if (!spec.required.empty())
    parts.push_back(countOf(spec.required.size(), "required secret") + " present with " +
                    (spec.required.size() == 1 ? "its" : "their") + " keys");
  if (spec.referenced) {
    parts.push_back(refCount == 0 ? "no secret references in the pod template"
                                  : countOf(refCount, "secret reference") + " resolved");
  }
  if (parts.empty()) return CheckResult::passed("no secrets required", value);
  return CheckResult::passed(join(parts), value);
}

}  // namespace rg::checks

namespace rg {

constinit const CheckKind<SecretsCheck> kSecretsKind{
    .info = {.name = "secrets", .fields = kSecretsFields},
    .parse = parseSecrets,
    .evaluate = checks::checkSecrets,
};

}  // namespace rg
