#include "reconcilers/gate_dependencies.hpp"

namespace rg {
namespace {

using nlohmann::json;

const json* child(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string stringAt(const json* object, const char* key) {
  const json* value = object ? child(*object, key) : nullptr;
  return value && value->is_string() ? value->get<std::string>() : "";
}

template <typename Fn>
void forEachItem(const json* list, Fn&& fn) {
  if (!list || !list->is_array()) return;
  for (const auto& item : *list)
    if (item.is_object()) fn(item);
}

// Collects names from env/envFrom/volumes: `refKey` is secretKeyRef or configMapKeyRef, `fromKey`
// secretRef or configMapRef, and a volume's `volumeKey` (secret or configMap) with its name field.
std::set<std::string> templateRefs(const json& deployment, const char* refKey, const char* fromKey,
                                   const char* volumeKey, const char* volumeNameField,
                                   const char* projectedKey) {
  std::set<std::string> names;
  const json* spec = child(deployment, "spec");
  const json* templ = spec ? child(*spec, "template") : nullptr;
  const json* podSpec = templ ? child(*templ, "spec") : nullptr;
  if (!podSpec) return names;
  auto add = [&](const std::string& name) {
    if (!name.empty()) names.insert(name);
  };
  for (const char* containers : {"containers", "initContainers"}) {
    forEachItem(child(*podSpec, containers), [&](const json& container) {
      forEachItem(child(container, "env"), [&](const json& env) {
        const json* valueFrom = child(env, "valueFrom");
        if (valueFrom) add(stringAt(child(*valueFrom, refKey), "name"));
      });
      forEachItem(child(container, "envFrom"),
                  [&](const json& from) { add(stringAt(child(from, fromKey), "name")); });
    });
  }
  forEachItem(child(*podSpec, "volumes"), [&](const json& volume) {
    add(stringAt(child(volume, volumeKey), volumeNameField));
    const json* projected = child(volume, "projected");
    if (projected)
      forEachItem(child(*projected, "sources"),
                  [&](const json& source) { add(stringAt(child(source, projectedKey), "name")); });
  });
  return names;
}

}  // namespace

std::vector<std::string> gateTargetIndex(const json& gate) {
  const json* metadata = child(gate, "metadata");
  const json* spec = child(gate, "spec");
  std::string target = spec ? stringAt(child(*spec, "targetRef"), "name") : "";
  if (target.empty()) return {};
  std::string ns = stringAt(metadata, "namespace");
  return {ns + "/" + target};
}

std::set<std::string> gateRequiredSecrets(const json& gate) {
  std::set<std::string> names;
  const json* spec = child(gate, "spec");
  forEachItem(spec ? child(*spec, "checks") : nullptr, [&](const json& check) {
    const json* secrets = child(check, "secrets");
    forEachItem(secrets ? child(*secrets, "required") : nullptr, [&](const json& required) {
      std::string name = stringAt(&required, "name");
      if (!name.empty()) names.insert(name);
    });
  });
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
  std::string out;
  const json* metadata = child(object, "metadata");
  forEachItem(metadata ? child(*metadata, "ownerReferences") : nullptr, [&](const json& ref) {
    const json* controller = child(ref, "controller");
    if (out.empty() && controller && controller->is_boolean() && controller->get<bool>() &&
        stringAt(&ref, "kind") == kind)
      out = stringAt(&ref, "name");
  });
  return out;
}

}  // namespace rg
