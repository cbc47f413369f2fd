#pragma once
// The real Provider: HTTP(S) requests made on the calling thread (http_fetcher.hpp), URLs
// parsed with cpprestsdk's web::uri (kept inside http_provider.cpp).
//
// - Every call returns within its timeout plus a few milliseconds, even when a server accepts
//   the connection and never answers or trickles its body: one deadline covers every step.
// - HTTPS verifies the server certificate and host name against the system's trusted roots,
//   plus the certificates of `caBundlePath` when set.
// - Requests never follow redirects by themselves. http probes follow up to
//   `maxRedirects` (GET and HEAD only, never from https to http) within the same timeout; a
//   redirect beyond that is reported as the 3xx answer it is. Prometheus queries follow none.
// - Each call uses its own connection: the provider is safe to use from several threads at once.
#include <memory>
#include <string>

#include "reconcilers/providers/provider.hpp"

namespace rg::providers {

class HttpFetcher;

struct HttpProviderOptions {
  std::string caBundlePath;  // PEM file with extra trusted CA certificates (optional)
  int maxRedirects = 3;      // capped at 10
  std::string userAgent;     // default "readiness-gate/<version>"
};

// Largest Prometheus answer read; one sample takes well under 1 KiB.
inline constexpr std::size_t kMaxPrometheusAnswer = 1 << 20;

class HttpProvider final : public Provider {
 public:
  // Throws std::invalid_argument when caBundlePath is set but holds no readable certificate.
  explicit HttpProvider(HttpProviderOptions options = {});
  ~HttpProvider() override;

  HttpProbeResult httpProbe(const HttpCheck& check) override;
  // GET <address>/api/v1/query?query=...&timeout=... (address may carry a path prefix).
  PromQueryResult prometheusQuery(const std::string& address, const std::string& query,
                                  kube::Duration timeout) override;
  void cancelCalls() override;

  const HttpProviderOptions& options() const { return options_; }

 private:
  HttpProviderOptions options_;
  std::unique_ptr<HttpFetcher> fetcher_;
};

}  // namespace rg::providers
