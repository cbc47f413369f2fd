// The real provider against servers on 127.0.0.1.
#include "reconcilers/providers/http_provider.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <memory>
#include <thread>

#include "reconcilers/providers/runtime_checks.hpp"
#include "tests/providers/loopback.hpp"
#include "tests/providers/tls_certs.hpp"

namespace rg::providers {
namespace {

using namespace std::chrono_literals;
using testing::LoopbackServer;
using testing::Reply;
using testing::SeenRequest;
using testing::SilentServer;
using Clock = std::chrono::steady_clock;

HttpCheck checkOf(const std::string& url, std::chrono::milliseconds timeout = 2s) {
  HttpCheck check;
  check.url = url;
  check.timeout = kube::Duration(timeout);
  return check;
}

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A provider trusting `caPem` besides the system's roots; the bundle file is read when the
// provider is made, and removed right after.
std::unique_ptr<HttpProvider> providerTrusting(const std::string& caPem) {
  HttpProviderOptions options;
  options.caBundlePath = "/tmp/rg-providers-ca-" + std::to_string(::getpid()) + ".pem";
  std::ofstream(options.caBundlePath) << caPem;
  auto provider = std::make_unique<HttpProvider>(options);
  std::remove(options.caBundlePath.c_str());
  return provider;
}

TEST(HttpProbe, PassesOnExpectedStatusAndSendsTheMethod) {
  LoopbackServer server([](const SeenRequest&) { return Reply{200, "ok"}; });
  HttpProvider provider;
  auto check = checkOf(server.url("/health"));
  auto probe = provider.httpProbe(check);
  EXPECT_TRUE(probe.answered) << probe.error;
  EXPECT_EQ(probe.status, 200);
  EXPECT_EQ(probe.bodySnippet, "ok");

  auto result = evaluateHttp(check, probe);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(result.message, "GET " + server.url("/health") + " answered 200");

  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].path, "/health");
  EXPECT_EQ(seen[0].userAgent.rfind("readiness-gate/", 0), 0u) << seen[0].userAgent;
}

TEST(HttpProbe, UsesTheConfiguredMethodAndKeepsTheQuery) {
  LoopbackServer server([](const SeenRequest&) { return Reply{204, ""}; });
  HttpProvider provider;
  auto check = checkOf(server.url("/ready?verbose=1&x=a%20b"));
  check.method = "HEAD";
  check.expectedStatus = {204};
  auto result = evaluateHttp(check, provider.httpProbe(check));
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "HEAD");
  EXPECT_EQ(seen[0].path, "/ready");
  EXPECT_EQ(seen[0].rawQuery, "verbose=1&x=a%20b");
}

TEST(HttpProbe, StatusMismatchFails) {
  LoopbackServer server([](const SeenRequest&) { return Reply{503, "overloaded"}; });
  HttpProvider provider;
  auto check = checkOf(server.url("/health"));
  auto result = evaluateHttp(check, provider.httpProbe(check));
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "GET " + server.url("/health") + " answered 503, expected 200");
  EXPECT_EQ(result.value, "503");
}

TEST(HttpProbe, BodySubstring) {
  LoopbackServer server([](const SeenRequest& r) {
    return Reply{200, r.path == "/up" ? R"({"status":"UP"})" : R"({"status":"DOWN"})",
                 "application/json"};
  });
  HttpProvider provider;
  auto up = checkOf(server.url("/up"));
  up.bodyContains = "\"UP\"";
  EXPECT_EQ(evaluateHttp(up, provider.httpProbe(up)).outcome, CheckOutcome::Passed);

  auto down = checkOf(server.url("/down"));
  down.bodyContains = "\"UP\"";
  auto result = evaluateHttp(down, provider.httpProbe(down));
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "GET " + server.url("/down") +
                                " answered 200 but the body does not contain \"\\\"UP\\\"\"");
}

TEST(HttpProbe, KeepsOnlyTheBeginningOfALargeBody) {
  const std::string big = std::string(kMaxBodySnippet, 'a') + "needle" + std::string(1 << 20, 'b');
  LoopbackServer server([&](const SeenRequest&) { return Reply{200, big}; });
  HttpProvider provider;
  auto check = checkOf(server.url("/big"));
  check.bodyContains = "needle";
  auto probe = provider.httpProbe(check);
  ASSERT_TRUE(probe.answered) << probe.error;
  EXPECT_EQ(probe.bodySnippet, std::string(kMaxBodySnippet, 'a'));
  auto result = evaluateHttp(check, probe);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_NE(result.message.find("(first 4096 bytes searched)"), std::string::npos);
}

TEST(HttpProbe, FollowsAFewRedirectsOnly) {
  LoopbackServer server([](const SeenRequest& r) {
    if (r.path == "/old") return Reply{301, "", "text/plain", {{"Location", "/health"}}};
    if (r.path == "/loop") return Reply{302, "", "text/plain", {{"Location", "/loop"}}};
    return Reply{200, "ok"};
  });
  HttpProvider provider;  // maxRedirects 3
  auto moved = checkOf(server.url("/old"));
  auto result = evaluateHttp(moved, provider.httpProbe(moved));
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;

  auto loop = checkOf(server.url("/loop"));
  auto looped = evaluateHttp(loop, provider.httpProbe(loop));
  EXPECT_EQ(looped.outcome, CheckOutcome::Failed);
  EXPECT_EQ(looped.message, "GET " + server.url("/loop") + " answered 302, expected 200");
  // The first request and three redirects, no more.
  size_t loops = 0;
  for (const auto& r : server.requests()) loops += r.path == "/loop";
  EXPECT_EQ(loops, 4u);

  HttpProvider strict(HttpProviderOptions{{}, 0, {}});
  auto unfollowed = evaluateHttp(moved, strict.httpProbe(moved));
  EXPECT_EQ(unfollowed.message, "GET " + server.url("/old") + " answered 301, expected 200");
}

TEST(HttpProbe, ServerThatNeverAnswersIsInconclusiveWithinTheTimeout) {
  SilentServer silent;
  HttpProvider provider;
  auto check = checkOf(silent.url("/health"), 1s);
  const auto start = Clock::now();
  auto result = evaluateHttp(check, provider.httpProbe(check));
  const double elapsed = secondsSince(start);
  EXPECT_EQ(result.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(result.message,
            "GET " + silent.url("/health") + " did not answer within 1s: timed out");
  EXPECT_GE(elapsed, 0.9);
  EXPECT_LT(elapsed, 2.0);  // timeout + 1 s
  EXPECT_EQ(silent.accepted(), 1);
}

TEST(HttpProbe, CancelledCallsEndAtOnceAndLaterOnesDoNotStart) {
  SilentServer silent;
  HttpProvider provider;
  auto check = checkOf(silent.url("/health"), 60s);
  auto probe = std::async(std::launch::async, [&] { return provider.httpProbe(check); });
  for (int i = 0; i < 500 && silent.accepted() < 1; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(silent.accepted(), 1);
  provider.cancelCalls();
  // Well before the 60 s timeout; a hang fails here instead of holding the test.
  ASSERT_EQ(probe.wait_for(10s), std::future_status::ready);
  auto result = evaluateHttp(check, probe.get());
  EXPECT_EQ(result.outcome, CheckOutcome::Inconclusive);
  EXPECT_NE(result.message.find("cancelled"), std::string::npos) << result.message;
  // Later calls end before connecting.
  EXPECT_NE(evaluateHttp(check, provider.httpProbe(check)).message.find("cancelled"),
            std::string::npos);
  auto query = provider.prometheusQuery(silent.url(), "up", kube::Duration(60s));
  EXPECT_EQ(query.kind, PromQueryResult::Kind::Error);
  EXPECT_NE(query.error.find("cancelled"), std::string::npos) << query.error;
  EXPECT_EQ(silent.accepted(), 1);
}

TEST(HttpProbe, TrickledBodyCannotStretchTheTimeout) {
  // A byte every 100 ms keeps an inactivity timeout from ever firing.
  SilentServer trickle(100ms);
  HttpProvider provider;
  auto check = checkOf(trickle.url("/health"), 1s);
  const auto start = Clock::now();
  auto result = evaluateHttp(check, provider.httpProbe(check));
  const double elapsed = secondsSince(start);
  EXPECT_EQ(result.outcome, CheckOutcome::Inconclusive) << result.message;
  EXPECT_LT(elapsed, 2.0);
}

TEST(HttpProbe, ClosedPortIsInconclusiveQuickly) {
  const int port = testing::freeLoopbackPort();
  HttpProvider provider;
  auto check = checkOf("http://127.0.0.1:" + std::to_string(port) + "/health", 5s);
  const auto start = Clock::now();
  auto probe = provider.httpProbe(check);
  const double elapsed = secondsSince(start);
  EXPECT_FALSE(probe.answered);
  EXPECT_FALSE(probe.error.empty());
  auto result = evaluateHttp(check, probe);
  EXPECT_EQ(result.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(result.message.rfind("GET " + check.url + " did not answer within 5s: ", 0), 0u)
      << result.message;
  EXPECT_LT(elapsed, 1.0);
}

TEST(HttpProbe, BadUrlsAreInconclusiveNotExceptions) {
  HttpProvider provider;
  for (const char* url : {"", "not a url", "ftp://127.0.0.1/x", "http://", "http://[::1"}) {
    HttpProbeResult probe;
    EXPECT_NO_THROW(probe = provider.httpProbe(checkOf(url))) << url;
    EXPECT_FALSE(probe.answered) << url;
    EXPECT_FALSE(probe.error.empty()) << url;
  }
}

TEST(HttpProbe, ConcurrentProbesFromManyThreads) {
  std::atomic<int> served{0};
  LoopbackServer server([&](const SeenRequest& r) {
    ++served;
    return Reply{200, "path=" + r.path};
  });
  HttpProvider provider;
  std::vector<std::thread> threads;
  std::atomic<int> passed{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto check = checkOf(server.url("/t" + std::to_string(t)));
        check.bodyContains = "path=/t" + std::to_string(t);
        if (evaluateHttp(check, provider.httpProbe(check)).outcome == CheckOutcome::Passed) {
          ++passed;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(passed.load(), 80);
  EXPECT_EQ(served.load(), 80);
}

TEST(PrometheusQuery, SendsAnEncodedInstantQuery) {
  LoopbackServer server([](const SeenRequest&) {
    return Reply{200,
                 R"({"status":"success","data":{"resultType":"vector","result":[)"
                 R"({"metric":{},"value":[1700000000,"0.25"]}]}})",
                 "application/json"};
  });
  HttpProvider provider;
  auto r = provider.prometheusQuery(server.url("/prom"), "sum(rate(x{a=\"b\"}[1m])) + 1 & 2",
                                    kube::Duration(3s));
  ASSERT_EQ(r.kind, PromQueryResult::Kind::Value) << r.error;
  EXPECT_EQ(r.value, 0.25);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  // An address with a path prefix (Prometheus behind a route) keeps it.
  EXPECT_EQ(seen[0].path, "/prom/api/v1/query");
  EXPECT_EQ(seen[0].rawQuery,
            "query=sum%28rate%28x%7Ba%3D%22b%22%7D%5B1m%5D%29%29%20%2B%201%20%26%202"
            "&timeout=3.000");
}

TEST(PrometheusQuery, ANonPrometheusAnswerNamesTheStatus) {
  LoopbackServer server([](const SeenRequest&) { return Reply{502, "Bad Gateway"}; });
  HttpProvider provider;
  auto r = provider.prometheusQuery(server.url(), "up", kube::Duration(2s));
  EXPECT_EQ(r.kind, PromQueryResult::Kind::Error);
  EXPECT_EQ(r.error, "answered HTTP 502: Bad Gateway");
}

TEST(PrometheusQuery, SilentServerIsAnErrorWithinTheTimeout) {
  SilentServer silent;
  HttpProvider provider;
  const auto start = Clock::now();
  auto r = provider.prometheusQuery(silent.url(), "up", kube::Duration(1s));
  const double elapsed = secondsSince(start);
  EXPECT_EQ(r.kind, PromQueryResult::Kind::Error);
  EXPECT_EQ(r.error, silent.url() + " did not answer within 1s: timed out");
  EXPECT_LT(elapsed, 2.0);

  PrometheusCheck check;
  check.address = silent.url();
  auto result = evaluatePrometheus(check, Threshold{}, r, std::nullopt);
  EXPECT_EQ(result.outcome, CheckOutcome::Inconclusive);
}

TEST(PrometheusQuery, ClosedPortIsAnErrorQuickly) {
  const std::string address = "http://127.0.0.1:" + std::to_string(testing::freeLoopbackPort());
  HttpProvider provider;
  const auto start = Clock::now();
  auto r = provider.prometheusQuery(address, "up", kube::Duration(5s));
  EXPECT_LT(secondsSince(start), 1.0);
  EXPECT_EQ(r.kind, PromQueryResult::Kind::Error);
  EXPECT_EQ(r.error.rfind(address + " did not answer within 5s: ", 0), 0u) << r.error;
}

TEST(PrometheusQuery, BadAddressIsAnError) {
  HttpProvider provider;
  auto r = provider.prometheusQuery("prometheus:9090", "up", kube::Duration(1s));
  EXPECT_EQ(r.kind, PromQueryResult::Kind::Error);
  EXPECT_FALSE(r.error.empty());
}

TEST(HttpProvider, RejectsAnUnreadableCaBundle) {
  HttpProviderOptions options;
  options.caBundlePath = "/nonexistent/ca.pem";
  EXPECT_THROW(HttpProvider{options}, std::invalid_argument);
}

TEST(HttpProbe, HttpsVerifiesTheCertificate) {
  const auto& certs = testing::testCertificates();
  LoopbackServer server(
      [](const SeenRequest&) {
        return Reply{200, "secure"};
      },
      testing::ServerCertificate{certs.serverCertPem, certs.serverKeyPem});
  // Generous: TLS handshakes are slow under sanitizers, and nothing here waits for it.
  auto check = checkOf(server.url("/health"), 10s);
  check.bodyContains = "secure";

  // The test CA is in no system trust store.
  HttpProvider systemRoots;
  auto untrusted = evaluateHttp(check, systemRoots.httpProbe(check));
  EXPECT_EQ(untrusted.outcome, CheckOutcome::Inconclusive) << untrusted.message;

  auto withBundle = providerTrusting(certs.caCertPem);
  auto trusted = evaluateHttp(check, withBundle->httpProbe(check));
  EXPECT_EQ(trusted.outcome, CheckOutcome::Passed) << trusted.message;
}

// A host name is resolved (localhost may come first as ::1, where nothing listens: the next
// address is tried) and, over HTTPS, sent as SNI and checked against the certificate's names.
TEST(HttpProbe, HostNamesAreResolvedAndVerifiedByName) {
  LoopbackServer plain([](const SeenRequest&) { return Reply{200, "ok"}; });
  HttpProvider provider;
  const std::string port = plain.url().substr(plain.url().rfind(':') + 1);
  auto byName = checkOf("http://localhost:" + port + "/health", 5s);
  auto probe = provider.httpProbe(byName);
  ASSERT_TRUE(probe.answered) << probe.error;
  EXPECT_EQ(probe.status, 200);

  const auto& certs = testing::testCertificates();
  LoopbackServer tls(
      [](const SeenRequest&) {
        return Reply{200, "secure"};
      },
      testing::ServerCertificate{certs.serverCertPem, certs.serverKeyPem});
  const std::string tlsPort = tls.url().substr(tls.url().rfind(':') + 1);
  auto withBundle = providerTrusting(certs.caCertPem);
  auto secure = withBundle->httpProbe(checkOf("https://localhost:" + tlsPort + "/health", 10s));
  EXPECT_TRUE(secure.answered) << secure.error;
  EXPECT_EQ(secure.status, 200);
}

}  // namespace
}  // namespace rg::providers
