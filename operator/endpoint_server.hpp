#pragma once
// A small HTTP server for the operator's /metrics, /healthz and /readyz.
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace rg {

struct EndpointRequest {
  std::string acceptEncoding;  // the Accept-Encoding header; "" when absent
};

struct EndpointResponse {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
  std::string contentEncoding = "";  // "gzip" when `body` is compressed
};

using EndpointHandler = std::function<EndpointResponse(const EndpointRequest&)>;

class EndpointServer {
 public:
  // `bindAddress` as controller-runtime takes it: ":8080" (all interfaces), "127.0.0.1:8080",
  // or "0" to disable. Port 0 picks a free port at start(). Throws std::invalid_argument on a
  // malformed address.
  EndpointServer(const std::string& bindAddress, std::map<std::string, EndpointHandler> routes);
  ~EndpointServer();
  EndpointServer(const EndpointServer&) = delete;
  EndpointServer& operator=(const EndpointServer&) = delete;

  // Throws std::runtime_error when the address cannot be bound.
  void start();
  void stop();
  bool enabled() const { return enabled_; }
  // http://HOST:PORT, with the port actually bound once started.
  const std::string& url() const { return url_; }

 private:
  void listen(const std::string& url);

  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool enabled_ = false;
  std::string host_;
  int port_ = 0;
  std::string url_;
};

}  // namespace rg
