#include "reconcilers/checks/workload.hpp"
#include "kube/object_views.hpp"
#include "reconcilers/actions/rollback.hpp"

namespace rg {

ObjectKeys KeyCatalog::keysOf(std::string name, const nlohmann::json& object) {
  ObjectKeys keys{std::move(name), {}};
  for (const char* field : {"data", "stringData", "binaryData"}) {
    auto section = object.find(field);
    if (section == object.end() || !section->is_object()) continue;
    for (const auto& item : section->items()) keys.keys.insert(item.key());
  }
  return keys;
}

void KeyCatalog::add(const nlohmann::json& object) {
  std::string name = kube::ObjectMetaView(object).name();
  // Nameless objects cannot be referenced, so there is nothing to record.
  if (name.empty()) return;
  add(keysOf(std::move(name), object));
}

// A later copy of the same object replaces the earlier one, as an update would.
void KeyCatalog::add(ObjectKeys object) {
  auto name = object.name;
  objects_[name] = std::move(object);
}

const ObjectKeys* KeyCatalog::find(const std::string& name) const {
  auto it = objects_.find(name);
  if (it != objects_.end()) return &it->second;
  if (!lookup_ || name.empty()) return nullptr;
  auto object = lookup_(name);
  seen_[name] = object;
  if (!object || !object->is_object()) return nullptr;
  return &objects_.emplace(name, keysOf(name, *object)).first->second;
}

std::shared_ptr<const nlohmann::json> KeyCatalog::current(const std::string& name) const {
  return lookup_ ? lookup_(name) : nullptr;
}

const nlohmann::json& Workload::deploymentWithTemplate() const {
  // A test may edit() the Deployment after a first read: parse again for another object, or for
  // the same one changed.
  if (!withTemplate_ || withTemplateOf_ != &deployment.get() ||
      withTemplateEdits_ != deployment.edits()) {
    withTemplate_ = actions::withTemplateObject(deployment.share());
    withTemplateOf_ = &deployment.get();
    withTemplateEdits_ = deployment.edits();
  }
  return withTemplate_ ? *withTemplate_ : deployment.get();
}

}  // namespace rg
