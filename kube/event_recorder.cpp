#include "kube/event_recorder.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iterator>
#include <utility>

#include <spdlog/spdlog.h>

#include "kube/api_error.hpp"
#include "kube/json_fields.hpp"
#include "kube/resource.hpp"

namespace rg::kube {

namespace {

// metav1.Time: RFC 3339 with whole seconds, UTC.
std::string formatTime(std::chrono::system_clock::time_point t) {
  const std::time_t tt =
      std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(t));
  std::tm utc{};
  ::gmtime_r(&tt, &utc);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return out;
}

std::string defaultInstance() {
  if (const char* pod = std::getenv("POD_NAME"); pod != nullptr && *pod != '\0') return pod;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') return host;
  return "unknown";
}

// Identifies a series of identical Events; '\x1f' cannot appear in names or reasons.
std::string seriesKey(const ObjectReference& o, EventType type, const std::string& reason,
                      const std::string& message) {
  std::string key;
  for (const std::string* part : {&o.apiVersion, &o.kind, &o.ns, &o.name, &o.uid, &reason}) {
    key += *part;
    key += '\x1f';
  }
  key += eventTypeName(type);
  key += '\x1f';
  key += message;
  return key;
}

}  // namespace

ObjectReference ObjectReference::fromObject(const nlohmann::json& object, std::string apiVersion,
                                            std::string kind) {
  ObjectReference ref;
  ref.apiVersion = textAt(object, "apiVersion");
  if (ref.apiVersion.empty()) ref.apiVersion = std::move(apiVersion);
  ref.kind = textAt(object, "kind");
  if (ref.kind.empty()) ref.kind = std::move(kind);
  if (object.is_object() && object.contains("metadata")) {
    const auto& meta = object["metadata"];
    ref.name = textAt(meta, "name");
    ref.ns = textAt(meta, "namespace");
    ref.uid = textAt(meta, "uid");
    ref.resourceVersion = textAt(meta, "resourceVersion");
  }
  return ref;
}

nlohmann::json ObjectReference::toJson() const {
  nlohmann::json out = nlohmann::json::object();
  auto put = [&](const char* field, const std::string& value) {
    if (!value.empty()) out[field] = value;
  };
  put("apiVersion", apiVersion);
  put("kind", kind);
  put("name", name);
  put("namespace", ns);
  put("uid", uid);
  put("resourceVersion", resourceVersion);
  return out;
}

const char* eventTypeName(EventType type) {
  return type == EventType::Warning ? "Warning" : "Normal";
}

std::string truncateUtf8(std::string message, std::size_t maxBytes) {
  if (message.size() <= maxBytes) return message;
  std::size_t cut = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the sequence being cut.
  while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;
  message.resize(cut);
  return message;
}

EventRecorder::EventRecorder(RestClient& client, EventRecorderOptions options)
    : client_(client),
      options_(std::move(options)),
      clock_(options_.clock ? options_.clock : realClock()),
      reportingInstance_(options_.reportingInstance.empty() ? defaultInstance()
                                                            : options_.reportingInstance) {
  thread_.start([this] { run(); });
}

EventRecorder::~EventRecorder() {
  shutdown();
}

void EventRecorder::record(const ObjectReference& object, EventType type, const std::string& reason,
                           const std::string& message) {
  Pending item{object,
               type,
               reason,
               truncateUtf8(message, options_.maxMessageBytes),
               std::chrono::system_clock::now(),
               clock_->now()};
  std::uint64_t dropped = 0;
  {
    auto lock = thread_.lock();
    if (!thread_.stopRequested() && queue_.size() < options_.queueCapacity) {
      queue_.push_back(std::move(item));
    } else {
      ++stats_.dropped;
      // One line for the first drop and then one per hundred, so a flood does not flood logs.
      if (droppedSinceLog_++ % 100 == 0) dropped = stats_.dropped;
    }
  }
  if (dropped != 0) {
    spdlog::warn("event recorder: dropped event {} for {}/{} ({} dropped so far)", reason,
                 object.ns, object.name, dropped);
    return;
  }
  thread_.notifyAll();
}

bool EventRecorder::flush(std::chrono::milliseconds timeout) {
  auto lock = thread_.lock();
  return idleCv_.wait_for(lock, timeout, [&] { return queue_.empty() && !busy_; });
}

void EventRecorder::shutdown() {
  {
    // Set before the stop request, which is what the writer reads it after.
    auto lock = thread_.lock();
    if (!thread_.stopRequested()) {
      shutdownDeadline_ = std::chrono::steady_clock::now() + options_.shutdownGrace;
    }
  }
  thread_.stop();
}

EventRecorderStats EventRecorder::stats() const {
  auto lock = thread_.lock();
  return stats_;
}

void EventRecorder::run() {
  auto lock = thread_.lock();
  for (;;) {
    // Returns at a shutdown too; the queue is written until it is empty or the grace is over.
    thread_.wait(lock, [&] { return !queue_.empty(); });
    if (queue_.empty()) break;
    if (thread_.stopRequested() && std::chrono::steady_clock::now() >= shutdownDeadline_) {
      spdlog::warn("event recorder: shutting down, {} events not written", queue_.size());
      stats_.dropped += queue_.size();
      queue_.clear();
      break;
    }
    Pending item = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    try {
      write(item);
    } catch (const std::exception& e) {
      // write() handles API errors itself; this is a last guard for the thread.
      spdlog::warn("event recorder: {}", e.what());
    }
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idleCv_.notify_all();
  }
  busy_ = false;
  idleCv_.notify_all();
}

std::string EventRecorder::newEventName(const std::string& objectName,
                                        std::chrono::system_clock::time_point t) {
  // client-go's "<name>.<hex unix nanos>"; strictly increasing so two Events of one object
  // recorded within the same nanosecond still get distinct names.
  std::int64_t nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  if (nanos <= lastNameNanos_) nanos = lastNameNanos_ + 1;
  lastNameNanos_ = nanos;
  char hex[24];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(nanos));
  // Names are DNS subdomains (253 characters at most).
  std::string base = objectName.empty() ? "event" : objectName.substr(0, 253 - 1 - 16);
  return base + "." + hex;
}

void EventRecorder::remember(const std::string& key, Series series) {
  forget(key);
  while (!lru_.empty() && series_.size() >= options_.maxAggregated) {
    series_.erase(lru_.front());
    lru_.pop_front();
  }
  lru_.push_back(key);
  series.lru = std::prev(lru_.end());
  series_.emplace(key, std::move(series));
}

void EventRecorder::forget(const std::string& key) {
  auto it = series_.find(key);
  if (it == series_.end()) return;
  lru_.erase(it->second.lru);
  series_.erase(it);
}

bool EventRecorder::createEvent(const Pending& item, const std::string& name, const std::string& ns,
                                std::int64_t count, const std::string& firstTimestamp) {
  nlohmann::json event = {{"apiVersion", "v1"},
                          {"kind", "Event"},
                          {"metadata", {{"name", name}, {"namespace", ns}}},
                          {"involvedObject", item.object.toJson()},
                          {"reason", item.reason},
                          {"message", item.message},
                          {"type", eventTypeName(item.type)},
                          {"source", {{"component", options_.component}}},
                          {"firstTimestamp", firstTimestamp},
                          {"lastTimestamp", formatTime(item.wallTime)},
                          {"count", count},
                          {"reportingComponent", options_.component},
                          {"reportingInstance", reportingInstance_}};
  try {
    client_.create(resources::kEvents, ns, event);
  } catch (const std::exception& e) {
    {
      auto lock = thread_.lock();
      ++stats_.failed;
    }
    spdlog::warn("event recorder: creating event {} for {}/{} failed: {}", item.reason,
                 item.object.ns, item.object.name, e.what());
    return false;
  }
  {
    auto lock = thread_.lock();
    ++stats_.created;
  }
  spdlog::debug("event recorder: {} {} for {}/{} as {}", eventTypeName(item.type), item.reason,
                item.object.ns, item.object.name, name);
  return true;
}

void EventRecorder::write(const Pending& item) {
  const std::string key = seriesKey(item.object, item.type, item.reason, item.message);
  auto it = series_.find(key);
  if (it != series_.end() && item.time - it->second.lastSeen <= options_.aggregationWindow) {
    Series& series = it->second;
    ++series.count;
    series.lastSeen = item.time;
    lru_.splice(lru_.end(), lru_, series.lru);
    const nlohmann::json patch = {{"count", series.count},
                                  {"lastTimestamp", formatTime(item.wallTime)}};
    try {
      client_.patch(resources::kEvents, series.eventNamespace, series.eventName, PatchType::Merge,
                    patch);
      auto lock = thread_.lock();
      ++stats_.patched;
      return;
    } catch (const NotFoundError&) {
      // The Event expired (the API server keeps Events for an hour): write it again, with the
      // series' count, as client-go does.
      spdlog::debug("event recorder: event {} is gone, creating it again", series.eventName);
      if (!createEvent(item, series.eventName, series.eventNamespace, series.count,
                       series.firstTimestamp)) {
        forget(key);
      }
      return;
    } catch (const std::exception& e) {
      {
        auto lock = thread_.lock();
        ++stats_.failed;
      }
      spdlog::warn("event recorder: updating event {} failed: {}", series.eventName, e.what());
      return;
    }
  }

  const std::string ns = item.object.ns.empty() ? "default" : item.object.ns;
  const std::string name = newEventName(item.object.name, item.wallTime);
  const std::string first = formatTime(item.wallTime);
  if (createEvent(item, name, ns, 1, first)) {
    remember(key, Series{name, ns, 1, first, item.time, {}});
  } else {
    forget(key);
  }
}

}  // namespace rg::kube
