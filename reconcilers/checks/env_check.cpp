#include "reconcilers/checks/env_check.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "kube/object_views.hpp"
#include "reconcilers/checks/check_text.hpp"
#include "reconcilers/checks/workload.hpp"
#include "reconcilers/spec/spec_reader.hpp"

namespace rg {
namespace {

using nlohmann::json;

constexpr const char* kEnvFields[] = {"required", "equals", "forbidden", "rejectLiteralSecrets",
                                      "includeInitContainers"};

EnvCheck parseEnv(SpecReader& r, const json& body, const FieldPath& path) {
  EnvCheck out;
  SpecReader::assign(out.required, r.stringList(body, path, "required"));
  SpecReader::assign(out.forbidden, r.stringList(body, path, "forbidden"));
  SpecReader::assign(out.rejectLiteralSecrets, r.boolean(body, path, "rejectLiteralSecrets"));
  SpecReader::assign(out.includeInitContainers, r.boolean(body, path, "includeInitContainers"));
  auto it = body.find("equals");
  if (it != body.end() && !it->is_null()) {
    FieldPath equalsPath = path.child("equals");
    if (!it->is_object()) {
      r.error(equalsPath, "must be a map of variable name to value, got " + describe(*it));
    } else {
      for (const auto& [name, value] : it->items()) {
        if (!value.is_string()) {
          // YAML turns unquoted false/true/8080 into non-strings; env values are strings.
          r.error(equalsPath.child(name),
                  "must be a string, got " + describe(value) + " (quote it: \"" +
                      (value.is_primitive() ? describe(value) : std::string("...")) + "\")");
          continue;
        }
        out.equals[name] = value.get<std::string>();
      }
    }
  }
  for (const auto& name : out.forbidden) {
    if (std::find(out.required.begin(), out.required.end(), name) != out.required.end() ||
        out.equals.contains(name))
      r.error(path.child("forbidden"), "\"" + name + "\" is both forbidden and required");
  }
  return out;
}

}  // namespace
}  // namespace rg

namespace rg::checks {
namespace {

// Where a variable's value comes from. Only literals have a known value.
struct EnvSource {
  bool literal = false;
  std::string value;   // literal values only; never put in a message for secret-like names
  std::string origin;  // "a secretKeyRef", "envFrom secret app-env"
};

// An envFrom source whose keys are unknown (not in the catalog).
struct UnknownSource {
  std::string prefix;
  std::string description;  // "envFrom secret app-env"
};

struct ContainerEnv {
  std::map<std::string, EnvSource> vars;
  std::vector<UnknownSource> unknown;

  const UnknownSource* couldSupply(const std::string& name) const {
    for (const auto& source : unknown)
      if (name.starts_with(source.prefix)) return &source;
    return nullptr;
  }
};

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

// The contract's rule for inline secrets: *_KEY, *_TOKEN, *_SECRET, *PASSWORD*.
bool looksLikeSecret(const std::string& name) {
  auto up = upper(name);
  return up.ends_with("_KEY") || up.ends_with("_TOKEN") || up.ends_with("_SECRET") ||
         up.find("PASSWORD") != std::string::npos;
}

// Wider than looksLikeSecret(): when in doubt, a value is not echoed.
bool mayEchoValue(const std::string& name) {
  if (looksLikeSecret(name)) return false;
  auto up = upper(name);
  for (const char* word : {"KEY", "TOKEN", "SECRET", "PASSW", "PWD", "CREDENTIAL", "AUTH", "CERT",
                           "PRIVATE", "DSN", "CONNECTION"})
    if (up.find(word) != std::string::npos) return false;
  return true;
}

// Kubernetes order: envFrom sources in order (later wins), then env entries (which win).
ContainerEnv readEnv(const kube::ContainerView& container, const Workload& workload) {
  using kube::ConfigObject;
  ContainerEnv env;
  for (const auto& from : container.envFrom()) {
    const auto prefix = from.prefix();
    for (auto [kind, word] :
         {std::pair{ConfigObject::Secret, "secret"}, {ConfigObject::ConfigMap, "configMap"}}) {
      const auto ref = from.ref(kind);
      if (!ref) continue;
      const auto name = ref->name();
      if (name.empty()) continue;  // invalid; the pod would be rejected before it had an env
      auto description = std::string("envFrom ") + word + " " + name;
      const auto& catalog = kind == ConfigObject::Secret ? workload.secrets : workload.configMaps;
      if (const ObjectKeys* keys = catalog.find(name)) {
        for (const auto& key : keys->keys) env.vars[prefix + key] = {false, "", description};
      } else if (!ref->optional()) {
        // A missing optional source adds nothing; a required one is simply not known here.
        env.unknown.push_back({prefix, description});
      }
    }
  }
  for (const auto& var : container.env()) {
    auto name = var.name();
    if (!name) continue;
    if (var.hasValueFrom()) {
      const auto kind = var.valueFromKind();
      env.vars[*name] = {false, "", "a " + std::string(kind.empty() ? "valueFrom" : kind)};
    } else {
      env.vars[*name] = {true, var.value(), "a literal value"};
    }
  }
  return env;
}

struct Findings {
  std::vector<std::string> failures;
  std::vector<std::string> unknown;
  std::vector<std::string> all;  // both, in the order found

  void fail(std::string text) {
    failures.push_back(text);
    all.push_back(std::move(text));
  }
  void undetermined(std::string text) {
    unknown.push_back(text);
    all.push_back(std::move(text));
  }
};

std::string cannotTell(const std::string& label, const std::string& name,
                       const UnknownSource& source) {
  return label + ": cannot tell whether " + name + " is set: " + source.description +
         " is not known";
}

void checkContainer(const EnvCheck& spec, const kube::ContainerView& container,
                    const ContainerEnv& env, Findings& out) {
  const auto label = container.label();
  for (const auto& name : spec.required) {
    if (env.vars.count(name)) continue;
    if (const auto* source = env.couldSupply(name))
      out.undetermined(cannotTell(label, name, *source));
    else
      out.fail(label + ": " + name + " is not set");
  }

  for (const auto& [name, expected] : spec.equals) {
    const bool echo = mayEchoValue(name);
    const auto expectedText = echo ? quotedText(expected) : std::string("the expected value");
    auto it = env.vars.find(name);
    if (it == env.vars.end()) {
      if (const auto* source = env.couldSupply(name))
        out.undetermined(cannotTell(label, name, *source));
      else
        out.fail(label + ": " + name + " is not set" + (echo ? ", expected " + expectedText : ""));
    } else if (!it->second.literal) {
      out.undetermined(label + ": " + name + " comes from " + it->second.origin +
                       "; cannot compare with " + expectedText);
    } else if (it->second.value != expected) {
      out.fail(label + ": " + name +
               (echo ? " is " + quotedText(it->second.value) + ", expected " + expectedText
                     : " does not have the expected value"));
    }
  }

  for (const auto& name : spec.forbidden) {
    auto it = env.vars.find(name);
    if (it != env.vars.end()) {
      auto via = it->second.literal ? std::string() : " via " + it->second.origin;
      out.fail(label + ": " + name + " is set" + via + " but is forbidden");
    } else if (const auto* source = env.couldSupply(name)) {
      out.undetermined(cannotTell(label, name, *source));
    }
  }

  if (!spec.rejectLiteralSecrets) return;
  std::vector<std::string> reported;
  for (const auto& var : container.env()) {
    const auto name = var.name();
    if (!name || var.value().empty() || !looksLikeSecret(*name)) continue;
    if (std::find(reported.begin(), reported.end(), *name) != reported.end()) continue;
    reported.push_back(*name);
    out.fail(label + ": " + *name + " is set inline; use a secretKeyRef");
  }
}

std::string passMessage(const EnvCheck& spec, size_t containers) {
  std::vector<std::string> parts;
  if (!spec.required.empty()) parts.push_back(join(spec.required, ", ") + " set");
  if (!spec.equals.empty()) {
    std::vector<std::string> names;
    for (const auto& entry : spec.equals) names.push_back(entry.first);
    parts.push_back(join(names, ", ") + " as expected");
  }
  if (!spec.forbidden.empty()) parts.push_back(join(spec.forbidden, ", ") + " not set");
  if (spec.rejectLiteralSecrets) parts.push_back("no secrets set inline");
  if (parts.empty()) return "no env rules";
  return countOf(containers, "container") + ": " + join(parts, "; ");
}

}  // namespace

CheckResult checkEnv(const EnvCheck& spec, const Workload& workload) {
  const auto pod = kube::DeploymentView(workload.deploymentWithTemplate()).podTemplateView();
  if (!pod.hasContainers()) return noContainersResult();
  auto containers = pod.containers(spec.includeInitContainers);

  Findings findings;
  size_t compliant = 0;
  for (const auto& container : containers) {
    auto before = findings.all.size();
    checkContainer(spec, container, readEnv(container, workload), findings);
    if (findings.all.size() == before) ++compliant;
  }

  auto value = ratio(compliant, containers.size());
  if (!findings.failures.empty()) return CheckResult::failed(join(findings.all), value);
  if (!findings.unknown.empty()) return CheckResult::inconclusive(join(findings.unknown), value);
  return CheckResult::passed(passMessage(spec, containers.size()), value);
}

}  // namespace rg::checks

namespace rg {

constinit const CheckKind<EnvCheck> kEnvKind{
    .info = {.name = "env", .fields = kEnvFields},
    .parse = parseEnv,
    .evaluate = checks::checkEnv,
};

}  // namespace rg
