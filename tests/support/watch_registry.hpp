#pragma once
// Open watch streams: serialised writes, periodic bookmarks, server-side timeouts, and the
// "drop every watch" fault. One ticker thread serves all of them.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_types.hpp"
#include "tests/support/object_store.hpp"

namespace rg::testing {

class WatchSession {
 public:
  WatchSession(std::shared_ptr<StreamSink> sink, std::chrono::steady_clock::time_point deadline);

  // Writes one line; false once the stream is closed (the store then drops the subscription).
  bool send(const std::string& line);
  void close();
  bool closed() const;

  std::chrono::steady_clock::time_point deadline;
  bool bookmarks = false;
  std::string bookmarkApiVersion;
  std::string bookmarkKind;
  std::chrono::steady_clock::time_point lastBookmark;
  uint64_t watchId = 0;  // the store subscription, 0 until subscribed

 private:
  mutable std::mutex mu_;
  std::shared_ptr<StreamSink> sink_;
  bool closed_ = false;
};

class WatchRegistry {
 public:
  explicit WatchRegistry(ObjectStore& store);
  ~WatchRegistry();
  WatchRegistry(const WatchRegistry&) = delete;
  WatchRegistry& operator=(const WatchRegistry&) = delete;

  void add(std::shared_ptr<WatchSession> session);
  // Ends every open stream (clients see end of stream and must re-watch).
  void dropAll();
  size_t openCount() const;
  void setBookmarkInterval(std::chrono::milliseconds interval);
  void stop();

 private:
  void run();
  void sweep();

  ObjectStore& store_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<WatchSession>> sessions_;
  std::chrono::milliseconds bookmarkInterval_{std::chrono::seconds(1)};
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace rg::testing
