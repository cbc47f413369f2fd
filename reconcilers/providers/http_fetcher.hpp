#pragma once
// One HTTP(S) request and its answer, made entirely on the calling thread (Boost.Beast over an
// io_context of its own that the call runs): no hand-off to other threads, and a hard deadline
// covering name resolution, connect, TLS handshake, request and body, however the server
// behaves. The runtime checks' calls already run on their own pool thread, so blocking it is
// what is wanted.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace rg::providers {

namespace detail {
class ActiveCalls;
}

struct FetchTarget {
  bool https = false;
  std::string host;  // name or IP address, without brackets
  int port = 0;
  std::string target;  // path and query, as sent ("/api/v1/query?query=up")
};

struct Fetched {
  bool answered = false;
  int status = 0;
  std::string body;        // at most maxBody bytes
  bool truncated = false;  // the body went on beyond the bytes kept
  std::string location;    // the Location header, if any
  std::string error;       // why there is no answer
};

class HttpFetcher {
 public:
  // Trusts the system's roots plus the PEM certificates of `caBundlePath` (optional); throws
  // std::invalid_argument naming the file when it holds no readable certificate.
  HttpFetcher(const std::string& caBundlePath, std::string userAgent);
  ~HttpFetcher();

  // Safe to call from several threads at once. HTTPS verifies the certificate chain and the
  // host name (or IP address) and sends SNI for names. Never follows redirects.
  Fetched fetch(const std::string& method, const FetchTarget& target,
                std::chrono::steady_clock::time_point deadline, std::size_t maxBody) const;

  // Ends every call in progress at once, and every later one before it starts, with the error
  // "cancelled". For shutdown: a call otherwise runs until its deadline.
  void cancel();

 private:
  struct Tls;
  std::unique_ptr<Tls> tls_;
  std::unique_ptr<detail::ActiveCalls> active_;
  std::string userAgent_;
};

}  // namespace rg::providers
