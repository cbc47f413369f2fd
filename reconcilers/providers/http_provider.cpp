// cpprestsdk's U() macro breaks fmt's headers (used by spdlog); the macro is not needed here.
#define _TURN_OFF_PLATFORM_STRING
#include "reconcilers/providers/http_provider.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <stdexcept>
#include <system_error>

#include <cpprest/http_client.h>
#include <cpprest/uri.h>
#include <spdlog/spdlog.h>
#include <boost/asio/ssl.hpp>

#include "reconcilers/providers/prometheus_response.hpp"

#ifndef RG_VERSION
#define RG_VERSION "0.0.0"
#endif

namespace rg::providers {
namespace {

namespace http = web::http;
using Clock = std::chrono::steady_clock;
using web::http::client::http_client;
using web::http::client::http_client_config;

constexpr int kRedirectCap = 10;

struct Fetched {
  bool answered = false;
  int status = 0;
  std::string body;
  bool truncated = false;  // the body went on beyond the bytes kept
  std::string location;
  std::string error;
};

Fetched noAnswer(std::string error) {
  Fetched f;
  f.error = std::move(error);
  return f;
}

std::string describe(const http::http_exception& e) {
  if (e.error_code() == std::errc::timed_out) return "timed out";
  std::string what = e.what();
  std::string detail = e.error_code().message();
  // cpprestsdk's text says which step failed; the system's says why ("Connection refused").
  if (!detail.empty() && what.find(detail) == std::string::npos) what += " (" + detail + ")";
  return what;
}

// Reads until `max` bytes or the end of the body; a stream buffer may hand out less per call.
pplx::task<void> readBody(concurrency::streams::streambuf<uint8_t> source,
                          std::shared_ptr<std::string> out, std::size_t max) {
  auto chunk = std::make_shared<std::vector<uint8_t>>(max - out->size());
  return source.getn(chunk->data(), chunk->size())
      .then([source, out, max, chunk](std::size_t n) -> pplx::task<void> {
        out->append(reinterpret_cast<const char*>(chunk->data()), n);
        if (n == 0 || out->size() >= max) return pplx::task_from_result();
        return readBody(source, out, max);
      });
}

// One request, no redirects, bounded by `deadline` however the server behaves.
Fetched fetch(const HttpProviderOptions& options, const std::string& method, const web::uri& target,
              Clock::time_point deadline, std::size_t maxBody) {
  const auto remaining =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (remaining.count() <= 0) return noAnswer("timed out");

  http_client_config config;
  // Inactivity bound inside cpprestsdk; the hard bound is the wait below.
  config.set_timeout(remaining);
  config.set_max_redirects(0);
  if (target.scheme() == "https" && !options.caBundlePath.empty()) {
    config.set_ssl_context_callback([path = options.caBundlePath](boost::asio::ssl::context& ctx) {
      boost::system::error_code ec;  // checked when the provider was made; never throw here
      ctx.load_verify_file(path, ec);
    });
  }

  std::unique_ptr<http_client> client;
  http::http_request request(method);
  try {
    client = std::make_unique<http_client>(target.authority(), config);
    web::uri_builder resource;
    resource.set_path(target.path()).set_query(target.query());
    request.set_request_uri(resource.to_uri());
  } catch (const std::exception& e) {
    return noAnswer(std::string("invalid URL: ") + e.what());
  }
  request.headers().add("User-Agent", options.userAgent);
  request.headers().add("Accept", "application/json, text/plain, */*");

  pplx::cancellation_token_source cts;
  auto promise = std::make_shared<std::promise<Fetched>>();
  auto future = promise->get_future();
  try {
    client->request(request, cts.get_token())
        .then([maxBody](http::http_response response) {
          auto fetched = std::make_shared<Fetched>();
          fetched->answered = true;
          fetched->status = response.status_code();
          auto location = response.headers().find("Location");
          if (location != response.headers().end()) fetched->location = location->second;
          auto body = std::make_shared<std::string>();
          return readBody(response.body().streambuf(), body, maxBody)
              .then([fetched, body, maxBody, response](pplx::task<void> read) {
                try {
                  read.get();
                } catch (const http::http_exception& e) {
                  // An answer that broke off is no answer: a partial body could fail
                  // bodyContains for the wrong reason.
                  return noAnswer(describe(e) + " while reading the body");
                } catch (const std::exception& e) {
                  return noAnswer(std::string(e.what()) + " while reading the body");
                }
                fetched->truncated = body->size() >= maxBody;
                fetched->body = std::move(*body);
                return std::move(*fetched);
              });
        })
        .then([promise](pplx::task<Fetched> done) {
          try {
            promise->set_value(done.get());
          } catch (const http::http_exception& e) {
            promise->set_value(noAnswer(describe(e)));
          } catch (const pplx::task_canceled&) {
            promise->set_value(noAnswer("timed out"));
          } catch (const std::exception& e) {
            promise->set_value(noAnswer(e.what()));
          }
        });
  } catch (const std::exception& e) {
    return noAnswer(e.what());
  }

  if (future.wait_until(deadline) != std::future_status::ready) {
    // Closes the connection; the continuation above still runs and finds the promise alive.
    cts.cancel();
    return noAnswer("timed out");
  }
  Fetched fetched = future.get();
  if (fetched.truncated) cts.cancel();  // do not download the rest of a long body
  return fetched;
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

HttpProvider::HttpProvider(HttpProviderOptions options) : options_(std::move(options)) {
  if (options_.userAgent.empty()) options_.userAgent = std::string("readiness-gate/") + RG_VERSION;
  options_.maxRedirects = std::clamp(options_.maxRedirects, 0, kRedirectCap);
  if (!options_.caBundlePath.empty()) {
    // Fail at start-up rather than on every https probe.
    boost::asio::ssl::context probe(boost::asio::ssl::context::tls_client);
    boost::system::error_code ec;
    probe.load_verify_file(options_.caBundlePath, ec);
    if (ec) {
      throw std::invalid_argument("CA bundle " + options_.caBundlePath + ": " + ec.message());
    }
  }
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
    Fetched f = fetch(options_, method, *target, deadline, kMaxBodySnippet);
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
  Fetched f = fetch(options_, "GET", target, deadline, kMaxPrometheusAnswer);
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
