#pragma once
// The event history window and the live subscribers of the object store. Not thread-safe on
// its own: the object store calls it with its lock held, which keeps events in
// resourceVersion order for every subscriber.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace rg::testing {

using ObjectPtr = std::shared_ptr<const nlohmann::json>;

enum class EventType { Added, Modified, Deleted };
const char* eventTypeName(EventType type);

struct StoreEvent {
  uint64_t resourceVersion = 0;
  std::string storageKey;  // group/plural
  EventType type = EventType::Added;
  ObjectPtr object;    // the new state (for Deleted: the last state at this resourceVersion)
  ObjectPtr previous;  // the state before (Modified/Deleted)
};

class WatchHub {
 public:
  // Called with the store lock held; returning false unsubscribes.
  using Sink = std::function<bool(const StoreEvent&)>;

  explicit WatchHub(size_t historyLimit) : historyLimit_(historyLimit) {}

  void publish(const StoreEvent& event);
  // Events of `storageKey` newer than `fromRv`, delivered to `sink`; false when part of that
  // range was already dropped from the window (the caller answers 410 Gone).
  bool replay(const std::string& storageKey, uint64_t fromRv, const Sink& sink) const;
  uint64_t subscribe(std::string storageKey, Sink sink);
  void unsubscribe(uint64_t id);
  // Drops the whole history: any older resourceVersion is now expired.
  void compact(uint64_t currentRv);
  uint64_t compactedThrough() const { return compactedThrough_; }
  size_t subscriberCount() const { return subscribers_.size(); }
  void setHistoryLimit(size_t limit);

 private:
  struct Subscriber {
    std::string storageKey;  // empty: every resource
    Sink sink;
  };
  void trim();

  size_t historyLimit_;
  std::deque<StoreEvent> history_;
  uint64_t compactedThrough_ = 0;  // highest resourceVersion no longer in history_
  uint64_t nextId_ = 1;
  std::map<uint64_t, Subscriber> subscribers_;
};

}  // namespace rg::testing
