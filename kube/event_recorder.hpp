#pragma once
// Records core/v1 Events about objects, as client-go's event broadcaster does: the caller never
// waits (a bounded queue feeds a background writer; a full queue drops with a log line), write
// failures are logged and never thrown, and a repeat of the same (object, type, reason,
// message) within the aggregation window PATCHes the existing Event's count and lastTimestamp
// instead of creating another Event.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "kube/background_thread.hpp"
#include "kube/clock.hpp"
#include "kube/rest_client.hpp"

namespace rg::kube {

// core/v1 ObjectReference, the Event's involvedObject.
struct ObjectReference {
  std::string apiVersion;
  std::string kind;
  std::string name;
  std::string ns;
  std::string uid;
  std::string resourceVersion;

  // From an object's fields; apiVersion and kind fall back to the given ones, since items of a
  // list carry neither.
  static ObjectReference fromObject(const nlohmann::json& object, std::string apiVersion = {},
                                    std::string kind = {});
  nlohmann::json toJson() const;  // empty fields left out
};

enum class EventType { Normal, Warning };
const char* eventTypeName(EventType type);

// Cuts `message` to at most `maxBytes` bytes without splitting a UTF-8 sequence.
std::string truncateUtf8(std::string message, std::size_t maxBytes);

struct EventRecorderOptions {
  std::string component = "readiness-gate";  // source.component and reportingComponent
  std::string reportingInstance;             // empty: $POD_NAME or the host name
  std::size_t queueCapacity = 1000;
  std::chrono::milliseconds aggregationWindow = std::chrono::minutes(10);
  std::size_t maxAggregated = 4096;  // series remembered for aggregation (least recent dropped)
  std::size_t maxMessageBytes = 1024;
  // How long shutdown() keeps writing what is queued before dropping the rest.
  std::chrono::milliseconds shutdownGrace{2'000};
  std::shared_ptr<Clock> clock;  // measures the aggregation window; default: the real clock
};

struct EventRecorderStats {
  std::uint64_t created = 0;  // Events created
  std::uint64_t patched = 0;  // repeats written as count updates
  std::uint64_t dropped = 0;  // not queued (queue full or shut down) or given up at shutdown
  std::uint64_t failed = 0;   // writes the API server refused or that got no answer
};

class EventRecorder {
 public:
  // The client must outlive the recorder.
  explicit EventRecorder(RestClient& client, EventRecorderOptions options = {});
  // shutdown()
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // Queues an Event; returns at once, never throws for a write problem.
  void record(const ObjectReference& object, EventType type, const std::string& reason,
              const std::string& message);
  void normal(const ObjectReference& object, const std::string& reason,
              const std::string& message) {
    record(object, EventType::Normal, reason, message);
  }
  void warning(const ObjectReference& object, const std::string& reason,
               const std::string& message) {
    record(object, EventType::Warning, reason, message);
  }

  // Waits (real time) until everything queued so far has been written or given up; false on
  // timeout.
  bool flush(std::chrono::milliseconds timeout);
  // Stops accepting Events, writes what is queued for up to shutdownGrace, joins. Idempotent.
  void shutdown();

  EventRecorderStats stats() const;

 private:
  struct Pending {
    ObjectReference object;
    EventType type;
    std::string reason;
    std::string message;
    std::chrono::system_clock::time_point wallTime;
    Clock::TimePoint time;
  };
  struct Series {
    std::string eventName;
    std::string eventNamespace;
    std::int64_t count = 0;
    std::string firstTimestamp;
    Clock::TimePoint lastSeen;
    std::list<std::string>::iterator lru;
  };

  void run();
  void write(const Pending& item);
  bool createEvent(const Pending& item, const std::string& name, const std::string& ns,
                   std::int64_t count, const std::string& firstTimestamp);
  std::string newEventName(const std::string& objectName, std::chrono::system_clock::time_point t);
  void remember(const std::string& key, Series series);
  void forget(const std::string& key);

  RestClient& client_;
  const EventRecorderOptions options_;
  const std::shared_ptr<Clock> clock_;
  std::string reportingInstance_;

  // Writer-thread state: aggregation series by key, least recently seen first in lru_.
  std::unordered_map<std::string, Series> series_;
  std::list<std::string> lru_;
  std::int64_t lastNameNanos_ = 0;

  // The writer; a stop request is the shutdown. Its lock() guards the fields below, and its
  // waits are the writer's wait for work.
  BackgroundThread thread_;
  std::condition_variable idleCv_;  // flush(): queue drained and nothing in flight
  std::deque<Pending> queue_;
  bool busy_ = false;
  std::chrono::steady_clock::time_point shutdownDeadline_{};
  std::uint64_t droppedSinceLog_ = 0;
  EventRecorderStats stats_;
};

}  // namespace rg::kube
