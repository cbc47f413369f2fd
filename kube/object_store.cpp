#include "kube/object_store.hpp"

#include <mutex>
#include <stdexcept>
#include <unordered_set>
#include <utility>

#include <spdlog/spdlog.h>

namespace rg::kube {

namespace {

std::string metadataString(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) return {};
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return {};
  auto value = meta->find(field);
  if (value == meta->end() || !value->is_string()) return {};
  return value->get<std::string>();
}

}  // namespace

std::string objectNamespace(const nlohmann::json& object) {
  return metadataString(object, "namespace");
}

std::string objectName(const nlohmann::json& object) {
  return metadataString(object, "name");
}

std::string objectResourceVersion(const nlohmann::json& object) {
  return metadataString(object, "resourceVersion");
}

std::string objectUid(const nlohmann::json& object) {
  return metadataString(object, "uid");
}

std::string makeKey(std::string_view ns, std::string_view name) {
  if (name.empty()) return {};
  std::string key;
  if (!ns.empty()) {
    key.append(ns);
    key.push_back('/');
  }
  key.append(name);
  return key;
}

std::string objectKey(const nlohmann::json& object) {
  return makeKey(objectNamespace(object), objectName(object));
}

std::vector<std::string> namespaceIndexFunc(const nlohmann::json& object) {
  std::string ns = objectNamespace(object);
  if (ns.empty()) return {};
  return {std::move(ns)};
}

std::vector<std::string> labelIndexFunc(const nlohmann::json& object) {
  std::vector<std::string> values;
  if (!object.is_object()) return values;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return values;
  auto labels = meta->find("labels");
  if (labels == meta->end() || !labels->is_object()) return values;
  for (const auto& [key, value] : labels->items()) {
    if (value.is_string()) values.push_back(key + "=" + value.get<std::string>());
  }
  return values;
}

std::vector<std::string> ObjectStore::valuesFor(const std::string& indexName, const Index& index,
                                                const nlohmann::json& object) {
  try {
    return index.fn(object);
  } catch (const std::exception& e) {
    spdlog::debug("index {}: index function failed: {}", indexName, e.what());
    return {};
  }
}

void ObjectStore::addIndexer(const std::string& name, IndexFunc fn) {
  if (!fn) throw std::invalid_argument("addIndexer: empty index function for " + name);
  std::unique_lock lock(mu_);
  if (indexes_.count(name) != 0) throw std::invalid_argument("index already exists: " + name);
  Index& index = indexes_[name];
  index.fn = std::move(fn);
  for (const auto& [key, object] : objects_)
    for (const auto& value : valuesFor(name, index, *object)) index.keysByValue[value].insert(key);
}

bool ObjectStore::hasIndexer(const std::string& name) const {
  std::shared_lock lock(mu_);
  return indexes_.count(name) != 0;
}

ObjectPtr ObjectStore::get(const std::string& key) const {
  std::shared_lock lock(mu_);
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> ObjectStore::list() const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) out.push_back(object);
  return out;
}

std::vector<std::string> ObjectStore::listKeys() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) out.push_back(key);
  return out;
}

std::vector<std::string> ObjectStore::indexKeys(const std::string& indexName,
                                                const std::string& value) const {
  std::shared_lock lock(mu_);
  auto index = indexes_.find(indexName);
  if (index == indexes_.end()) return {};
  auto keys = index->second.keysByValue.find(value);
  if (keys == index->second.keysByValue.end()) return {};
  return {keys->second.begin(), keys->second.end()};
}

std::vector<ObjectPtr> ObjectStore::byIndex(const std::string& indexName,
                                            const std::string& value) const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  auto index = indexes_.find(indexName);
  if (index == indexes_.end()) return out;
  auto keys = index->second.keysByValue.find(value);
  if (keys == index->second.keysByValue.end()) return out;
  for (const auto& key : keys->second) {
    auto it = objects_.find(key);
    if (it != objects_.end()) out.push_back(it->second);
  }
  return out;
}

std::vector<std::string> ObjectStore::indexValues(const std::string& indexName) const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  auto index = indexes_.find(indexName);
  if (index == indexes_.end()) return out;
  for (const auto& [value, keys] : index->second.keysByValue) out.push_back(value);
  return out;
}

std::size_t ObjectStore::size() const {
  std::shared_lock lock(mu_);
  return objects_.size();
}

void ObjectStore::indexLocked(const std::string& key, const nlohmann::json& object) {
  for (auto& [name, index] : indexes_)
    for (const auto& value : valuesFor(name, index, object)) index.keysByValue[value].insert(key);
}

void ObjectStore::unindexLocked(const std::string& key, const nlohmann::json& object) {
  for (auto& [name, index] : indexes_) {
    for (const auto& value : valuesFor(name, index, object)) {
      auto keys = index.keysByValue.find(value);
      if (keys == index.keysByValue.end()) continue;
      keys->second.erase(key);
      // Empty buckets would make indexValues() report values nothing is filed under.
      if (keys->second.empty()) index.keysByValue.erase(keys);
    }
  }
}

ObjectPtr ObjectStore::upsertLocked(const std::string& key, ObjectPtr object) {
  ObjectPtr old;
  auto it = objects_.find(key);
  if (it != objects_.end()) {
    old = std::move(it->second);
    unindexLocked(key, *old);
    it->second = object;
  } else {
    objects_.emplace(key, object);
  }
  indexLocked(key, *object);
  return old;
}

ObjectPtr ObjectStore::eraseLocked(const std::string& key) {
  auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  ObjectPtr old = std::move(it->second);
  objects_.erase(it);
  unindexLocked(key, *old);
  return old;
}

ObjectPtr ObjectStore::upsert(ObjectPtr object) {
  if (!object) throw std::invalid_argument("ObjectStore::upsert: null object");
  std::string key = objectKey(*object);
  if (key.empty()) throw std::invalid_argument("ObjectStore::upsert: object without a name");
  std::unique_lock lock(mu_);
  return upsertLocked(key, std::move(object));
}

ObjectPtr ObjectStore::erase(const std::string& key) {
  std::unique_lock lock(mu_);
  return eraseLocked(key);
}

std::vector<StoreDelta> ObjectStore::replace(const std::vector<ObjectPtr>& objects) {
  std::vector<StoreDelta> deltas;
  std::unordered_set<std::string> present;
  std::unique_lock lock(mu_);
  for (const auto& object : objects) {
    if (!object) continue;
    std::string key = objectKey(*object);
    if (key.empty()) continue;
    present.insert(key);
    auto it = objects_.find(key);
    if (it == objects_.end()) {
      upsertLocked(key, object);
      deltas.push_back({StoreDelta::Type::Added, nullptr, object});
    } else if (objectResourceVersion(*it->second) != objectResourceVersion(*object)) {
      ObjectPtr old = upsertLocked(key, object);
      deltas.push_back({StoreDelta::Type::Updated, std::move(old), object});
    }
  }
  std::vector<std::string> vanished;
  for (const auto& [key, object] : objects_) {
    if (present.count(key) == 0) vanished.push_back(key);
  }
  for (const auto& key : vanished) {
    deltas.push_back({StoreDelta::Type::Deleted, eraseLocked(key), nullptr});
  }
  return deltas;
}

}  // namespace rg::kube
