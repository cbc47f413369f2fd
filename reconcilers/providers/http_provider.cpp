// cpprestsdk's U() macro breaks fmt's headers (used by spdlog); the macro is not needed here.
// cpprestsdk parses and resolves URLs; http_fetcher makes the requests.
#define _TURN_OFF_PLATFORM_STRING
#include "reconcilers/providers/http_provider.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include <cpprest/uri.h>
#include <spdlog/spdlog.h>

#include "reconcilers/providers/http_fetcher.hpp"
#include "reconcilers/providers/prometheus_response.hpp"

#ifndef RG_VERSION
#define RG_VERSION "0.0.0"
#endif

namespace rg::providers {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kRedirectCap = 10;

// One request to `target`, no redirects, bounded by `deadline` however the server behaves.
Fetched fetch(const HttpFetcher& fetcher, const std::string& method, const web::uri& target,
              Clock::time_point deadline, std::size_t maxBody) {
  FetchTarget to;
  to.https = target.scheme() == "https";
  to.host = target.host();
  // IPv6 literals come bracketed, as in the URL.
  if (to.host.size() > 2 && to.host.front() == '[' && to.host.back() == ']')
    to.host = to.host.substr(1, to.host.size() - 2);
  to.port = target.port() > 0 ? target.port() : (to.https ? 443 : 80);
  to.target = target.path().empty() ? "/" : target.path();
  if (!target.query().empty()) to.target += "?" + target.query();
  return fetcher.fetch(method, to, deadline, maxBody);
}

bool isRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::optional<web::uri> parseHttpUrl(const std::string& url, std::string& error) {
  try {
    web::uri uri(url);
    if (uri.scheme() != "http" && uri.scheme() != "https") {
      error = "URL \"" + url + "\" is not http or https";
      return std::nullopt;
    }
    if (uri.host().empty()) {
      error = "URL \"" + url + "\" has no host";
      return std::nullopt;
    }
    return uri;
  } catch (const std::exception& e) {
    error = "invalid URL \"" + url + "\": " + e.what();
    return std::nullopt;
  }
}

}  // namespace

namespace {
HttpProviderOptions withDefaults(HttpProviderOptions options) {
  if (options.userAgent.empty()) options.userAgent = std::string("readiness-gate/") + RG_VERSION;
  options.maxRedirects = std::clamp(options.maxRedirects, 0, kRedirectCap);
  return options;
}
}  // namespace

HttpProvider::HttpProvider(HttpProviderOptions options)
    : options_(withDefaults(std::move(options))),
      fetcher_(std::make_unique<HttpFetcher>(options_.caBundlePath, options_.userAgent)) {}

HttpProvider::~HttpProvider() = default;

void HttpProvider::cancelCalls() {
  fetcher_->cancel();
}

HttpProbeResult HttpProvider::httpProbe(const HttpCheck& check) {
  const auto started = Clock::now();
  const auto deadline =
      started + std::chrono::duration_cast<Clock::duration>(check.timeout.value());
  std::string error;
  auto target = parseHttpUrl(check.url, error);
  if (!target) return HttpProbeResult{false, 0, {}, error};
  std::string method = check.method.empty() ? "GET" : check.method;
  const bool followable = method == "GET" || method == "HEAD";

  for (int hop = 0;; ++hop) {
    Fetched f = fetch(*fetcher_, method, *target, deadline, kMaxBodySnippet);
    spdlog::debug(
        "http probe {} {}: {} {}ms", method, target->to_string(),
        f.answered ? std::to_string(f.status) : f.error,
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count());
    if (!f.answered) return HttpProbeResult{false, 0, {}, std::move(f.error)};
    if (!isRedirect(f.status) || f.location.empty() || !followable ||
        hop >= options_.maxRedirects) {
      return HttpProbeResult{true, f.status, std::move(f.body), {}};
    }
    std::optional<web::uri> next;
    try {
      next = web::uri(target->resolve_uri(f.location));
    } catch (const std::exception&) {
    }
    // An unusable or downgrading Location ends the chain; the 3xx is the answer.
    if (!next || (next->scheme() != "http" && next->scheme() != "https") ||
        (target->scheme() == "https" && next->scheme() == "http")) {
      return HttpProbeResult{true, f.status, std::move(f.body), {}};
    }
    target = std::move(next);
  }
}

PromQueryResult HttpProvider::prometheusQuery(const std::string& address, const std::string& query,
                                              kube::Duration timeout) {
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout.value());
  std::string error;
  auto base = parseHttpUrl(address, error);
  if (!base) return PromQueryResult::failure(error);
  web::uri target;
  try {
    web::uri_builder builder(*base);
    builder.append_path("api/v1/query");
    // encode_data_string also escapes '+', '&' and '=', which PromQL uses.
    builder.append_query("query=" + web::uri::encode_data_string(query), false);
    // Lets Prometheus give up evaluating when we stop waiting (seconds, as a float).
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f", timeout.seconds());
    builder.append_query(std::string("timeout=") + seconds, false);
    target = builder.to_uri();
  } catch (const std::exception& e) {
    return PromQueryResult::failure("invalid Prometheus address \"" + address + "\": " + e.what());
  }
  Fetched f = fetch(*fetcher_, "GET", target, deadline, kMaxPrometheusAnswer);
  spdlog::debug("prometheus query {}: {}", address,
                f.answered ? std::to_string(f.status) : f.error);
  if (!f.answered) {
    return PromQueryResult::failure(address + " did not answer within " + timeout.toString() +
                                    ": " + f.error);
  }
  if (f.truncated) {
    return PromQueryResult::failure("answer is larger than " +
                                    std::to_string(kMaxPrometheusAnswer >> 20) +
                                    " MiB; expected one series");
  }
  return interpretPrometheusAnswer(f.status, f.body);
}

}  // namespace rg::providers
