#include "reconcilers/providers/http_fetcher.hpp"

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

namespace rg::providers {

namespace asio = boost::asio;

namespace detail {

// The io_contexts of the calls in progress, for cancel(). A call restarts its io_context before
// each step; that happens under the lock, so a cancel() cannot fall between the check and the
// restart and be undone by it.
class ActiveCalls {
 public:
  bool add(asio::io_context& ioc) {
    std::lock_guard lock(mu_);
    if (cancelled_) return false;
    running_.insert(&ioc);
    return true;
  }
  void remove(asio::io_context& ioc) {
    std::lock_guard lock(mu_);
    running_.erase(&ioc);
  }
  bool restart(asio::io_context& ioc) {
    std::lock_guard lock(mu_);
    if (cancelled_) return false;
    ioc.restart();
    return true;
  }
  bool cancelled() const {
    std::lock_guard lock(mu_);
    return cancelled_;
  }
  void cancel() {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    for (auto* ioc : running_) ioc->stop();
  }

 private:
  mutable std::mutex mu_;
  std::set<asio::io_context*> running_;
  bool cancelled_ = false;
};

}  // namespace detail

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr const char* kCancelled = "cancelled";

Fetched noAnswer(std::string error) {
  Fetched f;
  f.error = std::move(error);
  return f;
}

// "connect: Connection refused"; the stream's own timer and the resolve deadline say "timed out".
std::string describe(const char* step, const error_code& ec) {
  if (ec == beast::error::timeout || ec == asio::error::timed_out) return "timed out";
  if (ec == asio::error::operation_aborted) return kCancelled;
  return std::string(step) + ": " + ec.message();
}

// One call's io_context, run on the calling thread one step at a time; each run says false
// when the fetcher was cancelled.
struct Call {
  asio::io_context ioc{1};
  detail::ActiveCalls& active;
  bool registered;

  explicit Call(detail::ActiveCalls& a) : active(a), registered(a.add(ioc)) {}
  ~Call() {
    if (registered) active.remove(ioc);
  }
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  // Runs the work to its end.
  bool runAll() {
    if (!active.restart(ioc)) return false;
    ioc.run();
    return !active.cancelled();
  }
  bool runUntil(Clock::time_point deadline) {
    if (!active.restart(ioc)) return false;
    ioc.run_until(deadline);
    return !active.cancelled();
  }
};

// The endpoints of `host`: an IP address is used as it is (no resolver thread); a name is
// resolved within the deadline.
std::optional<std::vector<tcp::endpoint>> resolve(Call& call, const FetchTarget& target,
                                                  Clock::time_point deadline, std::string& error) {
  const auto port = static_cast<unsigned short>(target.port);
  error_code ec;
  auto address = asio::ip::make_address(target.host, ec);
  if (!ec) return std::vector<tcp::endpoint>{{address, port}};

  tcp::resolver resolver(call.ioc);
  std::optional<error_code> done;
  std::vector<tcp::endpoint> endpoints;
  resolver.async_resolve(target.host, std::to_string(port),
                         [&](const error_code& result, const tcp::resolver::results_type& found) {
                           done = result;
                           for (const auto& entry : found) endpoints.push_back(entry.endpoint());
                         });
  if (!call.runUntil(deadline)) {
    error = kCancelled;
    return std::nullopt;
  }
  if (!done) {
    resolver.cancel();
    call.runAll();
    error = "timed out";
    return std::nullopt;
  }
  if (*done) {
    error = "resolve " + target.host + ": " + done->message();
    return std::nullopt;
  }
  return endpoints;
}

// Connects the stream's TCP layer to the first endpoint that accepts, by the deadline that then
// goes on to cover every later step.
template <typename Stream>
error_code connect(Call& call, Stream& stream, const std::vector<tcp::endpoint>& endpoints,
                   Clock::time_point deadline) {
  auto& socket = beast::get_lowest_layer(stream);
  socket.expires_at(deadline);
  error_code ec;
  socket.async_connect(endpoints,
                       [&](const error_code& result, const tcp::endpoint&) { ec = result; });
  if (!call.runAll()) return asio::error::operation_aborted;
  return ec;
}

// Sends the request and reads the answer over a connected (and, for HTTPS, handshaken) stream.
template <typename Stream>
Fetched exchange(Call& call, Stream& stream, const http::request<http::empty_body>& req,
                 std::size_t maxBody) {
  error_code ec;
  http::async_write(stream, req, [&](const error_code& result, std::size_t) { ec = result; });
  if (!call.runAll()) return noAnswer(kCancelled);
  if (ec) return noAnswer(describe("send", ec));

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  // The loop below stops at maxBody. (Not boost::none: Boost 1.74 compares a Content-Length
  // with an empty limit as exceeding it.)
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (req.method() == http::verb::head) parser.skip(true);
  http::async_read_header(stream, buffer, parser,
                          [&](const error_code& result, std::size_t) { ec = result; });
  if (!call.runAll()) return noAnswer(kCancelled);
  if (ec) return noAnswer(describe("read", ec));

  Fetched fetched;
  fetched.answered = true;
  fetched.status = static_cast<int>(parser.get().result_int());
  if (auto location = parser.get().find(http::field::location); location != parser.get().end())
    fetched.location = std::string(location->value());
  std::vector<char> chunk(std::min<std::size_t>(maxBody + 1, 64 * 1024));
  while (!parser.is_done() && fetched.body.size() < maxBody) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    http::async_read(stream, buffer, parser,
                     [&](const error_code& result, std::size_t) { ec = result; });
    if (!call.runAll()) return noAnswer(kCancelled);
    if (ec == http::error::need_buffer) ec = {};
    // An answer that broke off is no answer: a partial body could fail bodyContains for the
    // wrong reason.
    if (ec) return noAnswer(describe("read", ec) + " while reading the body");
    fetched.body.append(chunk.data(), chunk.size() - parser.get().body().size);
  }
  fetched.truncated = fetched.body.size() >= maxBody;
  if (fetched.body.size() > maxBody) fetched.body.resize(maxBody);
  return fetched;
}

}  // namespace

struct HttpFetcher::Tls {
  asio::ssl::context context{asio::ssl::context::tls_client};
};

HttpFetcher::HttpFetcher(const std::string& caBundlePath, std::string userAgent)
    : tls_(std::make_unique<Tls>()),
      active_(std::make_unique<detail::ActiveCalls>()),
      userAgent_(std::move(userAgent)) {
  error_code ec;
  tls_->context.set_default_verify_paths(ec);  // without them, only the bundle is trusted
  if (!caBundlePath.empty()) {
    tls_->context.load_verify_file(caBundlePath, ec);
    // Fail at start-up rather than on every https call.
    if (ec) throw std::invalid_argument("CA bundle " + caBundlePath + ": " + ec.message());
  }
  tls_->context.set_verify_mode(asio::ssl::verify_peer);
}

HttpFetcher::~HttpFetcher() = default;

void HttpFetcher::cancel() {
  active_->cancel();
}

Fetched HttpFetcher::fetch(const std::string& method, const FetchTarget& target,
                           Clock::time_point deadline, std::size_t maxBody) const {
  if (Clock::now() >= deadline) return noAnswer("timed out");
  Call call(*active_);
  if (!call.registered) return noAnswer(kCancelled);
  std::string error;
  auto endpoints = resolve(call, target, deadline, error);
  if (!endpoints) return noAnswer(error);
  if (endpoints->empty()) return noAnswer("resolve " + target.host + ": no address");

  http::request<http::empty_body> req;
  req.method_string(method);
  req.target(target.target.empty() ? "/" : target.target);
  req.version(11);
  const bool defaultPort = target.port == (target.https ? 443 : 80);
  const bool ipv6 = target.host.find(':') != std::string::npos;
  std::string host = ipv6 ? "[" + target.host + "]" : target.host;
  if (!defaultPort) host += ":" + std::to_string(target.port);
  req.set(http::field::host, host);
  req.set(http::field::user_agent, userAgent_);
  req.set(http::field::accept, "application/json, text/plain, */*");
  req.set(http::field::connection, "close");

  if (!target.https) {
    beast::tcp_stream stream(call.ioc);
    if (auto ec = connect(call, stream, *endpoints, deadline))
      return noAnswer(describe("connect", ec));
    return exchange(call, stream, req, maxBody);
  }

  beast::ssl_stream<beast::tcp_stream> stream(call.ioc, tls_->context);
  error_code isAddress;
  asio::ip::make_address(target.host, isAddress);
  // SNI is for names only (RFC 6066); the certificate is checked for the name or the address.
  if (isAddress && !SSL_set_tlsext_host_name(stream.native_handle(), target.host.c_str()))
    return noAnswer("TLS: cannot set the server name " + target.host);
  stream.set_verify_callback(asio::ssl::host_name_verification(target.host));
  if (auto ec = connect(call, stream, *endpoints, deadline))
    return noAnswer(describe("connect", ec));
  error_code ec;
  stream.async_handshake(asio::ssl::stream_base::client,
                         [&](const error_code& result) { ec = result; });
  if (!call.runAll()) return noAnswer(kCancelled);
  if (ec) return noAnswer(describe("TLS handshake", ec));
  return exchange(call, stream, req, maxBody);
}

}  // namespace rg::providers
