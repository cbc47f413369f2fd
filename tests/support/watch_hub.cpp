#include "tests/support/watch_hub.hpp"

#include <vector>

#include <nlohmann/json.hpp>

namespace rg::testing {

const char* eventTypeName(EventType type) {
  switch (type) {
    case EventType::Added:
      return "ADDED";
    case EventType::Modified:
      return "MODIFIED";
    case EventType::Deleted:
      return "DELETED";
  }
  return "ERROR";
}

void WatchHub::publish(const StoreEvent& event) {
  history_.push_back(event);
  trim();
  std::vector<uint64_t> gone;
  for (auto& [id, sub] : subscribers_) {
    if (!sub.storageKey.empty() && sub.storageKey != event.storageKey) continue;
    if (!sub.sink(event)) gone.push_back(id);
  }
  for (auto id : gone) subscribers_.erase(id);
}

bool WatchHub::replay(const std::string& storageKey, uint64_t fromRv, const Sink& sink) const {
  if (fromRv < compactedThrough_) return false;
  for (const auto& event : history_) {
    if (event.resourceVersion <= fromRv || event.storageKey != storageKey) continue;
    if (!sink(event)) break;
  }
  return true;
}

uint64_t WatchHub::subscribe(std::string storageKey, Sink sink) {
  const uint64_t id = nextId_++;
  subscribers_.emplace(id, Subscriber{std::move(storageKey), std::move(sink)});
  return id;
}

void WatchHub::unsubscribe(uint64_t id) {
  subscribers_.erase(id);
}

void WatchHub::compact(uint64_t currentRv) {
  history_.clear();
  compactedThrough_ = currentRv;
}

void WatchHub::setHistoryLimit(size_t limit) {
  historyLimit_ = limit;
  trim();
}

void WatchHub::trim() {
  while (history_.size() > historyLimit_) {
    compactedThrough_ = history_.front().resourceVersion;
    history_.pop_front();
  }
}

}  // namespace rg::testing
