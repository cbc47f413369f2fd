#include "reconcilers/gate_dependencies.hpp"

#include "kube/json_fields.hpp"
#include "kube/object_views.hpp"
#include "reconcilers/spec/stored_gate.hpp"

namespace rg {
namespace {

using nlohmann::json;

using kube::textAt;

// The names of the objects of one kind that env, envFrom and volumes refer to.
std::set<std::string> templateRefs(const json& deployment, kube::ConfigObject kind) {
  std::set<std::string> names;
  auto add = [&](const std::optional<kube::ConfigRefView>& ref) {
    std::string name = ref ? ref->name() : "";
    if (!name.empty()) names.insert(std::move(name));
  };
  const auto pod = kube::DeploymentView(deployment).podTemplateView();
  for (const auto& container : pod.containers(true)) {
    for (const auto& var : container.env()) add(var.keyRef(kind));
    for (const auto& from : container.envFrom()) add(from.ref(kind));
  }
  for (const auto& volume : pod.volumes()) {
    add(volume.source(kind));
    for (const auto& source : volume.projectedSources(kind)) add(source);
  }
  return names;
}

}  // namespace

std::vector<std::string> gateTargetIndex(const json& gate) {
  const json spec = storedSpec(gate);
  std::string target = textAt(kube::objectAt(spec, "targetRef"), "name");
  if (target.empty()) return {};
  return {kube::ObjectMetaView(gate).namespaceName() + "/" + target};
}

std::set<std::string> gateRequiredSecrets(const json& gate) {
  std::set<std::string> names;
  const json spec = storedSpec(gate);
  for (const json* check :
       spec.is_object() ? kube::objectsIn(spec, "checks") : std::vector<const json*>{}) {
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
  return templateRefs(deployment, kube::ConfigObject::Secret);
}

std::set<std::string> templateConfigMapNames(const json& deployment) {
  return templateRefs(deployment, kube::ConfigObject::ConfigMap);
}

std::string controllerName(const json& object, const std::string& kind) {
  const json* ref = kube::ObjectMetaView(object).controllerRef();
  return ref && textAt(ref, "kind") == kind ? textAt(ref, "name") : "";
}

}  // namespace rg
