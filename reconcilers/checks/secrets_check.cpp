#include "reconcilers/checks/secrets_check.hpp"

#include <set>

#include "reconcilers/checks/pod_template.hpp"
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

using nlohmann::json;

// One place in the pod template that needs a Secret (and maybe some of its keys).
struct SecretRef {
  std::string where;  // "container api: env DB_PASSWORD", "volume certs"
  std::optional<std::string> name;
  std::vector<std::optional<std::string>> keys;  // nullopt: a selector that names no key
  bool optional = false;
};

std::vector<std::optional<std::string>> itemKeys(const json& source) {
  std::vector<std::optional<std::string>> keys;
  for (const json* item : objectsIn(source, "items")) keys.push_back(stringAt(*item, "key"));
  return keys;
}

std::vector<SecretRef> collectRefs(const std::vector<Container>& containers, const json* spec) {
  std::vector<SecretRef> refs;
  for (const auto& container : containers) {
    for (const json* env : objectsIn(*container.spec, "env")) {
      const json* ref = objectPath(*env, {"valueFrom", "secretKeyRef"});
      if (!ref) continue;
      auto envName = stringAt(*env, "name").value_or("[unnamed]");
      refs.push_back({container.label() + ": env " + envName,
                      stringAt(*ref, "name"),
                      {stringAt(*ref, "key")},
                      isTrue(*ref, "optional")});
    }
    for (const json* from : objectsIn(*container.spec, "envFrom")) {
      const json* ref = objectAt(*from, "secretRef");
      if (!ref) continue;
      refs.push_back(
          {container.label() + ": envFrom", stringAt(*ref, "name"), {}, isTrue(*ref, "optional")});
    }
  }
  if (!spec) return refs;
  for (const json* volume : objectsIn(*spec, "volumes")) {
    auto where = "volume " + stringAt(*volume, "name").value_or("[unnamed]");
    if (const json* secret = objectAt(*volume, "secret")) {
      refs.push_back(
          {where, stringAt(*secret, "secretName"), itemKeys(*secret), isTrue(*secret, "optional")});
    }
    const json* projected = objectAt(*volume, "projected");
    if (!projected) continue;
    for (const json* source : objectsIn(*projected, "sources")) {
      const json* secret = objectAt(*source, "secret");
      if (!secret) continue;
      refs.push_back({where + " (projected)", stringAt(*secret, "name"), itemKeys(*secret),
                      isTrue(*secret, "optional")});
    }
  }
  return refs;
}

// Appends what does not resolve; an optional reference may be missing entirely.
void resolve(const SecretRef& ref, const KeyCatalog& secrets, std::vector<std::string>& findings) {
  if (!ref.name || ref.name->empty()) {
    if (!ref.optional) findings.push_back(ref.where + ": secret reference has no name");
    return;
  }
  const ObjectKeys* secret = secrets.find(*ref.name);
  if (!secret) {
    if (!ref.optional) findings.push_back(ref.where + ": secret " + *ref.name + " not found");
    return;
  }
  if (ref.optional) return;
  for (const auto& key : ref.keys) {
    if (!key || key->empty())
      findings.push_back(ref.where + ": reference to secret " + *ref.name + " names no key");
    else if (!secret->keys.count(*key))
      findings.push_back(ref.where + ": secret " + *ref.name + " has no key " + *key);
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
    // A pod cannot start while an init container's reference is unresolved, so they count too.
    auto containers = templateContainers(workload.deployment, true);
    if (!hasRegularContainers(containers)) return noContainersResult();
    auto refs = collectRefs(containers, podSpec(workload.deployment));
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
