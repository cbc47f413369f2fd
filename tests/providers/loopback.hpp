#pragma once
// Servers on 127.0.0.1 for provider tests. The HTTP one is a cpprestsdk listener, hidden
// behind plain types so the test files compile without cpprestsdk.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace rg::providers::testing {

struct SeenRequest {
  std::string method;
  std::string path;      // decoded, without the query
  std::string rawQuery;  // as sent
  std::string userAgent;
};

struct Reply {
  Reply(int status_, std::string body_, std::string contentType_ = "text/plain",
        std::vector<std::pair<std::string, std::string>> headers_ = {})
      : status(status_),
        body(std::move(body_)),
        contentType(std::move(contentType_)),
        headers(std::move(headers_)) {}

  int status = 200;
  std::string body;
  std::string contentType = "text/plain";
  std::vector<std::pair<std::string, std::string>> headers;
};

using ReplyFn = std::function<Reply(const SeenRequest&)>;

struct ServerCertificate {
  std::string certPem;
  std::string keyPem;
};

// An HTTP(S) server that answers every request with `reply`.
class LoopbackServer {
 public:
  explicit LoopbackServer(ReplyFn reply, std::optional<ServerCertificate> tls = std::nullopt);
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  int port() const;
  std::string url(const std::string& path = "") const;  // "http://127.0.0.1:PORT" + path
  std::vector<SeenRequest> requests() const;
  void stop();  // idempotent

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A TCP server that accepts connections and then answers nothing at all, or (with a
// trickle) sends a status line and headers promising a long body, then one byte every
// `trickleEvery`: never idle long enough for an inactivity timeout, never done.
class SilentServer {
 public:
  explicit SilentServer(std::optional<std::chrono::milliseconds> trickleEvery = std::nullopt);
  ~SilentServer();
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path = "") const;
  int accepted() const { return accepted_.load(); }

 private:
  void run();

  int listenFd_ = -1;
  int port_ = 0;
  std::optional<std::chrono::milliseconds> trickleEvery_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

// A port that was free a moment ago on 127.0.0.1 (nothing listens on it).
int freeLoopbackPort();
// True when something accepts TCP connections on 127.0.0.1:port.
bool canConnect(int port);

}  // namespace rg::providers::testing
