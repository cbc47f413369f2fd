#include "tests/wire/fake_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <cpprest/http_listener.h>
#include <cpprest/producerconsumerstream.h>
#include <boost/asio/ssl.hpp>

namespace rg::wire {
namespace {

using web::http::http_request;
using web::http::http_response;
using web::http::experimental::listener::http_listener;
using web::http::experimental::listener::http_listener_config;

bool canConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

class BufferWriter : public ChunkWriter {
 public:
  BufferWriter(concurrency::streams::producer_consumer_buffer<uint8_t> buffer,
               std::atomic<bool>& stopping, std::mutex& mutex, std::condition_variable& cv)
      : buffer_(std::move(buffer)), stopping_(stopping), mutex_(mutex), cv_(cv) {}

  void write(const std::string& data) override {
    if (data.empty()) return;
    try {
      buffer_.putn_nocopy(reinterpret_cast<const uint8_t*>(data.data()), data.size()).wait();
      // Without sync() the listener holds the bytes until the stream closes.
      buffer_.sync().wait();
    } catch (const std::exception&) {
      // The client went away; the stream function finds out through waitForStop or ends.
    }
  }

  bool waitForStop(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return stopping_.load(); });
  }

 private:
  concurrency::streams::producer_consumer_buffer<uint8_t> buffer_;
  std::atomic<bool>& stopping_;
  std::mutex& mutex_;
  std::condition_variable& cv_;
};

}  // namespace

FakeResponse FakeResponse::json(int status, const nlohmann::json& body) {
  FakeResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

FakeResponse FakeResponse::statusError(int code, const std::string& reason,
                                       const std::string& message) {
  return json(code, {{"kind", "Status"},
                     {"apiVersion", "v1"},
                     {"metadata", nlohmann::json::object()},
                     {"status", "Failure"},
                     {"message", message},
                     {"reason", reason},
                     {"code", code}});
}

int freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a loopback port");
  }
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

struct FakeServer::Impl {
  Handler handler;
  std::optional<ServerTls> tls;
  std::unique_ptr<http_listener> listener;
  int port = 0;

  mutable std::mutex mutex;
  std::condition_variable cv;
  std::atomic<bool> stopping{false};
  bool stopped = false;
  std::vector<FakeRequest> seen;
  std::vector<http_request> held;
  std::vector<std::thread> streams;
  std::string clientSubject;

  void handle(http_request request) {
    FakeRequest req;
    req.method = request.method();
    auto uri = request.relative_uri();
    req.path = web::uri::decode(uri.path());
    req.rawQuery = uri.query();
    for (const auto& [k, v] : web::uri::split_query(uri.query())) {
      req.query[web::uri::decode(k)] = web::uri::decode(v);
    }
    for (const auto& [name, value] : request.headers()) {
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      req.headers[lower] = value;
    }
    try {
      req.body = request.extract_utf8string(true).get();
    } catch (const std::exception&) {
    }
    {
      std::lock_guard lock(mutex);
      seen.push_back(req);
    }

    FakeResponse res;
    try {
      res = handler(req);
    } catch (const std::exception& e) {
      res =
          FakeResponse::statusError(500, "InternalError", std::string("test handler: ") + e.what());
    }

    if (res.noAnswer) {
      std::lock_guard lock(mutex);
      if (!stopping) {
        held.push_back(request);
        return;
      }
      res = FakeResponse::statusError(503, "ServiceUnavailable", "stopping");
    }

    http_response response(static_cast<web::http::status_code>(res.status));
    for (const auto& [name, value] : res.headers) response.headers().add(name, value);
    // The listener would otherwise start reading the next request on this connection right
    // after answering, racing with close() in stop() (a cpprestsdk listener crash); one
    // request per connection keeps nothing in flight once the answer is out.
    response.headers().add("Connection", "close");
    if (res.stream) {
      concurrency::streams::producer_consumer_buffer<uint8_t> buffer;
      // No length: the listener answers with chunked encoding.
      response.set_body(concurrency::streams::istream(buffer), res.contentType);
      request.reply(response);
      std::lock_guard lock(mutex);
      // stop() may have joined every stream since this request was let in: a thread started
      // now would outlive the server (std::terminate on a joinable thread).
      if (stopped) {
        buffer.close(std::ios_base::out);
        return;
      }
      streams.emplace_back([this, buffer, fn = res.stream]() mutable {
        BufferWriter writer(buffer, stopping, mutex, cv);
        try {
          fn(writer);
        } catch (const std::exception&) {
        }
        buffer.close(std::ios_base::out).wait();
      });
      return;
    }
    response.set_body(res.body, res.contentType);
    request.reply(response).wait();
  }

  void start() {
    http_listener_config config;
    std::string scheme = "http";
    if (tls) {
      scheme = "https";
      config.set_ssl_context_callback([this](boost::asio::ssl::context& ctx) {
        ctx.set_options(boost::asio::ssl::context::default_workarounds |
                        boost::asio::ssl::context::no_sslv2 | boost::asio::ssl::context::no_sslv3);
        ctx.use_certificate_chain(boost::asio::buffer(tls->certPem.data(), tls->certPem.size()));
        ctx.use_private_key(boost::asio::buffer(tls->keyPem.data(), tls->keyPem.size()),
                            boost::asio::ssl::context::pem);
        if (!tls->clientCaPem.empty()) {
          ctx.add_certificate_authority(
              boost::asio::buffer(tls->clientCaPem.data(), tls->clientCaPem.size()));
          ctx.set_verify_mode(boost::asio::ssl::verify_peer |
                              boost::asio::ssl::verify_fail_if_no_peer_cert);
          ctx.set_verify_callback([this](bool preverified, boost::asio::ssl::verify_context& vc) {
            X509_STORE_CTX* store = vc.native_handle();
            if (preverified && X509_STORE_CTX_get_error_depth(store) == 0) {
              char name[256] = {};
              X509_NAME_oneline(X509_get_subject_name(X509_STORE_CTX_get_current_cert(store)), name,
                                sizeof name - 1);
              std::lock_guard lock(mutex);
              clientSubject = name;
            }
            return preverified;
          });
        }
      });
    }
    std::string lastError;
    for (int attempt = 0; attempt < 10; ++attempt) {
      port = freeLoopbackPort();
      auto l = std::make_unique<http_listener>(
          web::uri(scheme + "://127.0.0.1:" + std::to_string(port)), config);
      l->support([this](http_request request) { handle(std::move(request)); });
      try {
        l->open().wait();
      } catch (const std::exception& e) {
        lastError = e.what();  // the port was taken meanwhile: pick another
        continue;
      }
      listener = std::move(l);
      break;
    }
    if (!listener) throw std::runtime_error("fake server cannot listen: " + lastError);
    for (int i = 0; i < 200 && !canConnect(port); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  void stop() {
    std::vector<http_request> toAnswer;
    std::vector<std::thread> toJoin;
    {
      std::lock_guard lock(mutex);
      if (stopped) return;
      stopped = true;
      stopping = true;
      toAnswer.swap(held);
    }
    cv.notify_all();
    for (auto& request : toAnswer) {
      try {
        request.reply(503).wait();
      } catch (const std::exception&) {
      }
    }
    // Stream functions may still be registering: collect until none are left.
    for (;;) {
      {
        std::lock_guard lock(mutex);
        toJoin.swap(streams);
      }
      if (toJoin.empty()) break;
      for (auto& t : toJoin) t.join();
      toJoin.clear();
    }
    if (listener) {
      try {
        listener->close().wait();
      } catch (const std::exception&) {
      }
    }
  }
};

FakeServer::FakeServer(Handler handler, std::optional<ServerTls> tls)
    : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  impl_->tls = std::move(tls);
  impl_->start();
}

FakeServer::~FakeServer() {
  stop();
}

void FakeServer::stop() {
  impl_->stop();
}

std::string FakeServer::url() const {
  return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(impl_->port);
}

int FakeServer::port() const {
  return impl_->port;
}

std::vector<FakeRequest> FakeServer::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->seen;
}

size_t FakeServer::requestCount() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->seen.size();
}

std::string FakeServer::clientCertSubject() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->clientSubject;
}

}  // namespace rg::wire
