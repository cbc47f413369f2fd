#include "kube/informer.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include <spdlog/spdlog.h>

#include "kube/api_error.hpp"
#include "kube/object_views.hpp"

namespace rg::kube {

// ---------------------------------------------------------------- RestListerWatcher

RestListerWatcher::RestListerWatcher(RestClient& client, ResourceRef ref, std::string ns,
                                     std::string labelSelector, std::string fieldSelector)
    : client_(client),
      ref_(std::move(ref)),
      namespace_(std::move(ns)),
      labelSelector_(std::move(labelSelector)),
      fieldSelector_(std::move(fieldSelector)) {}

ListResult RestListerWatcher::list(const ListOptions& options) {
  ListOptions o = options;
  o.labelSelector = labelSelector_;
  o.fieldSelector = fieldSelector_;
  return client_.listAll(ref_, namespace_, std::move(o));
}

std::unique_ptr<WatchStream> RestListerWatcher::watch(const WatchOptions& options) {
  WatchOptions o = options;
  o.labelSelector = labelSelector_;
  o.fieldSelector = fieldSelector_;
  return client_.watch(ref_, namespace_, o);
}

std::string RestListerWatcher::describe() const {
  std::string out = ref_.resource;
  if (!ref_.group.empty()) out += "." + ref_.group;
  if (ref_.namespaced) out += namespace_.empty() ? " in all namespaces" : " in " + namespace_;
  if (!labelSelector_.empty()) out += " (" + labelSelector_ + ")";
  return out;
}

// ---------------------------------------------------------------- transforms

void stripManagedFields(nlohmann::json& object) {
  if (!object.is_object()) return;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return;
  meta->erase("managedFields");
  auto annotations = meta->find("annotations");
  if (annotations != meta->end() && annotations->is_object()) {
    annotations->erase(std::string(kLastAppliedAnnotation));
    if (annotations->empty()) meta->erase(annotations);
  }
}

void stripSecretValues(nlohmann::json& object) {
  stripManagedFields(object);
  if (!object.is_object()) return;
  for (const char* field : {"data", "stringData"}) {
    auto values = object.find(field);
    if (values == object.end()) continue;
    if (values->is_object()) {
      for (auto& [key, value] : values->items()) value = "";
    } else if (!values->is_null()) {
      // Not the shape of a Secret: keep nothing rather than guess.
      object.erase(values);
    }
  }
}

// ---------------------------------------------------------------- Backoff

Backoff::Backoff(std::chrono::nanoseconds initial, std::chrono::nanoseconds max, double jitter,
                 std::uint64_t seed)
    : initial_(std::max(initial, std::chrono::nanoseconds(1))),
      max_(std::max(max, initial_)),
      jitter_(std::clamp(jitter, 0.0, 1.0)),
      current_(initial_),
      rng_(seed) {}

std::chrono::nanoseconds Backoff::next() {
  const auto base = current_;
  current_ = base >= max_ / 2 ? max_ : base * 2;
  if (jitter_ <= 0.0) return base;
  std::uniform_real_distribution<double> fraction(0.0, jitter_);
  const double scale = 1.0 - fraction(rng_);
  return std::chrono::nanoseconds(std::max<std::int64_t>(
      1, static_cast<std::int64_t>(static_cast<double>(base.count()) * scale)));
}

void Backoff::reset() {
  current_ = initial_;
}

// ---------------------------------------------------------------- Informer

Informer::Informer(std::shared_ptr<ListerWatcher> listerWatcher, InformerOptions options)
    : listerWatcher_(std::move(listerWatcher)),
      options_(std::move(options)),
      clock_(options_.clock ? options_.clock : realClock()),
      name_(options_.name.empty() && listerWatcher_ ? listerWatcher_->describe() : options_.name),
      backoff_(options_.initialBackoff, options_.maxBackoff, options_.backoffJitter),
      rng_(std::random_device{}()),
      thread_(clock_) {
  if (!listerWatcher_) throw std::invalid_argument("Informer: no lister-watcher");
}

Informer::~Informer() {
  stop();
}

void Informer::addEventHandler(EventHandlers handlers) {
  if (thread_.started()) {
    throw std::logic_error("Informer " + name_ + ": handler added after start");
  }
  handlers_.push_back(std::move(handlers));
}

void Informer::setTransform(TransformFunc transform) {
  if (thread_.started()) {
    throw std::logic_error("Informer " + name_ + ": transform set after start");
  }
  transform_ = std::move(transform);
}

void Informer::start() {
  if (thread_.started()) throw std::logic_error("Informer " + name_ + ": started twice");
  thread_.start([this] { run(); });
}

void Informer::stop() {
  // The open watch is closed by the stop callback watchOnce() registers.
  thread_.stop();
}

bool Informer::waitForSync(std::chrono::milliseconds timeout) const {
  auto lock = thread_.lock();
  thread_.waitForRealTime(lock, timeout, [&] { return synced_.load(); });
  return synced_.load();
}

std::string Informer::lastResourceVersion() const {
  std::lock_guard lock(mu_);
  return resourceVersion_;
}

void Informer::setResourceVersion(const std::string& rv) {
  if (rv.empty()) return;
  std::lock_guard lock(mu_);
  resourceVersion_ = rv;
}

void Informer::run() {
  bool needList = true;
  while (!thread_.stopRequested()) {
    if (needList) {
      if (!listAndDeliver()) {
        const auto delay = backoff_.next();
        spdlog::debug("informer {}: retrying the list in {} ms", name_,
                      std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
        if (!thread_.sleepFor(delay)) break;
        continue;
      }
      needList = false;
      if (thread_.stopRequested()) break;
    }
    const WatchEnd end = watchOnce();
    if (end == WatchEnd::Stopped || thread_.stopRequested()) break;
    if (end == WatchEnd::Healthy) {
      // A clean end after a useful watch (usually the server's timeout): resume at once.
      backoff_.reset();
      continue;
    }
    if (end == WatchEnd::Relist) needList = true;
    const auto delay = backoff_.next();
    spdlog::debug("informer {}: {} in {} ms", name_, needList ? "relisting" : "rewatching",
                  std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
    if (!thread_.sleepFor(delay)) break;
  }
  spdlog::debug("informer {}: stopped", name_);
}

bool Informer::listAndDeliver() {
  ListOptions options;
  options.limit = options_.pageSize;
  // Each page is trimmed as it arrives; an item the transform refuses becomes null.
  options.eachItem = [this](nlohmann::json& item) {
    if (!transform(item)) item = nullptr;
  };
  ListResult result;
  try {
    result = listerWatcher_->list(options);
  } catch (const std::exception& e) {
    spdlog::warn("informer {}: list failed: {}", name_, e.what());
    return false;
  }
  std::vector<ObjectPtr> objects;
  objects.reserve(result.items.size());
  for (auto& item : result.items) {
    if (!item.is_null()) objects.push_back(std::make_shared<const nlohmann::json>(std::move(item)));
  }
  result.items = {};  // moved from: free the page's remains before the store is filled
  auto deltas = store_.replace(objects);
  setResourceVersion(result.resourceVersion);
  spdlog::debug("informer {}: listed {} objects at resourceVersion {} ({} changes)", name_,
                objects.size(), result.resourceVersion, deltas.size());
  for (const auto& delta : deltas) {
    if (thread_.stopRequested()) return true;
    switch (delta.type) {
      case StoreDelta::Type::Added:
        deliverAdd(delta.newObject);
        break;
      case StoreDelta::Type::Updated:
        deliverUpdate(delta.oldObject, delta.newObject);
        break;
      case StoreDelta::Type::Deleted:
        deliverDelete(delta.oldObject);
        break;
    }
  }
  if (!synced_.exchange(true)) thread_.notifyAll();
  return true;
}

Informer::WatchEnd Informer::watchOnce() {
  WatchOptions options;
  options.resourceVersion = lastResourceVersion();
  options.allowWatchBookmarks = true;
  if (options_.minWatchTimeout.count() > 0) {
    const auto min = options_.minWatchTimeout.count();
    options.timeoutSeconds =
        static_cast<int>(std::uniform_int_distribution<std::int64_t>(min, 2 * min - 1)(rng_));
  }

  std::unique_ptr<WatchStream> stream;
  try {
    stream = listerWatcher_->watch(options);
  } catch (const std::exception& e) {
    if (isGone(e)) {
      spdlog::debug("informer {}: resourceVersion {} expired at watch start", name_,
                    options.resourceVersion);
      return WatchEnd::Relist;
    }
    spdlog::warn("informer {}: watch failed: {}", name_, e.what());
    return WatchEnd::Unhealthy;
  }
  if (!stream) return WatchEnd::Unhealthy;
  // Closes the stream when stop() comes (at once if it already came), which ends next().
  const std::stop_callback closeOnStop(thread_.stopToken(), [&stream] { stream->close(); });
  if (thread_.stopRequested()) return WatchEnd::Stopped;
  spdlog::debug("informer {}: watching from resourceVersion {}", name_, options.resourceVersion);

  const auto startedAt = clock_->now();
  bool progressed = false;
  std::optional<WatchEnd> verdict;
  while (auto event = stream->next()) {
    if (thread_.stopRequested()) break;
    if (event->isError()) {
      auto error = ApiError::fromStatus(event->object);
      if (error->isGone()) {
        spdlog::debug("informer {}: watch expired ({}), relisting", name_, error->reason());
        // After a useful watch the relist waits only the initial delay; repeated 410s on
        // fresh lists back off further.
        if (progressed) backoff_.reset();
        verdict = WatchEnd::Relist;
      } else {
        spdlog::warn("informer {}: watch error {} {}: {}", name_, error->code(), error->reason(),
                     error->statusMessage());
        verdict = WatchEnd::Unhealthy;
      }
      break;
    }
    progressed = true;
    if (event->isBookmark()) {
      setResourceVersion(objectResourceVersion(event->object));
      continue;
    }
    if (event->type == "ADDED" || event->type == "MODIFIED" || event->type == "DELETED") {
      applyEvent(std::move(*event));
    } else {
      spdlog::debug("informer {}: ignoring watch event of type {}", name_, event->type);
    }
  }
  if (thread_.stopRequested()) return WatchEnd::Stopped;
  if (verdict) return *verdict;

  const std::string error = stream->error();
  const bool healthy = progressed || clock_->now() - startedAt >= options_.healthyWatchAfter;
  if (!error.empty()) {
    spdlog::debug("informer {}: watch broke at resourceVersion {}: {}", name_,
                  lastResourceVersion(), error);
    // A broken stream waits at least the (reset) initial delay before reconnecting.
    if (healthy) backoff_.reset();
    return WatchEnd::Unhealthy;
  }
  spdlog::debug("informer {}: watch ended at resourceVersion {}", name_, lastResourceVersion());
  return healthy ? WatchEnd::Healthy : WatchEnd::Unhealthy;
}

bool Informer::transform(nlohmann::json& object) const {
  if (!transform_) return true;
  const std::string key = objectKey(object);
  try {
    transform_(object);
    return true;
  } catch (const std::exception& e) {
    spdlog::warn("informer {}: transform failed for {}, object not cached: {}", name_, key,
                 e.what());
    return false;
  }
}

ObjectPtr Informer::transformed(nlohmann::json object) const {
  if (!transform(object)) return nullptr;
  return std::make_shared<const nlohmann::json>(std::move(object));
}

void Informer::applyEvent(WatchEvent&& event) {
  const std::string rv = objectResourceVersion(event.object);
  ObjectPtr object = transformed(std::move(event.object));
  const std::string key = object ? objectKey(*object) : std::string();
  if (key.empty()) {
    if (object)
      spdlog::warn("informer {}: {} event for an object without a name", name_, event.type);
    setResourceVersion(rv);
    return;
  }
  if (event.type == "DELETED") {
    ObjectPtr old = store_.erase(key);
    setResourceVersion(rv);
    // Unknown objects (a replayed delete) produce no event.
    if (old) deliverDelete(object);
    return;
  }
  ObjectPtr old = store_.upsert(object);
  setResourceVersion(rv);
  if (!old) {
    deliverAdd(object);
  } else if (objectResourceVersion(*old) != rv) {
    deliverUpdate(old, object);
  }
  // Same resourceVersion: a replayed event, already delivered.
}

namespace {

template <typename Fn>
void guarded(const std::string& informer, const char* what, Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    spdlog::error("informer {}: {} handler threw: {}", informer, what, e.what());
  } catch (...) {
    spdlog::error("informer {}: {} handler threw a non-exception", informer, what);
  }
}

}  // namespace

void Informer::deliverAdd(const ObjectPtr& object) {
  for (const auto& h : handlers_) {
    if (h.onAdd) guarded(name_, "add", [&] { h.onAdd(*object); });
  }
}

void Informer::deliverUpdate(const ObjectPtr& oldObject, const ObjectPtr& newObject) {
  for (const auto& h : handlers_) {
    if (h.onUpdate) guarded(name_, "update", [&] { h.onUpdate(*oldObject, *newObject); });
  }
}

void Informer::deliverDelete(const ObjectPtr& object) {
  for (const auto& h : handlers_) {
    if (h.onDelete) guarded(name_, "delete", [&] { h.onDelete(*object); });
  }
}

}  // namespace rg::kube
