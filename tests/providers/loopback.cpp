#define _TURN_OFF_PLATFORM_STRING
#include "tests/providers/loopback.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include <cpprest/http_listener.h>
#include <boost/asio/ssl.hpp>

namespace rg::providers::testing {

using web::http::http_request;
using web::http::http_response;
using web::http::experimental::listener::http_listener;
using web::http::experimental::listener::http_listener_config;

int freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool canConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

struct LoopbackServer::Impl {
  ReplyFn reply;
  std::unique_ptr<http_listener> listener;
  int port = 0;
  std::string scheme = "http";
  mutable std::mutex mutex;
  std::vector<SeenRequest> seen;

  void handle(http_request request) {
    SeenRequest r;
    r.method = request.method();
    r.path = web::uri::decode(request.relative_uri().path());
    r.rawQuery = request.relative_uri().query();
    auto ua = request.headers().find("User-Agent");
    if (ua != request.headers().end()) r.userAgent = ua->second;
    {
      std::lock_guard lock(mutex);
      seen.push_back(r);
    }
    Reply answer = reply(r);
    http_response response(static_cast<web::http::status_code>(answer.status));
    for (const auto& [name, value] : answer.headers) response.headers().add(name, value);
    // Bytes, not std::string: cpprestsdk views a string body's char buffer as a uint8_t buffer,
    // which UBSan reports.
    response.set_body(std::vector<unsigned char>(answer.body.begin(), answer.body.end()));
    response.headers().set_content_type(answer.contentType);
    // One request per connection: otherwise the listener starts reading the next request right
    // after answering, racing with close() in stop() (a cpprestsdk listener crash).
    if (!response.headers().has("Connection")) response.headers().add("Connection", "close");
    request.reply(response).wait();
  }
};

LoopbackServer::LoopbackServer(ReplyFn reply, std::optional<ServerCertificate> tls)
    : impl_(std::make_unique<Impl>()) {
  impl_->reply = std::move(reply);
  http_listener_config config;
  if (tls) {
    impl_->scheme = "https";
    config.set_ssl_context_callback([cert = *tls](boost::asio::ssl::context& ctx) {
      ctx.set_options(boost::asio::ssl::context::default_workarounds);
      ctx.use_certificate_chain(boost::asio::buffer(cert.certPem.data(), cert.certPem.size()));
      ctx.use_private_key(boost::asio::buffer(cert.keyPem.data(), cert.keyPem.size()),
                          boost::asio::ssl::context::pem);
    });
  }
  std::string lastError;
  // The free port may be taken between the probe and open(): try a few.
  for (int attempt = 0; attempt < 10 && !impl_->listener; ++attempt) {
    int port = freeLoopbackPort();
    auto listener = std::make_unique<http_listener>(
        web::uri(impl_->scheme + "://127.0.0.1:" + std::to_string(port)), config);
    listener->support([impl = impl_.get()](http_request request) { impl->handle(request); });
    try {
      listener->open().wait();
    } catch (const std::exception& e) {
      lastError = e.what();
      continue;
    }
    impl_->listener = std::move(listener);
    impl_->port = port;
  }
  if (!impl_->listener) throw std::runtime_error("loopback server cannot listen: " + lastError);
  for (int i = 0; i < 500 && !canConnect(impl_->port); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

LoopbackServer::~LoopbackServer() {
  stop();
}

int LoopbackServer::port() const {
  return impl_->port;
}

std::string LoopbackServer::url(const std::string& path) const {
  return impl_->scheme + "://127.0.0.1:" + std::to_string(impl_->port) + path;
}

std::vector<SeenRequest> LoopbackServer::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->seen;
}

void LoopbackServer::stop() {
  if (!impl_->listener) return;
  try {
    impl_->listener->close().wait();
  } catch (const std::exception&) {
  }
  impl_->listener.reset();
}

SilentServer::SilentServer(std::optional<std::chrono::milliseconds> trickleEvery)
    : trickleEvery_(trickleEvery) {
  listenFd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listenFd_ < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listenFd_, 16) != 0 ||
      ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(listenFd_);
    throw std::runtime_error("silent server cannot listen");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

SilentServer::~SilentServer() {
  stopping_ = true;
  thread_.join();
  ::close(listenFd_);
}

std::string SilentServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void SilentServer::run() {
  std::vector<int> clients;
  auto lastTrickle = std::chrono::steady_clock::now();
  while (!stopping_) {
    pollfd p{listenFd_, POLLIN, 0};
    if (::poll(&p, 1, 20) > 0 && (p.revents & POLLIN)) {
      int fd = ::accept(listenFd_, nullptr, nullptr);
      if (fd >= 0) {
        ++accepted_;
        clients.push_back(fd);
        if (trickleEvery_) {
          static const char head[] =
              "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n";
          (void)::send(fd, head, sizeof head - 1, MSG_NOSIGNAL);
        }
      }
    }
    if (trickleEvery_ && std::chrono::steady_clock::now() - lastTrickle >= *trickleEvery_) {
      lastTrickle = std::chrono::steady_clock::now();
      for (int fd : clients) (void)::send(fd, "x", 1, MSG_NOSIGNAL);
    }
  }
  for (int fd : clients) ::close(fd);
}

}  // namespace rg::providers::testing
