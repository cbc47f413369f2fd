#pragma once
// The informer's local cache: objects keyed "namespace/name" (or "name" when cluster-scoped),
// with secondary indexes (client-go's cache.Indexer). Thread-safe; readers get immutable
// snapshots (shared pointers), so a reconciler may keep an object while the cache moves on.
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/shared_objects.hpp"

namespace rg::kube {

// Values under which an object is indexed (none: not in the index). A pure function of the
// object: the store computes an object's values again to take it out of an index.
using IndexFunc = std::function<std::vector<std::string>(const nlohmann::json&)>;

// "namespace/name", or "name" for cluster-scoped objects; "" when the object has no name.
std::string objectKey(const nlohmann::json& object);
std::string objectNamespace(const nlohmann::json& object);
std::string objectName(const nlohmann::json& object);
std::string objectResourceVersion(const nlohmann::json& object);
std::string objectUid(const nlohmann::json& object);
// The key of namespace + name, as objectKey builds it.
std::string makeKey(std::string_view ns, std::string_view name);

// Common indexes, for a store that registers them (addIndexer): each index a store holds costs
// memory per object, so a store has only those its readers use.
inline constexpr const char* kNamespaceIndex = "namespace";  // value: the namespace
inline constexpr const char* kLabelIndex = "label";          // values: "key=value" per label
std::vector<std::string> namespaceIndexFunc(const nlohmann::json& object);
std::vector<std::string> labelIndexFunc(const nlohmann::json& object);

// A change made by replace(): what a relist found different from the cache.
struct StoreDelta {
  enum class Type { Added, Updated, Deleted };
  Type type;
  ObjectPtr oldObject;  // Updated, Deleted
  ObjectPtr newObject;  // Added, Updated
};

class ObjectStore {
 public:
  ObjectStore() = default;
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;

  // Adds an index (objects already stored are indexed at once). Throws std::invalid_argument
  // when the name is taken. An index function that throws leaves the object out of that index.
  void addIndexer(const std::string& name, IndexFunc fn);
  bool hasIndexer(const std::string& name) const;

  // Reads. A missing key gives nullptr; an unknown index gives an empty answer.
  ObjectPtr get(const std::string& key) const;
  std::vector<ObjectPtr> list() const;  // in key order
  std::vector<std::string> listKeys() const;
  std::vector<ObjectPtr> byIndex(const std::string& indexName, const std::string& value) const;
  std::vector<std::string> indexKeys(const std::string& indexName, const std::string& value) const;
  // The values present in an index (e.g. every namespace with objects).
  std::vector<std::string> indexValues(const std::string& indexName) const;
  std::size_t size() const;

  // Writes, meant for the informer that owns the store (another writer would make the cache
  // disagree with the API server). Return the previous object (nullptr if none).
  ObjectPtr upsert(ObjectPtr object);
  ObjectPtr erase(const std::string& key);
  // Makes the store hold exactly `objects` and reports the differences: objects new to the
  // store (Added), objects whose resourceVersion changed (Updated; an object with the same
  // resourceVersion keeps its stored copy) and objects no longer present (Deleted). Added and
  // Updated come in the order of `objects`, Deleted after them in key order.
  std::vector<StoreDelta> replace(const std::vector<ObjectPtr>& objects);

 private:
  struct Index {
    IndexFunc fn;
    std::map<std::string, std::set<std::string>> keysByValue;
  };
  static std::vector<std::string> valuesFor(const std::string& indexName, const Index& index,
                                            const nlohmann::json& object);
  void indexLocked(const std::string& key, const nlohmann::json& object);
  void unindexLocked(const std::string& key, const nlohmann::json& object);
  ObjectPtr upsertLocked(const std::string& key, ObjectPtr object);
  ObjectPtr eraseLocked(const std::string& key);

  mutable std::shared_mutex mu_;
  std::map<std::string, ObjectPtr> objects_;
  std::map<std::string, Index> indexes_;
};

}  // namespace rg::kube
