#pragma once
// List-then-watch informer with a local cache, after client-go's reflector + shared informer:
// list (paginated), watch from the list's resourceVersion with bookmarks, resume dropped watches
// from the last resourceVersion with backoff, relist on 410 Gone and emit the differences.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/background_thread.hpp"
#include "kube/clock.hpp"
#include "kube/object_store.hpp"
#include "kube/resource.hpp"
#include "kube/rest_client.hpp"
#include "kube/watch_stream.hpp"

namespace rg::kube {

// Where an informer gets its objects. Production lists and watches through the REST client;
// tests script lists and watch streams.
class ListerWatcher {
 public:
  virtual ~ListerWatcher() = default;
  // All matching objects and the resourceVersion the list was read at. Throws ApiError /
  // TransportError.
  virtual ListResult list(const ListOptions& options) = 0;
  // A watch from options.resourceVersion. Throws GoneError when that version is too old.
  virtual std::unique_ptr<WatchStream> watch(const WatchOptions& options) = 0;
  // For log lines ("pods in default").
  virtual std::string describe() const = 0;
};

// Lists and watches one resource type through a RestClient, in one namespace ("" = all) and
// with optional label/field selectors. The client must outlive this object.
class RestListerWatcher final : public ListerWatcher {
 public:
  RestListerWatcher(RestClient& client, ResourceRef ref, std::string ns = {},
                    std::string labelSelector = {}, std::string fieldSelector = {});

  ListResult list(const ListOptions& options) override;
  std::unique_ptr<WatchStream> watch(const WatchOptions& options) override;
  std::string describe() const override;

 private:
  RestClient& client_;
  ResourceRef ref_;
  std::string namespace_;
  std::string labelSelector_;
  std::string fieldSelector_;
};

// Callbacks for cache changes. Any may be empty. They run on the informer's thread, one at a
// time and in the order of the changes, never under the store's lock; they should only do
// quick work (enqueue a key). An exception is logged and does not stop the informer.
struct EventHandlers {
  std::function<void(const nlohmann::json& object)> onAdd;
  std::function<void(const nlohmann::json& oldObject, const nlohmann::json& newObject)> onUpdate;
  // The last state known (the watch's final state, or the cached copy when a relist found the
  // object gone).
  std::function<void(const nlohmann::json& object)> onDelete;
};

// Rewrites an object before it is cached and handed to handlers. It must keep
// metadata.name, metadata.namespace and metadata.resourceVersion. An object whose transform
// throws is not cached (safer than caching what the transform was meant to remove).
using TransformFunc = std::function<void(nlohmann::json& object)>;

// Drops metadata.managedFields and the kubectl last-applied-configuration annotation: large,
// never read by the operator, and the annotation may repeat an object's whole content.
void stripManagedFields(nlohmann::json& object);
// For Secrets: as stripManagedFields, and every data/stringData value becomes "", so the cache
// knows which keys a Secret has but never holds a secret value.
void stripSecretValues(nlohmann::json& object);

// Exponential backoff with jitter: initial, doubling up to max; each delay is drawn uniformly
// from [d * (1 - jitter), d] so that many clients do not retry in step, and never exceeds max.
class Backoff {
 public:
  Backoff(std::chrono::nanoseconds initial, std::chrono::nanoseconds max, double jitter,
          std::uint64_t seed = std::random_device{}());
  std::chrono::nanoseconds next();
  void reset();
  std::chrono::nanoseconds current() const { return current_; }  // the next un-jittered delay

 private:
  std::chrono::nanoseconds initial_;
  std::chrono::nanoseconds max_;
  double jitter_;
  std::chrono::nanoseconds current_;
  std::mt19937_64 rng_;
};

struct InformerOptions {
  std::string name;  // for log lines; defaults to the lister-watcher's description
  // Page size of lists (client-go's pager default); 0: one unpaginated list.
  std::int64_t pageSize = 500;
  // Reconnection backoff after a failed list or watch, or an unhealthy watch.
  std::chrono::milliseconds initialBackoff{100};
  std::chrono::milliseconds maxBackoff{30'000};
  double backoffJitter = 0.2;
  // A watch that delivered an event or stayed open this long counts as healthy: the backoff
  // starts over, and a clean end of the stream (server timeout) reconnects at once.
  std::chrono::milliseconds healthyWatchAfter{10'000};
  // Server-side watch timeout, drawn from [min, 2 * min) per watch as client-go does, so that
  // watches of many clients do not all end together. Zero: the server's default.
  std::chrono::seconds minWatchTimeout{300};
  std::shared_ptr<Clock> clock;  // for backoff waits; default: the real clock
};

class Informer {
 public:
  explicit Informer(std::shared_ptr<ListerWatcher> listerWatcher, InformerOptions options = {});
  // Stops and joins.
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Before start() (throws std::logic_error after).
  void addEventHandler(EventHandlers handlers);
  void setTransform(TransformFunc transform);
  // Indexers may be added at any time; see ObjectStore::addIndexer.
  void addIndexer(const std::string& name, IndexFunc fn) { store_.addIndexer(name, std::move(fn)); }

  // Starts the list/watch thread. Once only (throws std::logic_error on a second call).
  void start();
  // Closes the watch, wakes any backoff wait and joins. Prompt unless a list or a watch request
  // is waiting for the server (bounded by the client's request timeout). Idempotent. Called from
  // a handler it only signals; the destructor joins.
  void stop();

  // True once the first list is in the store and its add events have been delivered.
  bool hasSynced() const { return synced_.load(); }
  // Waits (in real time) for hasSynced(); false on timeout or when stopped first.
  bool waitForSync(std::chrono::milliseconds timeout) const;

  const ObjectStore& store() const { return store_; }
  // The resourceVersion the cache is at (from the last list, event or bookmark).
  std::string lastResourceVersion() const;
  const std::string& name() const { return name_; }

 private:
  enum class WatchEnd { Stopped, Relist, Healthy, Unhealthy };

  void run();
  bool listAndDeliver();
  WatchEnd watchOnce();
  // Applies one ADDED/MODIFIED/DELETED event to the store and delivers it.
  void applyEvent(WatchEvent&& event);
  // Runs the transform on the object in place; false (logged) when it throws: not cached.
  bool transform(nlohmann::json& object) const;
  // Takes the object: a watch event is trimmed in place, never copied whole.
  ObjectPtr transformed(nlohmann::json object) const;
  void deliverAdd(const ObjectPtr& object);
  void deliverUpdate(const ObjectPtr& oldObject, const ObjectPtr& newObject);
  void deliverDelete(const ObjectPtr& object);
  void setResourceVersion(const std::string& rv);

  const std::shared_ptr<ListerWatcher> listerWatcher_;
  const InformerOptions options_;
  const std::shared_ptr<Clock> clock_;
  const std::string name_;

  ObjectStore store_;
  std::vector<EventHandlers> handlers_;
  TransformFunc transform_;
  Backoff backoff_;
  std::mt19937_64 rng_;

  std::atomic<bool> synced_{false};
  mutable std::mutex mu_;  // guards resourceVersion_
  std::string resourceVersion_;
  // Last: destroyed (stopped and joined) before the state run() uses.
  BackgroundThread thread_;
};

}  // namespace rg::kube
