#pragma once
// The real Provider: HTTP(S) over cpprestsdk (kept inside http_provider.cpp).
//
// - Every call returns within its timeout plus a few milliseconds, even when a server accepts
//   the connection and never answers or trickles its body: the client's own timeout only
//   measures inactivity, so the call also waits with a deadline and then cancels the request.
// - HTTPS verifies the server certificate and host name against the system's trusted roots,
//   plus the certificates of `caBundlePath` when set.
// - cpprestsdk's Linux client never follows redirects by itself. http probes follow up to
//   `maxRedirects` (GET and HEAD only, never from https to http) within the same timeout; a
//   redirect beyond that is reported as the 3xx answer it is. Prometheus queries follow none.
// - Each call uses its own client: the provider is safe to use from several threads at once.
#include <string>

#include "reconcilers/providers/provider.hpp"

namespace rg::providers {

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

  HttpProbeResult httpProbe(const HttpCheck& check) override;
  // GET <address>/api/v1/query?query=...&timeout=... (address may carry a path prefix).
  PromQueryResult prometheusQuery(const std::string& address, const std::string& query,
                                  kube::Duration timeout) override;

  const HttpProviderOptions& options() const { return options_; }

 private:
  HttpProviderOptions options_;
};

}  // namespace rg::providers
