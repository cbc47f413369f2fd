#pragma once
// Versioned object storage: one global resourceVersion counter (as etcd's revision), objects
// keyed by group/plural and namespace/name, and the watch event history.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/watch_hub.hpp"

namespace rg::testing {

struct ObjectKey {
  std::string storageKey;
  std::string ns;
  std::string name;
};

class ObjectStore {
 public:
  explicit ObjectStore(size_t historyLimit);

  uint64_t currentResourceVersion() const;
  ObjectPtr get(const std::string& storageKey, const std::string& ns,
                const std::string& name) const;

  struct Snapshot {
    uint64_t resourceVersion = 0;
    std::vector<ObjectPtr> items;  // ordered by namespace, then name
  };
  // ns empty: every namespace. `after`: only keys ("ns/name") sorting after it (pagination).
  Snapshot list(const std::string& storageKey, const std::string& ns,
                const std::string& after = "") const;

  struct Change {
    enum Kind { Keep, Put, Remove } kind = Keep;
    nlohmann::json object;  // for Put
  };
  struct Result {
    ObjectPtr object;  // the stored (or removed) object; for Keep the current one
    bool changed = false;
  };
  // Computes the next state of one object under the store lock. `fn` receives the current
  // object (nullptr when absent) and may throw to abort. A Put gets the next resourceVersion;
  // a dry run computes the result without storing or publishing anything.
  Result mutate(const std::string& storageKey, const std::string& ns, const std::string& name,
                const std::function<Change(const ObjectPtr&)>& fn, bool dryRun = false);

  struct WatchStart {
    enum Mode {
      Now,           // only changes from now on
      FromVersion,   // changes after `resourceVersion` (410 when expired)
      InitialState,  // ADDED for every current object, then changes
    } mode = Now;
    uint64_t resourceVersion = 0;
  };
  // Replays or lists as `start` says, then subscribes, atomically. `afterInitial` runs (under
  // the lock) once the initial events are delivered, with the current resourceVersion.
  // Throws ApiError 410 when FromVersion is older than the history window.
  uint64_t watch(const std::string& storageKey, const WatchStart& start, WatchHub::Sink sink,
                 const std::function<void(uint64_t)>& afterInitial = {});
  void unwatch(uint64_t id);
  size_t watcherCount() const;

  // Runs `fn` with the lock held and the current resourceVersion: events delivered to watch
  // sinks so far are exactly those up to it (used for bookmarks).
  void withLock(const std::function<void(uint64_t)>& fn) const;

  // Called under the lock for every committed event (must be quick).
  void setCommitListener(std::function<void(const StoreEvent&)> listener);

  void compact();
  void setHistoryLimit(size_t limit);
  // Highest resourceVersion no longer in the watch history (older versions answer 410).
  uint64_t compactedThrough() const;

  // Objects whose metadata.ownerReferences name `uid`.
  std::vector<ObjectKey> dependentsOf(const std::string& uid) const;
  // Every namespaced object in `ns` (for namespace deletion).
  std::vector<ObjectKey> objectsInNamespace(const std::string& ns) const;

 private:
  static std::string itemKey(const std::string& ns, const std::string& name) {
    return ns + "/" + name;
  }

  mutable std::mutex mu_;
  uint64_t resourceVersion_ = 0;
  std::map<std::string, std::map<std::string, ObjectPtr>> objects_;
  WatchHub hub_;
  std::function<void(const StoreEvent&)> commitListener_;
};

}  // namespace rg::testing
