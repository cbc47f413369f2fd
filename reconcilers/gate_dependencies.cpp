#include "reconcilers/gate_dependencies.hpp"

#include "kube/json_fields.hpp"
#include "kube/object_views.hpp"

namespace rg {
namespace {

using nlohmann::json;

using kube::textAt;

// Collects names from env/envFrom/volumes: `refKey` is secretKeyRef or configMapKeyRef, `fromKey`
// secretRef or configMapRef, and a volume's `volumeKey` (secret or configMap) with its name field.
std::set<std::string> templateRefs(const json& deployment, const char* refKey, const char* fromKey,
                                   const char* volumeKey, const char* volumeNameField,
                                   const char* projectedKey) {
  std::set<std::string> names;
  const json* podSpec = kube::objectPath(deployment, {"spec", "template", "spec"});
  if (!podSpec) return names;
  auto add = [&](const std::string& name) {
    if (!name.empty()) names.insert(name);
  };
  for (const char* containers : {"containers", "initContainers"}) {
    for (const json* container : kube::objectsIn(*podSpec, containers)) {
      for (const json* env : kube::objectsIn(*container, "env")) {
        const json* valueFrom = kube::member(*env, "valueFrom");
        if (valueFrom) add(textAt(kube::member(*valueFrom, refKey), "name"));
      }
      for (const json* from : kube::objectsIn(*container, "envFrom"))
        add(textAt(kube::member(*from, fromKey), "name"));
    }
  }
  for (const json* volume : kube::objectsIn(*podSpec, "volumes")) {
    add(textAt(kube::member(*volume, volumeKey), volumeNameField));
    if (const json* projected = kube::member(*volume, "projected"))
      for (const json* source : kube::objectsIn(*projected, "sources"))
        add(textAt(kube::member(*source, projectedKey), "name"));
  }
  return names;
}

}  // namespace

std::vector<std::string> gateTargetIndex(const json& gate) {
  std::string target = textAt(kube::objectPath(gate, {"spec", "targetRef"}), "name");
  if (target.empty()) return {};
  return {kube::ObjectMetaView(gate).namespaceName() + "/" + target};
}

std::set<std::string> gateRequiredSecrets(const json& gate) {
  std::set<std::string> names;
  const json* spec = kube::objectAt(gate, "spec");
  for (const json* check : spec ? kube::objectsIn(*spec, "checks") : std::vector<const json*>{}) {
    const json* secrets = kube::member(*check, "secrets");
    for (const json* required :
         secrets ? kube::objectsIn(*secrets, "required") : std::vector<const json*>{}) {
      std::string name = textAt(required, "name");
      if (!name.empty()) names.insert(name);
    }
  }
  return names;
}

std::set<std::string> templateSecretNames(const json& deployment) {
  return templateRefs(deployment, "secretKeyRef", "secretRef", "secret", "secretName", "secret");
}

std::set<std::string> templateConfigMapNames(const json& deployment) {
  return templateRefs(deployment, "configMapKeyRef", "configMapRef", "configMap", "name",
                      "configMap");
}

std::string controllerName(const json& object, const std::string& kind) {
  const json* ref = kube::ObjectMetaView(object).controllerRef();
  return ref && textAt(ref, "kind") == kind ? textAt(ref, "name") : "";
}

}  // namespace rg
