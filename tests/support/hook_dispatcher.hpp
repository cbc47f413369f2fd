#pragma once
// Delivers committed store events to test hooks on one thread, in resourceVersion order, so a
// hook (e.g. a simulated controller) sees a serial stream and may write back to the store
// without re-entering the writer.
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "tests/support/watch_hub.hpp"

namespace rg::testing {

class HookDispatcher {
 public:
  using Hook = std::function<void(const StoreEvent&)>;

  HookDispatcher();
  ~HookDispatcher();
  HookDispatcher(const HookDispatcher&) = delete;
  HookDispatcher& operator=(const HookDispatcher&) = delete;

  int add(Hook hook);
  void remove(int id);
  // Queues an event (called under the store lock: never blocks on hooks).
  void enqueue(const StoreEvent& event);
  // Blocks until every event queued so far went through the hooks, including the events those
  // hooks wrote. Must not be called from a hook.
  void waitIdle();
  void stop();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_;
  std::deque<StoreEvent> queue_;
  std::map<int, Hook> hooks_;
  int nextId_ = 1;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace rg::testing
