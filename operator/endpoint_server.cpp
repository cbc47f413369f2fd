// cpprestsdk's U() macro breaks fmt's headers (used by spdlog); the macro is not needed here.
#define _TURN_OFF_PLATFORM_STRING
#include "operator/endpoint_server.hpp"

#include <arpa/inet.h>
#include <cpprest/http_listener.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <stdexcept>

namespace rg {

namespace http = web::http;

namespace {

// A port free on `host` a moment ago. cpprestsdk's listener cannot report the port the system
// chose for port 0, so the port is chosen here (start() retries if it was taken meanwhile).
int probeFreePort(const std::string& host) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  if (host == "localhost" || inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
    addr.sin_addr.s_addr = htonl(host == "localhost" ? INADDR_LOOPBACK : INADDR_ANY);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("cannot open a socket to find a free port");
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot find a free port on " + host);
  return ntohs(addr.sin_port);
}

}  // namespace

struct EndpointServer::Impl {
  std::map<std::string, EndpointHandler> routes;
  std::unique_ptr<http::experimental::listener::http_listener> listener;
};

EndpointServer::EndpointServer(const std::string& bindAddress,
                               std::map<std::string, EndpointHandler> routes)
    : impl_(std::make_unique<Impl>()) {
  impl_->routes = std::move(routes);
  if (bindAddress == "0") return;
  static const std::regex kAddress(R"(^([^:]*):([0-9]{1,5})$)");
  std::smatch match;
  if (!std::regex_match(bindAddress, match, kAddress) || std::stoi(match[2]) > 65535)
    throw std::invalid_argument("bind address \"" + bindAddress +
                                "\" must be HOST:PORT, :PORT or 0 (disabled)");
  host_ = match[1].str().empty() ? "0.0.0.0" : match[1].str();
  port_ = std::stoi(match[2]);
  url_ = "http://" + host_ + ":" + std::to_string(port_);
  enabled_ = true;
}

EndpointServer::~EndpointServer() {
  stop();
}

void EndpointServer::start() {
  if (!enabled_ || impl_->listener) return;
  const int attempts = port_ == 0 ? 10 : 1;
  for (int attempt = 1;; ++attempt) {
    const int port = port_ == 0 ? probeFreePort(host_) : port_;
    const std::string url = "http://" + host_ + ":" + std::to_string(port);
    try {
      listen(url);
      url_ = url;
      break;
    } catch (const std::runtime_error&) {
      if (attempt >= attempts) throw;
    }
  }
  std::string paths;
  for (const auto& route : impl_->routes) paths += (paths.empty() ? "" : ", ") + route.first;
  spdlog::info("serving {} on {}", paths, url_);
}

void EndpointServer::listen(const std::string& url) {
  auto listener = std::make_unique<http::experimental::listener::http_listener>(url);
  auto* impl = impl_.get();
  listener->support(http::methods::GET, [impl](http::http_request request) {
    auto it = impl->routes.find(request.relative_uri().path());
    EndpointResponse response{404, "text/plain; charset=utf-8", "not found\n"};
    if (it != impl->routes.end()) {
      EndpointRequest asked;
      if (auto header = request.headers().find("Accept-Encoding");
          header != request.headers().end())
        asked.acceptEncoding = header->second;
      try {
        response = it->second(asked);
      } catch (const std::exception& e) {
        response = {500, "text/plain; charset=utf-8", std::string("error: ") + e.what() + "\n"};
      }
    }
    http::http_response reply(static_cast<http::status_code>(response.status));
    reply.set_body(std::move(response.body), response.contentType);
    if (!response.contentEncoding.empty())
      reply.headers().add("Content-Encoding", response.contentEncoding);
    // One answer per connection: the listener's close() at shutdown shuts sockets while its
    // threads may be starting the next read on a kept-alive one (a cpprestsdk crash). Scrapes
    // and probes are seconds apart, so reconnecting costs nothing.
    reply.headers().add("Connection", "close");
    request.reply(reply);
  });
  try {
    listener->open().wait();
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + url + ": " + e.what());
  }
  impl_->listener = std::move(listener);
}

void EndpointServer::stop() {
  if (!impl_ || !impl_->listener) return;
  try {
    impl_->listener->close().wait();
  } catch (const std::exception& e) {
    spdlog::debug("closing {}: {}", url_, e.what());
  }
  impl_->listener.reset();
}

}  // namespace rg
