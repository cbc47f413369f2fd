// The REST client over plain HTTP: paths, verbs, headers, typed errors, retries, timeouts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "kube/rest_client.hpp"
#include "tests/wire/client_helpers.hpp"
#include "tests/wire/fake_server.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;
using rg::wire::configFor;
using rg::wire::FakeRequest;
using rg::wire::FakeResponse;
using rg::wire::FakeServer;
using rg::wire::fastOptions;
using rg::wire::object;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const ResourceRef kGates{"readiness.example.io", "v1alpha1", "readinessgates", true};

// Echoes method, path and query back, so tests can assert on what was sent.
FakeResponse echo(const FakeRequest& r) {
  return FakeResponse::json(200, {{"method", r.method}, {"path", r.path}, {"query", r.query}});
}

TEST(ResourceRefTest, BuildsCoreAndGroupedPaths) {
  using namespace resources;
  EXPECT_EQ(kPods.itemPath("ns", "p"), "/api/v1/namespaces/ns/pods/p");
  EXPECT_EQ(kPods.collectionPath(), "/api/v1/pods");
  EXPECT_EQ(kDeployments.collectionPath("ns"), "/apis/apps/v1/namespaces/ns/deployments");
  EXPECT_EQ(kDeployments.itemPath("ns", "d", "status"),
            "/apis/apps/v1/namespaces/ns/deployments/d/status");
  EXPECT_EQ(kNodes.itemPath("ignored", "n"), "/api/v1/nodes/n");
  EXPECT_EQ(kNamespaces.collectionPath("x"), "/api/v1/namespaces");
  EXPECT_EQ(kLeases.apiVersion(), "coordination.k8s.io/v1");
  EXPECT_EQ(kPods.apiVersion(), "v1");
  EXPECT_THROW(kPods.itemPath("", "p"), std::invalid_argument);
  EXPECT_THROW(kPods.itemPath("ns", ""), std::invalid_argument);
}

TEST(RestClientTest, RequestPathsForCoreGroupedNamespacedAndClusterResources) {
  FakeServer server(echo);
  RestClient client(configFor(server), fastOptions());
  EXPECT_EQ(client.get(resources::kPods, "ns1", "web-0")["path"],
            "/api/v1/namespaces/ns1/pods/web-0");
  EXPECT_EQ(client.get(resources::kDeployments, "ns1", "web")["path"],
            "/apis/apps/v1/namespaces/ns1/deployments/web");
  EXPECT_EQ(client.get(resources::kNodes, "", "node-a")["path"], "/api/v1/nodes/node-a");
  EXPECT_EQ(client.get(kGates, "team", "g", "status")["path"],
            "/apis/readiness.example.io/v1alpha1/namespaces/team/readinessgates/g/status");
  EXPECT_EQ(client.list(resources::kReplicaSets, "")["path"], "/apis/apps/v1/replicasets");
  EXPECT_EQ(client.list(resources::kNamespaces, "")["path"], "/api/v1/namespaces");
  EXPECT_EQ(client.list(resources::kSecrets, "ns2")["path"], "/api/v1/namespaces/ns2/secrets");
}

TEST(RestClientTest, ServerUrlWithPathPrefix) {
  FakeServer server(echo);
  ClientConfig config = configFor(server);
  config.server += "/k8s/clusters/c-1/";
  RestClient client(config, fastOptions());
  EXPECT_EQ(client.get(resources::kPods, "a", "b")["path"],
            "/k8s/clusters/c-1/api/v1/namespaces/a/pods/b");
}

TEST(RestClientTest, ListOptionsAreEncodedAsQueryParameters) {
  FakeServer server(echo);
  RestClient client(configFor(server), fastOptions());
  ListOptions options;
  options.labelSelector = "app=web,tier in (a,b),!legacy";
  options.fieldSelector = "metadata.name=x";
  options.limit = 50;
  options.continueToken = "abc+/=";
  options.resourceVersion = "0";
  auto answer = client.list(resources::kPods, "ns", options);
  EXPECT_EQ(answer["query"]["labelSelector"], options.labelSelector);
  EXPECT_EQ(answer["query"]["fieldSelector"], options.fieldSelector);
  EXPECT_EQ(answer["query"]["limit"], "50");
  EXPECT_EQ(answer["query"]["continue"], "abc+/=");
  EXPECT_EQ(answer["query"]["resourceVersion"], "0");
  auto raw = server.requests().back().rawQuery;
  EXPECT_THAT(raw, HasSubstr("labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29%2C%21legacy"));
}

TEST(RestClientTest, ListAllFollowsContinueToTheEnd) {
  FakeServer server([](const FakeRequest& r) {
    std::string cont = r.param("continue");
    nlohmann::json items = nlohmann::json::array();
    std::string next;
    if (cont.empty()) {
      items = {object("ns", "a"), object("ns", "b")};
      next = "page2";
    } else if (cont == "page2") {
      items = {object("ns", "c"), object("ns", "d")};
      next = "page3";
    } else {
      items = {object("ns", "e")};
    }
    return FakeResponse::json(200, {{"kind", "PodList"},
                                    {"metadata", {{"resourceVersion", "42"}, {"continue", next}}},
                                    {"items", items}});
  });
  RestClient client(configFor(server), fastOptions());
  ListOptions options;
  options.limit = 2;
  ListResult result = client.listAll(resources::kPods, "ns", options);
  ASSERT_EQ(result.items.size(), 5u);
  EXPECT_EQ(result.items[4]["metadata"]["name"], "e");
  EXPECT_EQ(result.resourceVersion, "42");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].param("limit"), "2");
  EXPECT_EQ(requests[2].param("continue"), "page3");
}

// An informer trims each item in eachItem: a page's items are handed over before the next page
// is asked for, so the whole list never exists untrimmed.
TEST(RestClientTest, ListAllHandsEachItemOverAsItsPageArrives) {
  FakeServer server([](const FakeRequest& r) {
    const std::string cont = r.param("continue");
    nlohmann::json items = cont.empty() ? nlohmann::json{object("ns", "a"), object("ns", "b")}
                                        : nlohmann::json{object("ns", "c")};
    return FakeResponse::json(
        200, {{"metadata", {{"resourceVersion", "5"}, {"continue", cont.empty() ? "p2" : ""}}},
              {"items", items}});
  });
  RestClient client(configFor(server), fastOptions());
  ListOptions options;
  options.limit = 2;
  std::vector<std::string> seen;
  options.eachItem = [&](nlohmann::json& item) {
    const std::string name = item["metadata"]["name"];
    seen.push_back(name + "@" + std::to_string(server.requestCount()));
    item = {{"metadata", {{"name", name + "-trimmed"}}}};
  };
  ListResult result = client.listAll(resources::kPods, "ns", options);
  EXPECT_THAT(seen, ElementsAre("a@1", "b@1", "c@2"));
  ASSERT_EQ(result.items.size(), 3u);
  EXPECT_EQ(result.items[0], (nlohmann::json{{"metadata", {{"name", "a-trimmed"}}}}));
  EXPECT_EQ(result.items[2]["metadata"]["name"], "c-trimmed");
}

TEST(RestClientTest, ListAllRestartsUnpaginatedWhenContinueExpires) {
  FakeServer server([](const FakeRequest& r) {
    if (r.param("continue") == "stale") {
      return FakeResponse::statusError(410, "Expired", "continue token too old");
    }
    if (r.param("limit").empty()) {
      return FakeResponse::json(
          200, {{"metadata", {{"resourceVersion", "9"}}},
                {"items", {object("ns", "a"), object("ns", "b"), object("ns", "c")}}});
    }
    return FakeResponse::json(200, {{"metadata", {{"resourceVersion", "7"}, {"continue", "stale"}}},
                                    {"items", {object("ns", "a")}}});
  });
  RestClient client(configFor(server), fastOptions());
  ListOptions options;
  options.limit = 1;
  ListResult result = client.listAll(resources::kPods, "ns", options);
  EXPECT_EQ(result.items.size(), 3u);
  EXPECT_EQ(result.resourceVersion, "9");
  EXPECT_EQ(server.requestCount(), 3u);
}

TEST(RestClientTest, WritesUseTheRightVerbsBodiesAndContentTypes) {
  FakeServer server([](const FakeRequest& r) {
    return FakeResponse::json(200, {{"method", r.method},
                                    {"path", r.path},
                                    {"query", r.query},
                                    {"contentType", r.header("content-type")},
                                    {"body", r.body}});
  });
  RestClient client(configFor(server), fastOptions());
  using resources::kDeployments;

  auto created = client.create(kDeployments, "", object("ns", "web"), {"rg", true});
  EXPECT_EQ(created["method"], "POST");
  EXPECT_EQ(created["path"], "/apis/apps/v1/namespaces/ns/deployments");
  EXPECT_EQ(created["contentType"], "application/json");
  EXPECT_EQ(created["query"]["fieldManager"], "rg");
  EXPECT_EQ(created["query"]["dryRun"], "All");
  EXPECT_EQ(nlohmann::json::parse(created["body"].get<std::string>())["metadata"]["name"], "web");

  auto updated = client.update(kDeployments, object("ns", "web", "5"));
  EXPECT_EQ(updated["method"], "PUT");
  EXPECT_EQ(updated["path"], "/apis/apps/v1/namespaces/ns/deployments/web");

  auto status = client.updateStatus(kGates, object("team", "g"));
  EXPECT_EQ(status["method"], "PUT");
  EXPECT_EQ(status["path"],
            "/apis/readiness.example.io/v1alpha1/namespaces/team/readinessgates/g/status");

  const std::pair<PatchType, std::string> types[] = {
      {PatchType::Merge, "application/merge-patch+json"},
      {PatchType::StrategicMerge, "application/strategic-merge-patch+json"},
      {PatchType::Json, "application/json-patch+json"},
      {PatchType::Apply, "application/apply-patch+yaml"}};
  for (const auto& [type, contentType] : types) {
    auto patched = client.patch(kDeployments, "ns", "web", type, {{"spec", {{"paused", true}}}});
    EXPECT_EQ(patched["method"], "PATCH");
    EXPECT_EQ(patched["contentType"], contentType);
    EXPECT_EQ(patched["path"], "/apis/apps/v1/namespaces/ns/deployments/web");
  }
  PatchOptions apply;
  apply.force = true;
  auto applied =
      client.patch(kDeployments, "ns", "web", PatchType::Apply, nlohmann::json::object(), apply);
  EXPECT_EQ(applied["query"]["fieldManager"], "readiness-gate");
  EXPECT_EQ(applied["query"]["force"], "true");

  auto statusPatch =
      client.patchStatus(kGates, "team", "g", PatchType::Merge, {{"status", {{"phase", "Ready"}}}});
  EXPECT_EQ(statusPatch["path"],
            "/apis/readiness.example.io/v1alpha1/namespaces/team/readinessgates/g/status");
  EXPECT_EQ(nlohmann::json::parse(statusPatch["body"].get<std::string>())["status"]["phase"],
            "Ready");

  DeleteOptions del;
  del.propagationPolicy = "Background";
  del.preconditionResourceVersion = "5";
  auto removed = client.remove(kDeployments, "ns", "web", del);
  EXPECT_EQ(removed["method"], "DELETE");
  auto body = nlohmann::json::parse(removed["body"].get<std::string>());
  EXPECT_EQ(body["kind"], "DeleteOptions");
  EXPECT_EQ(body["propagationPolicy"], "Background");
  EXPECT_EQ(body["preconditions"]["resourceVersion"], "5");
  EXPECT_EQ(client.remove(kDeployments, "ns", "web")["body"], "");
}

TEST(RestClientTest, SendsUserAgentAcceptAndBearerToken) {
  FakeServer server(echo);
  RestClient withToken(configFor(server, "sekret"), fastOptions());
  withToken.get(resources::kPods, "a", "b");
  RestClient anonymous(configFor(server), fastOptions());
  anonymous.get(resources::kPods, "a", "b");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].header("user-agent"), "readiness-gate/" RG_VERSION " (linux/amd64)");
  EXPECT_EQ(RestClient::defaultUserAgent(), "readiness-gate/" RG_VERSION " (linux/amd64)");
  EXPECT_EQ(requests[0].header("accept"), "application/json");
  EXPECT_EQ(requests[0].header("authorization"), "Bearer sekret");
  EXPECT_EQ(requests[1].header("authorization"), "");
}

TEST(RestClientTest, StatusBodiesBecomeTypedErrors) {
  FakeServer server([](const FakeRequest& r) {
    if (r.path.ends_with("/missing")) {
      return FakeResponse::statusError(404, "NotFound", "pods \"missing\" not found");
    }
    if (r.path.ends_with("/stale")) {
      return FakeResponse::statusError(
          409, "Conflict",
          "Operation cannot be fulfilled on pods \"stale\": the object has been modified");
    }
    if (r.path.ends_with("/pods")) {
      return FakeResponse::statusError(409, "AlreadyExists", "pods \"x\" already exists");
    }
    if (r.path.ends_with("/old")) {
      return FakeResponse::statusError(410, "Expired", "too old resource version: 1 (5)");
    }
    if (r.path.ends_with("/bad")) {
      auto res = FakeResponse::statusError(422, "Invalid", "Pod \"bad\" is invalid");
      auto body = nlohmann::json::parse(res.body);
      body["details"] = {{"name", "bad"}, {"causes", {{{"field", "spec.containers"}}}}};
      res.body = body.dump();
      return res;
    }
    FakeResponse plain;
    plain.status = 404;
    plain.contentType = "text/plain";
    plain.body = "404 page not found\n";
    return plain;
  });
  RestClient client(configFor(server), fastOptions());
  using resources::kPods;

  try {
    client.get(kPods, "ns", "missing");
    FAIL() << "expected NotFoundError";
  } catch (const NotFoundError& e) {
    EXPECT_EQ(e.code(), 404);
    EXPECT_EQ(e.reason(), "NotFound");
    EXPECT_EQ(e.statusMessage(), "pods \"missing\" not found");
    EXPECT_EQ(e.method(), "GET");
    EXPECT_EQ(e.path(), "/api/v1/namespaces/ns/pods/missing");
    EXPECT_TRUE(isNotFound(e));
    EXPECT_FALSE(isConflict(e));
    EXPECT_THAT(e.what(), HasSubstr("404 NotFound"));
  }
  try {
    client.update(kPods, object("ns", "stale"));
    FAIL() << "expected ConflictError";
  } catch (const ConflictError& e) {
    EXPECT_TRUE(isConflict(e));
    EXPECT_FALSE(isAlreadyExists(e));
    EXPECT_EQ(e.code(), 409);
  }
  try {
    client.create(kPods, "ns", object("ns", "x"));
    FAIL() << "expected AlreadyExistsError";
  } catch (const AlreadyExistsError& e) {
    EXPECT_TRUE(isAlreadyExists(e));
    EXPECT_FALSE(isConflict(e));
  }
  try {
    client.get(kPods, "ns", "old");
    FAIL() << "expected GoneError";
  } catch (const GoneError& e) {
    EXPECT_TRUE(isGone(e));
    EXPECT_EQ(e.reason(), "Expired");
  }
  try {
    client.get(kPods, "ns", "bad");
    FAIL() << "expected InvalidError";
  } catch (const InvalidError& e) {
    EXPECT_TRUE(isInvalid(e));
    EXPECT_EQ(e.details()["causes"][0]["field"], "spec.containers");
  }
  try {
    client.get(kPods, "ns", "other");
    FAIL() << "expected NotFoundError";
  } catch (const NotFoundError& e) {
    EXPECT_EQ(e.statusMessage(), "404 page not found");
  }
  // 4xx answers are final: one attempt each.
  EXPECT_EQ(server.requestCount(), 6u);
  auto counts = client.requestCounts();
  EXPECT_EQ(counts.get("GET", "404"), 2u);
  EXPECT_EQ(counts.get("PUT", "409"), 1u);
  EXPECT_EQ(counts.get("POST", "409"), 1u);
  EXPECT_EQ(counts.get("GET", "410"), 1u);
  EXPECT_EQ(counts.get("GET", "422"), 1u);
  EXPECT_EQ(counts.total(), 6u);
}

TEST(RestClientTest, RetriesTooManyRequestsHonouringRetryAfter) {
  std::atomic<int> calls{0};
  FakeServer server([&](const FakeRequest&) {
    if (calls++ == 0) {
      auto res = FakeResponse::statusError(429, "TooManyRequests", "slow down");
      res.headers.emplace_back("Retry-After", "1");
      return res;
    }
    return FakeResponse::json(200, {{"ok", true}});
  });
  auto options = fastOptions();
  RestClient client(configFor(server), options);
  auto started = std::chrono::steady_clock::now();
  // A POST too: 429 means the request was not processed.
  EXPECT_EQ(client.create(resources::kPods, "ns", object("ns", "p"))["ok"], true);
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 5s);
  EXPECT_EQ(calls.load(), 2);
  auto counts = client.requestCounts();
  EXPECT_EQ(counts.get("POST", "429"), 1u);
  EXPECT_EQ(counts.get("POST", "200"), 1u);
}

TEST(RestClientTest, RetriesServerErrorsBoundedThenFails) {
  std::atomic<int> calls{0};
  FakeServer server([&](const FakeRequest&) {
    ++calls;
    return calls % 2 ? FakeResponse::statusError(503, "ServiceUnavailable", "etcd leader change")
                     : FakeResponse::statusError(500, "InternalError", "boom");
  });
  auto options = fastOptions();
  options.maxRetries = 2;
  RestClient client(configFor(server), options);
  try {
    client.get(resources::kPods, "ns", "p");
    FAIL() << "expected ApiError";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 503);  // the last of 3 attempts: 503, 500, 503
  }
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(client.requestCounts().get("GET", "503"), 2u);
  EXPECT_EQ(client.requestCounts().get("GET", "500"), 1u);
}

TEST(RestClientTest, RetriesServerErrorUntilSuccess) {
  std::atomic<int> calls{0};
  FakeServer server([&](const FakeRequest&) {
    if (calls++ < 2) return FakeResponse::statusError(500, "InternalError", "transient");
    return FakeResponse::json(200, {{"ok", true}});
  });
  RestClient client(configFor(server), fastOptions());
  EXPECT_EQ(client.get(resources::kPods, "ns", "p")["ok"], true);
  EXPECT_EQ(calls.load(), 3);
}

TEST(RestClientTest, NonIdempotentServerErrorsAreNotRetriedWithoutRetryAfter) {
  std::atomic<int> calls{0};
  FakeServer server([&](const FakeRequest&) {
    if (calls++ == 0) return FakeResponse::statusError(500, "InternalError", "maybe applied");
    return FakeResponse::json(200, {{"ok", true}});
  });
  RestClient client(configFor(server), fastOptions());
  EXPECT_THROW(client.patch(resources::kPods, "ns", "p", PatchType::Json, nlohmann::json::array()),
               ApiError);
  EXPECT_EQ(calls.load(), 1);

  calls = 0;
  FakeServer asking([&](const FakeRequest&) {
    if (calls++ == 0) {
      auto res = FakeResponse::statusError(503, "ServiceUnavailable", "try again");
      res.headers.emplace_back("Retry-After", "1");
      return res;
    }
    return FakeResponse::json(200, {{"ok", true}});
  });
  RestClient client2(configFor(asking), fastOptions());
  EXPECT_EQ(client2.create(resources::kPods, "ns", object("ns", "p"))["ok"], true);
  EXPECT_EQ(calls.load(), 2);
}

TEST(RestClientTest, ConnectionFailuresRetryOnlyIdempotentVerbs) {
  // Nothing listens there: connections are refused.
  const int port = rg::wire::freeLoopbackPort();
  ClientConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(port);
  auto options = fastOptions();
  options.maxRetries = 2;
  RestClient client(config, options);
  EXPECT_THROW(client.get(resources::kPods, "ns", "p"), TransportError);
  EXPECT_EQ(client.requestCounts().get("GET", "<error>"), 3u);
  EXPECT_THROW(client.create(resources::kPods, "ns", object("ns", "p")), TransportError);
  EXPECT_EQ(client.requestCounts().get("POST", "<error>"), 1u);
}

TEST(RestClientTest, RequestTimesOutWhenTheServerNeverAnswers) {
  FakeServer server([](const FakeRequest&) {
    FakeResponse res;
    res.noAnswer = true;
    return res;
  });
  auto options = fastOptions();
  options.requestTimeout = 500ms;
  RestClient client(configFor(server), options);
  auto started = std::chrono::steady_clock::now();
  try {
    client.get(resources::kPods, "ns", "p");
    FAIL() << "expected a timeout";
  } catch (const TransportError& e) {
    EXPECT_TRUE(e.isTimeout()) << e.what();
    EXPECT_THAT(e.what(), ::testing::StartsWith("GET /api/v1/namespaces/ns/pods/p: no answer "
                                                "within 500ms ("));
  }
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_GE(elapsed, 400ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_EQ(server.requestCount(), 1u);  // a timeout is not retried
}

TEST(RestClientTest, RawCallsReachAnyPath) {
  FakeServer server([](const FakeRequest& r) {
    if (r.path == "/version") return FakeResponse::json(200, {{"gitVersion", "v1.30.0"}});
    return FakeResponse::statusError(404, "NotFound", "no");
  });
  RestClient client(configFor(server), fastOptions());
  EXPECT_EQ(client.call({"GET", "/version", {}, std::nullopt})["gitVersion"], "v1.30.0");
  auto raw = client.send({"GET", "/nope", {}, std::nullopt});
  EXPECT_EQ(raw.status, 404);
  EXPECT_THAT(raw.body, HasSubstr("NotFound"));
}

TEST(RestClientTest, RejectsUnusableConfiguration) {
  ClientConfig config;
  config.server = "ftp://example";
  EXPECT_THROW(RestClient(config, fastOptions()), ConfigError);
  config.server = "https://127.0.0.1:1";
  config.caPem = "not a certificate";
  EXPECT_THROW(RestClient(config, fastOptions()), ConfigError);
}

}  // namespace
}  // namespace rg::kube
