#include "tests/support/api_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stdexcept>

#include <cpprest/http_listener.h>
#include <cpprest/producerconsumerstream.h>

#include "tests/support/api_errors.hpp"
#include "tests/support/cluster_state.hpp"
#include "tests/support/k8s_util.hpp"
#include "tests/support/kubeconfig.hpp"
#include "tests/support/request_path.hpp"
#include "tests/support/rest_handler.hpp"
#include "tests/support/watch_registry.hpp"

namespace rg::testing {
namespace {

namespace http = web::http;
using Buffer = concurrency::streams::producer_consumer_buffer<uint8_t>;

// A chunked response body. Each write is flushed with sync(): without it the listener holds
// the data until the stream closes.
class BufferSink : public StreamSink {
 public:
  explicit BufferSink(std::shared_ptr<Buffer> buf) : buf_(std::move(buf)) {}

  bool write(std::string_view data) override {
    std::lock_guard lock(mu_);
    if (closed_ || gone_) return false;
    try {
      buf_->putn_nocopy(reinterpret_cast<const uint8_t*>(data.data()), data.size()).wait();
      buf_->sync().wait();
    } catch (const std::exception&) {
      gone_ = true;
    }
    return !gone_;
  }
  void close() override {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    try {
      buf_->close(std::ios_base::out).wait();
    } catch (const std::exception&) {
      // Already closed by the listener.
    }
  }
  bool closed() const override {
    std::lock_guard lock(mu_);
    return closed_ || gone_;
  }
  // The response finished or failed (client went away).
  void markGone() {
    std::lock_guard lock(mu_);
    gone_ = true;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<Buffer> buf_;
  bool closed_ = false;
  bool gone_ = false;
};

uint16_t probeFreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
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

HttpRequest toRequest(const http::http_request& req) {
  HttpRequest r;
  r.method = req.method();
  const auto& uri = req.request_uri();
  r.path = percentDecode(uri.path(), false);
  r.query = parseQuery(uri.query());
  for (const auto& [name, value] : req.headers()) r.headers[toLower(name)] = value;
  auto body = const_cast<http::http_request&>(req).extract_vector().get();
  r.body.assign(body.begin(), body.end());
  return r;
}

}  // namespace

struct ApiServer::Impl {
  explicit Impl(ApiServerOptions o)
      : options(std::move(o)), cluster(options.watchHistory), watches(cluster.store()) {
    watches.setBookmarkInterval(options.bookmarkInterval);
  }

  void start() {
    if (options.tls) certs = generateCertificates();
    std::string lastError;
    for (int attempt = 0; attempt < 20; ++attempt) {
      const uint16_t p = options.port ? options.port : probeFreePort();
      const std::string scheme = options.tls ? "https" : "http";
      const std::string base = scheme + "://127.0.0.1:" + std::to_string(p);
      http::experimental::listener::http_listener_config config;
      if (options.tls) {
        const Certificates c = certs;
        const bool requireClient = options.requireClientCert;
        config.set_ssl_context_callback([c, requireClient](boost::asio::ssl::context& ctx) {
          ctx.set_options(boost::asio::ssl::context::default_workarounds |
                          boost::asio::ssl::context::no_sslv2 |
                          boost::asio::ssl::context::no_sslv3);
          ctx.use_certificate_chain(boost::asio::buffer(c.serverCertPem));
          ctx.use_private_key(boost::asio::buffer(c.serverKeyPem), boost::asio::ssl::context::pem);
          if (requireClient) {
            ctx.add_certificate_authority(boost::asio::buffer(c.caCertPem));
            ctx.set_verify_mode(boost::asio::ssl::verify_peer |
                                boost::asio::ssl::verify_fail_if_no_peer_cert);
          }
        });
      }
      auto l = std::make_unique<http::experimental::listener::http_listener>(base + "/", config);
      l->support([this](http::http_request req) { serve(std::move(req)); });
      try {
        l->open().wait();
      } catch (const std::exception& e) {
        lastError = e.what();
        if (options.port) break;
        continue;
      }
      listener = std::move(l);
      port = p;
      url = base;
      RestOptions ro;
      ro.bearerToken = options.bearerToken;
      ro.defaultWatchTimeout = options.defaultWatchTimeout;
      ro.serverAddress = "127.0.0.1:" + std::to_string(p);
      handler = std::make_unique<RestHandler>(cluster, faults, recorder, watches, ro);
      return;
    }
    throw std::runtime_error("test API server could not listen: " + lastError);
  }

  void serve(http::http_request req) {
    {
      // From arrival: a request held by a fault is answered when stop() releases it.
      std::lock_guard lock(flightMu);
      ++inFlight;
    }
    if (stopping.load()) {
      reply(req, http::http_response(http::status_codes::ServiceUnavailable));
      return;
    }
    HttpResponse out;
    try {
      out = handler->handle(toRequest(req));
    } catch (const std::exception& e) {
      out.code = 500;
      out.body = failureStatus(500, "InternalError", e.what()).dump();
    }
    http::http_response resp(static_cast<http::status_code>(out.code));
    for (const auto& [k, v] : out.headers) resp.headers().add(k, v);
    if (!out.stream) {
      resp.set_body(std::move(out.body), out.contentType);
      reply(req, resp);
      return;
    }
    auto buf = std::make_shared<Buffer>();
    auto sink = std::make_shared<BufferSink>(buf);
    resp.set_body(buf->create_istream(), out.contentType);
    reply(
        req, resp, [sink] { sink->markGone(); }, /*close=*/true);
    out.stream(sink);
  }

  // Answers a request serve() counted. Every answer closes its connection (unless keepAlive;
  // a watch's always does), and stop() waits until no answer is pending before it closes the
  // listener. The cpprestsdk listener's close() shuts sockets from the calling thread while its
  // own threads may be starting the next read or write on them (a crash in
  // epoll_reactor::start_op); a connection that is done after one answer, with no answer
  // pending, leaves nothing for close() to race with.
  void reply(http::http_request& req, http::http_response resp,
             std::function<void()> onDone = nullptr, bool close = false) {
    if (close || !options.keepAlive || stopping.load()) resp.headers().add("Connection", "close");
    auto done = [this, onDone = std::move(onDone)] {
      if (onDone) onDone();
      std::lock_guard lock(flightMu);
      if (--inFlight == 0) flightCv.notify_all();
    };
    try {
      req.reply(resp).then([done](pplx::task<void> t) {
        try {
          t.get();
        } catch (...) {
          // The client went away (mid-stream for a watch); nothing to do.
        }
        done();
      });
    } catch (...) {
      done();
    }
  }

  void stop() {
    if (stopping.exchange(true)) return;
    // Held requests and open streams first: the listener's close waits for every response.
    faults.shutdown();
    watches.stop();
    {
      // Answers released above finish writing; bounded, as a client may have stopped reading.
      std::unique_lock lock(flightMu);
      flightCv.wait_for(lock, std::chrono::seconds(10), [&] { return inFlight == 0; });
    }
    if (listener) {
      try {
        listener->close().wait();
      } catch (const std::exception&) {
        // Closing a listener whose connections already failed.
      }
    }
    cluster.stopHooks();
  }

  ApiServerOptions options;
  Certificates certs;
  ClusterState cluster;
  FaultInjector faults;
  RequestRecorder recorder;
  WatchRegistry watches;
  std::unique_ptr<RestHandler> handler;
  std::unique_ptr<http::experimental::listener::http_listener> listener;
  uint16_t port = 0;
  std::string url;
  std::atomic<bool> stopping{false};
  std::mutex flightMu;
  std::condition_variable flightCv;
  int inFlight = 0;  // requests that arrived and whose answers are not yet written
};

ApiServer::ApiServer(ApiServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->start();
}

ApiServer::~ApiServer() {
  stop();
}

void ApiServer::stop() {
  impl_->stop();
}

const std::string& ApiServer::url() const {
  return impl_->url;
}
uint16_t ApiServer::port() const {
  return impl_->port;
}
const ApiServerOptions& ApiServer::options() const {
  return impl_->options;
}
const Certificates& ApiServer::certificates() const {
  return impl_->certs;
}

std::string ApiServer::kubeconfig(bool withClientCert) const {
  KubeconfigOptions o;
  o.server = impl_->url;
  if (impl_->options.tls) o.caPem = impl_->certs.caCertPem;
  o.token = impl_->options.bearerToken;
  if (withClientCert) {
    o.clientCertPem = impl_->certs.clientCertPem;
    o.clientKeyPem = impl_->certs.clientKeyPem;
  }
  return renderKubeconfig(o);
}

void ApiServer::writeKubeconfig(const std::string& path, bool withClientCert) const {
  KubeconfigOptions o;
  o.server = impl_->url;
  if (impl_->options.tls) o.caPem = impl_->certs.caCertPem;
  o.token = impl_->options.bearerToken;
  if (withClientCert) {
    o.clientCertPem = impl_->certs.clientCertPem;
    o.clientKeyPem = impl_->certs.clientKeyPem;
  }
  rg::testing::writeKubeconfig(path, o);
}

void ApiServer::registerResource(const ResourceInfo& info) {
  impl_->cluster.registry().add(info);
}

ClusterState& ApiServer::cluster() {
  return impl_->cluster;
}

namespace {
std::string metaField(const nlohmann::json& obj, const char* field) {
  return obj.value("metadata", nlohmann::json::object()).value(field, "");
}
}  // namespace

nlohmann::json ApiServer::create(const nlohmann::json& obj) {
  auto& c = impl_->cluster;
  const auto info = c.resolve(obj.value("apiVersion", ""), obj.value("kind", ""));
  // Like kubectl, a namespaced object without a namespace goes to "default".
  std::string ns = metaField(obj, "namespace");
  if (info.namespaced && ns.empty()) ns = "default";
  return c.create(info, ns, obj, {WriteOrigin::Direct, false});
}

nlohmann::json ApiServer::update(const nlohmann::json& obj) {
  auto& c = impl_->cluster;
  const auto info = c.resolve(obj.value("apiVersion", ""), obj.value("kind", ""));
  return c.update(info, metaField(obj, "namespace"), metaField(obj, "name"), obj, Subresource::None,
                  {WriteOrigin::Direct, false});
}

nlohmann::json ApiServer::updateStatus(const nlohmann::json& obj) {
  auto& c = impl_->cluster;
  const auto info = c.resolve(obj.value("apiVersion", ""), obj.value("kind", ""));
  return c.update(info, metaField(obj, "namespace"), metaField(obj, "name"), obj,
                  Subresource::Status, {WriteOrigin::Direct, false});
}

nlohmann::json ApiServer::mutate(const std::string& apiVersion, const std::string& kind,
                                 const std::string& ns, const std::string& name,
                                 const std::function<void(nlohmann::json&)>& fn) {
  auto& c = impl_->cluster;
  return c.mutate(c.resolve(apiVersion, kind), ns, name, fn);
}

std::optional<nlohmann::json> ApiServer::get(const std::string& apiVersion, const std::string& kind,
                                             const std::string& ns, const std::string& name) const {
  auto& c = impl_->cluster;
  auto obj = c.find(c.resolve(apiVersion, kind), ns, name);
  if (!obj) return std::nullopt;
  return *obj;
}

std::vector<nlohmann::json> ApiServer::list(const std::string& apiVersion, const std::string& kind,
                                            const std::string& ns) const {
  auto& c = impl_->cluster;
  const auto info = c.resolve(apiVersion, kind);
  std::vector<nlohmann::json> out;
  for (const auto& obj : c.store().list(info.storageKey(), info.namespaced ? ns : "").items) {
    out.push_back(*obj);
  }
  return out;
}

bool ApiServer::remove(const std::string& apiVersion, const std::string& kind,
                       const std::string& ns, const std::string& name) {
  auto& c = impl_->cluster;
  try {
    c.remove(c.resolve(apiVersion, kind), ns, name);
    return true;
  } catch (const ApiError& e) {
    if (e.code() == 404) return false;
    throw;
  }
}

uint64_t ApiServer::resourceVersion() const {
  return impl_->cluster.store().currentResourceVersion();
}
void ApiServer::compactHistory() {
  impl_->cluster.store().compact();
}

int ApiServer::onChange(std::function<void(const StoreEvent&)> hook) {
  return impl_->cluster.addHook(std::move(hook));
}
void ApiServer::removeHook(int id) {
  impl_->cluster.removeHook(id);
}
void ApiServer::waitForHooks() {
  impl_->cluster.waitForHooks();
}

void ApiServer::failNext(const FaultRule& rule) {
  impl_->faults.failNext(rule);
}
void ApiServer::failNext(int count, int code, const std::string& method,
                         const std::string& pathContains, int retryAfterSeconds) {
  FaultRule r;
  r.count = count;
  r.code = code;
  r.method = method;
  r.pathContains = pathContains;
  r.retryAfterSeconds = retryAfterSeconds;
  impl_->faults.failNext(r);
}
void ApiServer::dropWatches() {
  impl_->watches.dropAll();
}
void ApiServer::expireNextWatch(bool asHttpStatus, const std::string& pathContains) {
  impl_->faults.expireNextWatch(asHttpStatus, pathContains);
}
void ApiServer::setLatency(std::chrono::milliseconds latency) {
  impl_->faults.setLatency(latency);
}
void ApiServer::clearFaults() {
  impl_->faults.clear();
}
void ApiServer::setBookmarkInterval(std::chrono::milliseconds interval) {
  impl_->watches.setBookmarkInterval(interval);
}
size_t ApiServer::openWatchCount() const {
  return impl_->watches.openCount();
}

size_t ApiServer::requestCount(const std::string& verb, const std::string& resource) const {
  return impl_->recorder.count(verb, resource);
}
std::vector<RequestRecord> ApiServer::requests() const {
  return impl_->recorder.records();
}
void ApiServer::resetRequests() {
  impl_->recorder.reset();
}

}  // namespace rg::testing
