#pragma once
// A watch: a stream of {"type":..,"object":..} events read one at a time as they arrive.
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace rg::kube {

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
  nlohmann::json object;

  bool isBookmark() const { return type == "BOOKMARK"; }
  // An ERROR event carries a metav1.Status (410 Expired: relist); see ApiError::fromStatus.
  bool isError() const { return type == "ERROR"; }
};

// Where the lines come from (the HTTP body in production; anything in tests).
class LineSource {
 public:
  virtual ~LineSource() = default;
  // Blocks for the next line (without its newline). False at the end of the stream; throws
  // std::exception when the stream broke.
  virtual bool readLine(std::string& line) = 0;
  // Unblocks a pending readLine from another thread; later reads return false.
  virtual void cancel() = 0;
};

class WatchStream {
 public:
  explicit WatchStream(std::unique_ptr<LineSource> source);
  ~WatchStream();
  WatchStream(const WatchStream&) = delete;
  WatchStream& operator=(const WatchStream&) = delete;

  // Blocks until the next event. nullopt when the stream ended: closed by the server (watch
  // timeout), broken (see error()), or close() was called. Call from one thread at a time.
  std::optional<WatchEvent> next();

  // Stops the stream from any thread: a blocked next() returns nullopt promptly. Destroy the
  // stream only once no thread is inside next().
  void close();
  bool closed() const { return closed_.load(); }

  // Why the stream ended abnormally (connection lost, inactivity timeout, undecodable line);
  // empty after a clean end or close().
  std::string error() const;
  // The resourceVersion of the last event's object (bookmarks included): where to resume.
  const std::string& lastResourceVersion() const { return lastResourceVersion_; }

 private:
  std::unique_ptr<LineSource> source_;
  std::atomic<bool> closed_{false};
  bool ended_ = false;
  mutable std::mutex mutex_;
  std::string error_;
  std::string lastResourceVersion_;
};

}  // namespace rg::kube
