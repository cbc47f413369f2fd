#include "tests/support/hook_dispatcher.hpp"

#include <exception>
#include <iostream>
#include <vector>

namespace rg::testing {

HookDispatcher::HookDispatcher() : thread_([this] { run(); }) {}

HookDispatcher::~HookDispatcher() {
  stop();
}

int HookDispatcher::add(Hook hook) {
  std::lock_guard lock(mu_);
  const int id = nextId_++;
  hooks_.emplace(id, std::move(hook));
  return id;
}

void HookDispatcher::remove(int id) {
  std::lock_guard lock(mu_);
  hooks_.erase(id);
}

void HookDispatcher::enqueue(const StoreEvent& event) {
  std::lock_guard lock(mu_);
  if (hooks_.empty() || stopping_) return;
  queue_.push_back(event);
  cv_.notify_one();
}

void HookDispatcher::waitIdle() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return stopping_ || (queue_.empty() && !busy_); });
}

void HookDispatcher::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    cv_.notify_all();
    idle_.notify_all();
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void HookDispatcher::run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    StoreEvent event = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    std::vector<Hook> hooks;
    for (const auto& [id, hook] : hooks_) hooks.push_back(hook);
    lock.unlock();
    for (const auto& hook : hooks) {
      try {
        hook(event);
      } catch (const std::exception& e) {
        // A failing hook must not stop the others or the server.
        std::cerr << "test-apiserver: hook failed: " << e.what() << "\n";
      }
    }
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace rg::testing
