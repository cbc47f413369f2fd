#include "tests/support/object_store.hpp"

#include <nlohmann/json.hpp>

#include "tests/support/api_errors.hpp"

namespace rg::testing {

ObjectStore::ObjectStore(size_t historyLimit) : hub_(historyLimit) {}

uint64_t ObjectStore::currentResourceVersion() const {
  std::lock_guard lock(mu_);
  return resourceVersion_;
}

ObjectPtr ObjectStore::get(const std::string& storageKey, const std::string& ns,
                           const std::string& name) const {
  std::lock_guard lock(mu_);
  auto r = objects_.find(storageKey);
  if (r == objects_.end()) return nullptr;
  auto it = r->second.find(itemKey(ns, name));
  return it == r->second.end() ? nullptr : it->second;
}

ObjectStore::Snapshot ObjectStore::list(const std::string& storageKey, const std::string& ns,
                                        const std::string& after) const {
  std::lock_guard lock(mu_);
  Snapshot snap;
  snap.resourceVersion = resourceVersion_;
  auto r = objects_.find(storageKey);
  if (r == objects_.end()) return snap;
  const std::string prefix = ns.empty() ? "" : ns + "/";
  auto it = after.empty() ? r->second.lower_bound(prefix) : r->second.upper_bound(after);
  for (; it != r->second.end(); ++it) {
    if (!prefix.empty() && !it->first.starts_with(prefix)) break;
    snap.items.push_back(it->second);
  }
  return snap;
}

ObjectStore::Result ObjectStore::mutate(const std::string& storageKey, const std::string& ns,
                                        const std::string& name,
                                        const std::function<Change(const ObjectPtr&)>& fn,
                                        bool dryRun) {
  std::lock_guard lock(mu_);
  auto& bucket = objects_[storageKey];
  const std::string key = itemKey(ns, name);
  auto it = bucket.find(key);
  ObjectPtr current = it == bucket.end() ? nullptr : it->second;
  Change change = fn(current);
  Result result;
  switch (change.kind) {
    case Change::Keep:
      result.object = current;
      return result;
    case Change::Put: {
      const uint64_t rv = dryRun ? resourceVersion_ : resourceVersion_ + 1;
      if (dryRun && current) {
        change.object["metadata"]["resourceVersion"] =
            current->value("/metadata/resourceVersion"_json_pointer, "");
      } else if (!dryRun) {
        change.object["metadata"]["resourceVersion"] = std::to_string(rv);
      }
      auto stored = std::make_shared<const nlohmann::json>(std::move(change.object));
      result.object = stored;
      result.changed = true;
      if (dryRun) return result;
      resourceVersion_ = rv;
      bucket[key] = stored;
      StoreEvent event{rv, storageKey, current ? EventType::Modified : EventType::Added, stored,
                       current};
      hub_.publish(event);
      if (commitListener_) commitListener_(event);
      return result;
    }
    case Change::Remove: {
      if (!current) return result;
      result.changed = true;
      if (dryRun) {
        result.object = current;
        return result;
      }
      const uint64_t rv = ++resourceVersion_;
      auto last = std::make_shared<nlohmann::json>(*current);
      (*last)["metadata"]["resourceVersion"] = std::to_string(rv);
      ObjectPtr removed = last;
      bucket.erase(key);
      result.object = removed;
      StoreEvent event{rv, storageKey, EventType::Deleted, removed, current};
      hub_.publish(event);
      if (commitListener_) commitListener_(event);
      return result;
    }
  }
  return result;
}

uint64_t ObjectStore::watch(const std::string& storageKey, const WatchStart& start,
                            WatchHub::Sink sink,
                            const std::function<void(uint64_t)>& afterInitial) {
  std::lock_guard lock(mu_);
  switch (start.mode) {
    case WatchStart::Now:
      break;
    case WatchStart::FromVersion:
      if (!hub_.replay(storageKey, start.resourceVersion, sink)) {
        throw expired("too old resource version: " + std::to_string(start.resourceVersion) + " (" +
                      std::to_string(hub_.compactedThrough() + 1) + ")");
      }
      break;
    case WatchStart::InitialState: {
      auto r = objects_.find(storageKey);
      if (r != objects_.end()) {
        for (const auto& [key, obj] : r->second) {
          StoreEvent event;
          event.resourceVersion = resourceVersion_;
          event.storageKey = storageKey;
          event.type = EventType::Added;
          event.object = obj;
          if (!sink(event)) break;
        }
      }
      break;
    }
  }
  if (afterInitial) afterInitial(resourceVersion_);
  return hub_.subscribe(storageKey, std::move(sink));
}

void ObjectStore::unwatch(uint64_t id) {
  std::lock_guard lock(mu_);
  hub_.unsubscribe(id);
}

size_t ObjectStore::watcherCount() const {
  std::lock_guard lock(mu_);
  return hub_.subscriberCount();
}

void ObjectStore::withLock(const std::function<void(uint64_t)>& fn) const {
  std::lock_guard lock(mu_);
  fn(resourceVersion_);
}

void ObjectStore::setCommitListener(std::function<void(const StoreEvent&)> listener) {
  std::lock_guard lock(mu_);
  commitListener_ = std::move(listener);
}

void ObjectStore::compact() {
  std::lock_guard lock(mu_);
  hub_.compact(resourceVersion_);
}

uint64_t ObjectStore::compactedThrough() const {
  std::lock_guard lock(mu_);
  return hub_.compactedThrough();
}

void ObjectStore::setHistoryLimit(size_t limit) {
  std::lock_guard lock(mu_);
  hub_.setHistoryLimit(limit);
}

std::vector<ObjectKey> ObjectStore::dependentsOf(const std::string& uid) const {
  std::lock_guard lock(mu_);
  std::vector<ObjectKey> out;
  for (const auto& [storageKey, bucket] : objects_) {
    for (const auto& [key, obj] : bucket) {
      const auto refs = obj->value("/metadata/ownerReferences"_json_pointer, nlohmann::json());
      if (!refs.is_array()) continue;
      for (const auto& ref : refs) {
        if (ref.value("uid", "") == uid) {
          out.push_back({storageKey, obj->value("/metadata/namespace"_json_pointer, ""),
                         obj->value("/metadata/name"_json_pointer, "")});
          break;
        }
      }
    }
  }
  return out;
}

std::vector<ObjectKey> ObjectStore::objectsInNamespace(const std::string& ns) const {
  std::lock_guard lock(mu_);
  std::vector<ObjectKey> out;
  const std::string prefix = ns + "/";
  for (const auto& [storageKey, bucket] : objects_) {
    for (auto it = bucket.lower_bound(prefix); it != bucket.end() && it->first.starts_with(prefix);
         ++it) {
      out.push_back({storageKey, ns, it->first.substr(prefix.size())});
    }
  }
  return out;
}

}  // namespace rg::testing
