#include <gmock/gmock.h>

#include <future>

#include "tests/support/tests/fixture.hpp"

namespace rg::testing {
namespace {

using namespace std::chrono_literals;

class FaultTest : public ApiServerTest {};

TEST_F(FaultTest, FailNextRequestsWithRetryAfter) {
  server().failNext(2, 429, "GET", "/deployments", 3);
  auto r1 = client().get(kDeployments);
  EXPECT_EQ(r1.code, 429);
  EXPECT_EQ(r1.header("retry-after"), "3");
  EXPECT_EQ(r1.json()["reason"], "TooManyRequests");
  EXPECT_EQ(r1.json()["details"]["retryAfterSeconds"], 3);
  // Other paths and methods are unaffected.
  EXPECT_EQ(client().get("/api/v1/namespaces/default/configmaps").code, 200);
  EXPECT_EQ(client().post(kDeployments, makeDeployment("web")).code, 201);
  EXPECT_EQ(client().get(kDeployments).code, 429);
  EXPECT_EQ(client().get(kDeployments).code, 200);
}

TEST_F(FaultTest, FailuresCanBeLimitedToRequestBodiesWithASubstring) {
  FaultRule rule;
  rule.count = 1;
  rule.code = 503;
  rule.method = "POST";
  rule.bodyContains = "\"name\":\"second\"";
  server().failNext(rule);
  EXPECT_EQ(client().post(kDeployments, makeDeployment("first")).code, 201);
  EXPECT_EQ(client().post(kDeployments, makeDeployment("second")).code, 503);
  EXPECT_EQ(client().post(kDeployments, makeDeployment("second")).code, 201);
}

TEST_F(FaultTest, ServerErrorsCarryStatusBodies) {
  server().failNext(1, 500);
  auto r = client().get("/api/v1/namespaces/default/pods");
  EXPECT_EQ(r.code, 500);
  EXPECT_EQ(r.json()["reason"], "InternalError");
  server().failNext(1, 503);
  EXPECT_EQ(client().get("/version").code, 503);
  server().failNext(1, 409);
  EXPECT_EQ(client().get("/version").json()["reason"], "Conflict");
}

TEST_F(FaultTest, LatencyDelaysRequests) {
  server().setLatency(300ms);
  const auto start = std::chrono::steady_clock::now();
  client().get("/version");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  server().clearFaults();
  const auto again = std::chrono::steady_clock::now();
  client().get("/version");
  EXPECT_LT(std::chrono::steady_clock::now() - again, 300ms);
}

TEST_F(FaultTest, LatencyHoldsArrivedRequestsUntilItPassesOrTheServerStops) {
  server().setLatency(30s);
  const auto start = std::chrono::steady_clock::now();
  auto held = std::async(std::launch::async, [&] {
    try {
      return client().get("/version").code;
    } catch (const std::exception&) {
      return -1;  // the connection closed without an answer
    }
  });
  // Lowering the latency does not release a request that arrived under it...
  EXPECT_EQ(held.wait_for(300ms), std::future_status::timeout);
  server().clearFaults();
  EXPECT_EQ(held.wait_for(300ms), std::future_status::timeout);
  // ...stopping the server does.
  server().stop();
  ASSERT_EQ(held.wait_for(5s), std::future_status::ready);
  // The listener closes only once the released request was answered.
  EXPECT_EQ(held.get(), 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST_F(FaultTest, EveryAnswerClosesItsConnection) {
  // So that stopping never closes a connection the listener is about to read from again.
  EXPECT_EQ(client().get("/version").header("connection"), "close");
  EXPECT_EQ(client().get("/api/v1/namespaces/default/pods/missing").header("connection"), "close");
}

TEST(ApiServerKeepAlive, KeepsConnectionsOpenUntilStopping) {
  ApiServerOptions options;
  options.keepAlive = true;
  ApiServer server(options);
  {
    HttpClient client(server.url());
    EXPECT_EQ(client.get("/version").header("connection"), "");
  }
  server.stop();
}

TEST_F(FaultTest, RequestsAreCountedPerVerbAndResource) {
  client().post(kDeployments, makeDeployment("web"));
  client().get(std::string(kDeployments) + "/web");
  client().get(kDeployments);
  client().get("/apis/apps/v1/deployments");
  client().patch(std::string(kDeployments) + "/web/status", "application/merge-patch+json",
                 R"({"status":{"replicas":1}})");
  auto w = client().watch(std::string(kDeployments) + "?watch=1&timeoutSeconds=1");
  EXPECT_EQ(server().requestCount("create", "deployments"), 1u);
  EXPECT_EQ(server().requestCount("get", "deployments"), 1u);
  EXPECT_EQ(server().requestCount("list", "deployments"), 2u);
  EXPECT_EQ(server().requestCount("watch", "deployments"), 1u);
  EXPECT_EQ(server().requestCount("patch", "deployments/status"), 1u);
  EXPECT_EQ(server().requestCount("patch", "deployments"), 0u);
  EXPECT_EQ(server().requestCount("list", "pods"), 0u);

  const auto records = server().requests();
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.back().verb, "watch");
  EXPECT_EQ(records[records.size() - 2].body, R"({"status":{"replicas":1}})");
  EXPECT_EQ(records[records.size() - 2].contentType, "application/merge-patch+json");

  server().resetRequests();
  EXPECT_EQ(server().requestCount(""), 0u);
}

TEST_F(FaultTest, ForcedExpiryCanNameTheWatchItApplies) {
  server().expireNextWatch(/*asHttpStatus=*/true, "/secrets");
  // A watch of another resource is not the one meant: it streams.
  auto other = client().watch("/api/v1/namespaces/default/configmaps?watch=1");
  EXPECT_EQ(other->status(), 200);
  EXPECT_EQ(client().get("/api/v1/namespaces/default/secrets?watch=1&resourceVersion=1").code, 410);
  // Consumed: the next secrets watch streams.
  auto again = client().watch("/api/v1/namespaces/default/secrets?watch=1");
  EXPECT_EQ(again->status(), 200);
}

}  // namespace
}  // namespace rg::testing
