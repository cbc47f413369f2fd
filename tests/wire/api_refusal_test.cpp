// Refused API requests (401, 403) are logged at error level with the verb, resource, namespace
// and name that were refused, whoever made them, and every error answer is counted by verb,
// group, resource and code (readinessgate_api_errors_total). Also: reading a request's
// verb/resource/namespace/name from its method and path.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/request_info.hpp"
#include "kube/rest_client.hpp"
#include "tests/support/api_server.hpp"
#include "tests/support/log_capture.hpp"
#include "tests/wire/client_helpers.hpp"

namespace rg::kube {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const ResourceRef kGates{"gates.readiness.dev", "v1alpha1", "readinessgates", true};

TEST(RequestInfo, NamesWhatARequestDoes) {
  auto lease = requestInfo("GET", "/apis/coordination.k8s.io/v1/namespaces/ops/leases/rg");
  EXPECT_TRUE(lease.isResource);
  EXPECT_EQ(lease.verb, "get");
  EXPECT_EQ(lease.group, "coordination.k8s.io");
  EXPECT_EQ(lease.resource, "leases");
  EXPECT_EQ(lease.ns, "ops");
  EXPECT_EQ(lease.name, "rg");
  EXPECT_EQ(lease.describe(), "get leases.coordination.k8s.io \"rg\" in namespace \"ops\"");

  auto podStatus = requestInfo("PATCH", "/api/v1/namespaces/shop/pods/web-1/status");
  EXPECT_EQ(podStatus.verb, "patch");
  EXPECT_EQ(podStatus.group, "");
  EXPECT_EQ(podStatus.resource, "pods/status");
  EXPECT_EQ(podStatus.describe(), "patch pods/status \"web-1\" in namespace \"shop\"");

  auto gateStatus = requestInfo(
      "PUT", "/apis/gates.readiness.dev/v1alpha1/namespaces/shop/readinessgates/g/status");
  EXPECT_EQ(gateStatus.verb, "update");
  EXPECT_EQ(gateStatus.describe(),
            "update readinessgates.gates.readiness.dev/status \"g\" in namespace \"shop\"");

  EXPECT_EQ(requestInfo("GET", "/apis/apps/v1/deployments", "limit=500").verb, "list");
  auto watch = requestInfo("GET", "/apis/apps/v1/namespaces/shop/deployments",
                           "allowWatchBookmarks=true&watch=true");
  EXPECT_EQ(watch.verb, "watch");
  EXPECT_EQ(watch.describe(), "watch deployments.apps in namespace \"shop\"");
  EXPECT_EQ(requestInfo("GET", "/api/v1/secrets").describe(), "list secrets (cluster-wide)");
  EXPECT_EQ(requestInfo("POST", "/api/v1/namespaces/shop/events").verb, "create");
  EXPECT_EQ(requestInfo("DELETE", "/api/v1/namespaces/shop/pods").verb, "deletecollection");
  EXPECT_EQ(requestInfo("DELETE", "/api/v1/namespaces/shop").describe(),
            "delete namespaces \"shop\"");

  auto version = requestInfo("GET", "/version");
  EXPECT_FALSE(version.isResource);
  EXPECT_EQ(version.describe(), "get /version");
  EXPECT_FALSE(requestInfo("GET", "/apis/gates.readiness.dev/v1alpha1").isResource);
}

class ApiRefusalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kube::ClientConfig config;
    config.server = server_.url();
    config.source = "test";
    client_ = std::make_unique<RestClient>(config, wire::fastOptions());
  }

  // Answers the next `count` requests whose method and path match with 403, as RBAC does.
  void forbid(const std::string& method, const std::string& pathContains, int count = 1) {
    rg::testing::FaultRule rule;
    rule.count = count;
    rule.code = 403;
    rule.method = method;
    rule.pathContains = pathContains;
    rule.message = "refused by the test's RBAC";
    server_.failNext(rule);
  }

  size_t refusedLines(const std::string& what) const {
    return logs_.count(spdlog::level::err, {"API request refused: " + what + ": 403 Forbidden",
                                            "refused by the test's RBAC"});
  }

  rg::testing::ApiServer server_;
  std::unique_ptr<RestClient> client_;
  rg::testing::LogCapture logs_;
};

TEST_F(ApiRefusalTest, EachRefusedRequestIsLoggedAtErrorLevelAndCounted) {
  forbid("GET", "/leases/rg");
  EXPECT_THROW(client_->get(resources::kLeases, "ops", "rg"), ApiError);
  EXPECT_EQ(refusedLines("get leases.coordination.k8s.io \"rg\" in namespace \"ops\""), 1u)
      << logs_.dump();

  forbid("GET", "watch=true");
  EXPECT_THROW(client_->watch(resources::kDeployments, "shop"), ApiError);
  EXPECT_EQ(refusedLines("watch deployments.apps in namespace \"shop\""), 1u) << logs_.dump();

  forbid("GET", "/secrets");
  EXPECT_THROW(client_->list(resources::kSecrets, ""), ApiError);
  EXPECT_EQ(refusedLines("list secrets (cluster-wide)"), 1u) << logs_.dump();

  forbid("PUT", "/readinessgates/g/status");
  json gate = {{"apiVersion", "gates.readiness.dev/v1alpha1"},
               {"kind", "ReadinessGate"},
               {"metadata", {{"name", "g"}, {"namespace", "shop"}, {"resourceVersion", "1"}}},
               {"status", {{"phase", "Passing"}}}};
  EXPECT_THROW(client_->updateStatus(kGates, gate), ApiError);
  EXPECT_EQ(
      refusedLines("update readinessgates.gates.readiness.dev/status \"g\" in namespace \"shop\""),
      1u)
      << logs_.dump();

  forbid("PATCH", "/deployments/web");
  EXPECT_THROW(client_->patch(resources::kDeployments, "shop", "web", PatchType::Merge,
                              {{"spec", {{"paused", true}}}}),
               ApiError);
  EXPECT_EQ(refusedLines("patch deployments.apps \"web\" in namespace \"shop\""), 1u)
      << logs_.dump();

  forbid("PATCH", "/pods/web-1/status");
  EXPECT_THROW(client_->patchStatus(resources::kPods, "shop", "web-1", PatchType::StrategicMerge,
                                    {{"status", json::object()}}),
               ApiError);
  EXPECT_EQ(refusedLines("patch pods/status \"web-1\" in namespace \"shop\""), 1u) << logs_.dump();

  forbid("POST", "/events");
  json event = {{"metadata", {{"generateName", "g."}, {"namespace", "shop"}}}};
  EXPECT_THROW(client_->create(resources::kEvents, "shop", event), ApiError);
  EXPECT_EQ(refusedLines("create events in namespace \"shop\""), 1u) << logs_.dump();

  const RequestCounts counts = client_->requestCounts();
  EXPECT_EQ(counts.apiErrorCount("get", "coordination.k8s.io", "leases", "403"), 1u);
  EXPECT_EQ(counts.apiErrorCount("watch", "apps", "deployments", "403"), 1u);
  EXPECT_EQ(counts.apiErrorCount("list", "", "secrets", "403"), 1u);
  EXPECT_EQ(counts.apiErrorCount("update", "gates.readiness.dev", "readinessgates/status", "403"),
            1u);
  EXPECT_EQ(counts.apiErrorCount("patch", "apps", "deployments", "403"), 1u);
  EXPECT_EQ(counts.apiErrorCount("patch", "", "pods/status", "403"), 1u);
  EXPECT_EQ(counts.apiErrorCount("create", "", "events", "403"), 1u);
}

TEST_F(ApiRefusalTest, OtherErrorsAreCountedButNotLoggedAsRefusals) {
  // A Lease that does not exist yet is the leader election's normal start: no error line.
  EXPECT_THROW(client_->get(resources::kLeases, "ops", "absent"), NotFoundError);
  rg::testing::FaultRule unauthorized;
  unauthorized.code = 401;
  unauthorized.pathContains = "/configmaps";
  server_.failNext(unauthorized);
  EXPECT_THROW(client_->list(resources::kConfigMaps, "ops"), ApiError);

  const RequestCounts counts = client_->requestCounts();
  EXPECT_EQ(counts.apiErrorCount("get", "coordination.k8s.io", "leases", "404"), 1u);
  EXPECT_EQ(counts.apiErrorCount("list", "", "configmaps", "401"), 1u);
  EXPECT_EQ(logs_.count(spdlog::level::err, {"leases"}), 0u) << logs_.dump();
  EXPECT_EQ(logs_.count(spdlog::level::err,
                        {"API request refused: list configmaps in namespace \"ops\": 401"}),
            1u)
      << logs_.dump();
}

}  // namespace
}  // namespace rg::kube
