#include "tests/support/watch_registry.hpp"

#include <nlohmann/json.hpp>

namespace rg::testing {

WatchSession::WatchSession(std::shared_ptr<StreamSink> sink,
                           std::chrono::steady_clock::time_point deadline)
    : deadline(deadline), lastBookmark(std::chrono::steady_clock::now()), sink_(std::move(sink)) {}

bool WatchSession::send(const std::string& line) {
  std::lock_guard lock(mu_);
  if (closed_) return false;
  if (!sink_->write(line)) closed_ = true;
  return !closed_;
}

void WatchSession::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  sink_->close();
}

bool WatchSession::closed() const {
  std::lock_guard lock(mu_);
  return closed_ || sink_->closed();
}

WatchRegistry::WatchRegistry(ObjectStore& store) : store_(store), thread_([this] { run(); }) {}

WatchRegistry::~WatchRegistry() {
  stop();
}

void WatchRegistry::add(std::shared_ptr<WatchSession> session) {
  std::lock_guard lock(mu_);
  if (stopping_) {
    session->close();
    if (session->watchId) store_.unwatch(session->watchId);
    return;
  }
  sessions_.push_back(std::move(session));
}

void WatchRegistry::dropAll() {
  std::vector<std::shared_ptr<WatchSession>> all;
  {
    std::lock_guard lock(mu_);
    all.swap(sessions_);
  }
  for (auto& s : all) {
    s->close();
    if (s->watchId) store_.unwatch(s->watchId);
  }
}

size_t WatchRegistry::openCount() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& s : sessions_) n += s->closed() ? 0 : 1;
  return n;
}

void WatchRegistry::setBookmarkInterval(std::chrono::milliseconds interval) {
  std::lock_guard lock(mu_);
  bookmarkInterval_ = interval;
}

void WatchRegistry::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  dropAll();
}

void WatchRegistry::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(50));
    if (stopping_) break;
    lock.unlock();
    sweep();
    lock.lock();
  }
}

void WatchRegistry::sweep() {
  std::vector<std::shared_ptr<WatchSession>> sessions;
  std::chrono::milliseconds interval;
  {
    std::lock_guard lock(mu_);
    sessions = sessions_;
    interval = bookmarkInterval_;
  }
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<WatchSession>> finished;
  for (auto& s : sessions) {
    if (s->closed() || now >= s->deadline) {
      finished.push_back(s);
      continue;
    }
    if (s->bookmarks && now - s->lastBookmark >= interval) {
      s->lastBookmark = now;
      // Under the store lock: every event up to this resourceVersion is already written.
      store_.withLock([&](uint64_t rv) {
        const nlohmann::json line = {
            {"type", "BOOKMARK"},
            {"object",
             {{"kind", s->bookmarkKind},
              {"apiVersion", s->bookmarkApiVersion},
              {"metadata",
               {{"resourceVersion", std::to_string(rv)}, {"creationTimestamp", nullptr}}}}}};
        s->send(line.dump() + "\n");
      });
    }
  }
  if (finished.empty()) return;
  for (auto& s : finished) {
    s->close();
    if (s->watchId) store_.unwatch(s->watchId);
  }
  std::lock_guard lock(mu_);
  std::erase_if(sessions_, [&](const std::shared_ptr<WatchSession>& s) {
    return std::find(finished.begin(), finished.end(), s) != finished.end();
  });
}

}  // namespace rg::testing
