// The operator's cluster cache against the in-process API server: what a reconcile reads
// (the target Deployment with its ReplicaSets and Pods, the namespace's Secret and ConfigMap
// key names, never their values), which gates a change enqueues, and the namespaces it covers.
#include "operator/cluster_cache.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "reconcilers/spec/packed_text.hpp"
#include "tests/informer/wire_support.hpp"
#include "tests/operator/operator_run.hpp"

namespace rg {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

json meta(const std::string& ns, const std::string& name, json extra = json::object()) {
  json m = {{"name", name}, {"namespace", ns}};
  m.update(extra);
  return m;
}

json ownedBy(const std::string& kind, const std::string& name) {
  return {{"ownerReferences", json::array({{{"apiVersion", "apps/v1"},
                                            {"kind", kind},
                                            {"name", name},
                                            {"uid", name + "-uid"},
                                            {"controller", true}}})}};
}

json gate(const std::string& ns, const std::string& name, const std::string& target,
          const std::string& requiredSecret) {
  return {
      {"apiVersion", "gates.readiness.dev/v1alpha1"},
      {"kind", "ReadinessGate"},
      {"metadata", meta(ns, name)},
      {"spec",
       {{"targetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", target}}},
        {"checks", json::array({{{"name", "secrets"},
                                 {"secrets",
                                  {{"required", json::array({{{"name", requiredSecret}}})}}}}})}}}};
}

json deployment(const std::string& ns, const std::string& name) {
  json container = {{"name", "app"},
                    {"image", "app:1"},
                    {"envFrom", json::array({{{"configMapRef", {{"name", "settings"}}}}})}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", meta(ns, name)},
          {"spec",
           {{"replicas", 1},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}}},
              {"spec", {{"containers", json::array({container})}}}}}}}};
}

class ClusterCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::applyFile(server_, "crds/readinessgates.gates.readiness.dev.yaml");
    for (const char* ns : {"team-a", "team-b"}) {
      server_.create({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
    }
  }
  void TearDown() override {
    if (cache_) cache_->stop();
    cache_.reset();
    client_.reset();
  }

  // `statusSeen`: set as ClusterCache::onGateStatusSeen before the start.
  ClusterCache& start(std::vector<std::string> namespaces,
                      ClusterCache::GateStatusSeen statusSeen = {}) {
    client_ = testing::clientFor(server_);
    kube::InformerOptions options;
    options.initialBackoff = 10ms;
    cache_ = std::make_unique<ClusterCache>(
        *client_, std::move(namespaces),
        [this](const std::string& key) {
          std::lock_guard lock(mu_);
          enqueued_.push_back(key);
        },
        options);
    if (statusSeen) cache_->onGateStatusSeen(std::move(statusSeen));
    cache_->start();
    EXPECT_TRUE(cache_->waitForSync(5s));
    return *cache_;
  }
  std::vector<std::string> enqueued() {
    std::lock_guard lock(mu_);
    return enqueued_;
  }
  void clearEnqueued() {
    std::lock_guard lock(mu_);
    enqueued_.clear();
  }
  // Waits until `key` is enqueued after the last clearEnqueued().
  bool enqueuedSoon(const std::string& key) {
    return testing::eventually([&] {
      auto keys = enqueued();
      return std::find(keys.begin(), keys.end(), key) != keys.end();
    });
  }

  testing::ApiServer server_;
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<ClusterCache> cache_;
  std::mutex mu_;
  std::vector<std::string> enqueued_;
};

TEST_F(ClusterCacheTest, WorkloadHoldsTheTargetWhatItOwnsAndKeyNamesOnly) {
  server_.create(gate("team-a", "web-gate", "web", "db-creds"));
  server_.create(deployment("team-a", "web"));
  server_.create({{"apiVersion", "apps/v1"},
                  {"kind", "ReplicaSet"},
                  {"metadata", meta("team-a", "web-1", ownedBy("Deployment", "web"))},
                  {"spec", {{"replicas", 1}, {"selector", {{"matchLabels", {{"app", "web"}}}}}}}});
  server_.create(
      {{"apiVersion", "v1"},
       {"kind", "Pod"},
       {"metadata", meta("team-a", "web-1-x", ownedBy("ReplicaSet", "web-1"))},
       {"spec", {{"containers", json::array({{{"name", "app"}, {"image", "app:1"}}})}}}});
  server_.create({{"apiVersion", "apps/v1"},
                  {"kind", "ReplicaSet"},
                  {"metadata", meta("team-a", "other-1", ownedBy("Deployment", "other"))}});
  server_.create({{"apiVersion", "v1"},
                  {"kind", "Secret"},
                  {"metadata", meta("team-a", "db-creds")},
                  {"data", {{"password", "c2VjcmV0LXZhbHVlLXg="}}}});
  server_.create({{"apiVersion", "v1"},
                  {"kind", "Secret"},
                  {"metadata", meta("team-b", "other-team-creds")},
                  {"data", {{"token", "dG9rZW4="}}}});
  server_.create({{"apiVersion", "v1"},
                  {"kind", "ConfigMap"},
                  {"metadata", meta("team-a", "settings")},
                  {"data", {{"LOG_LEVEL", "plain-config-value"}}},
                  {"binaryData", {{"blob", "YmluYXJ5LWNvbmZpZw=="}}}});
  auto& cache = start({});

  auto workload = cache.workload("team-a", "web");
  ASSERT_TRUE(workload.has_value());
  EXPECT_EQ(workload->deployment.get()["metadata"]["name"], "web");
  ASSERT_EQ(workload->replicaSets.size(), 1u);
  EXPECT_EQ(workload->replicaSets[0]["metadata"]["name"], "web-1");
  ASSERT_EQ(workload->pods.size(), 1u);
  EXPECT_EQ(workload->pods[0]["metadata"]["name"], "web-1-x");
  // A reconcile reads the cache's snapshots: shares, not copies.
  EXPECT_EQ(workload->deployment.share(), cache.deployment("team-a", "web"));
  EXPECT_EQ(workload->pods.share(0), cache.podsOf("team-a", "web").at(0));
  ASSERT_NE(workload->secrets.find("db-creds"), nullptr);
  EXPECT_THAT(workload->secrets.find("db-creds")->keys, ElementsAre("password"));
  ASSERT_NE(workload->configMaps.find("settings"), nullptr);
  EXPECT_THAT(workload->configMaps.find("settings")->keys,
              UnorderedElementsAre("LOG_LEVEL", "blob"));
  // Only the workload's own namespace is looked in.
  EXPECT_EQ(workload->secrets.find("other-team-creds"), nullptr);
  EXPECT_FALSE(cache.workload("team-a", "missing").has_value());
  EXPECT_EQ(cache.podsOf("team-a", "web").size(), 1u);
}

TEST_F(ClusterCacheTest, CacheKeepsOnlyWhatIsReadOfEachKindAndGatesWithSpecAndStatusAsText) {
  json withExtras = gate("team-a", "web-gate", "web", "db-creds");
  withExtras["metadata"]["annotations"] = {{"team.example.com/owner", "web"}};
  withExtras["status"] = {{"phase", "Passing"}, {"observedGeneration", 1}};
  json storedGate = server_.create(withExtras);
  json target = deployment("team-a", "web");
  target["metadata"]["annotations"] = {{"deployment.kubernetes.io/revision", "1"},
                                       {"team.example.com/owner", "web"}};
  target["metadata"]["labels"] = {{"app", "web"}};
  const json storedTarget = server_.create(target);
  server_.create({{"apiVersion", "apps/v1"},
                  {"kind", "ReplicaSet"},
                  {"metadata", meta("team-a", "web-1", ownedBy("Deployment", "web"))},
                  {"spec", {{"replicas", 1}, {"selector", {{"matchLabels", {{"app", "web"}}}}}}},
                  {"status", {{"replicas", 1}}}});
  json podMeta = meta("team-a", "web-1-x", ownedBy("ReplicaSet", "web-1"));
  podMeta["labels"] = {{"app", "web"}, {"pod-template-hash", "1"}};
  server_.create({{"apiVersion", "v1"},
                  {"kind", "Pod"},
                  {"metadata", podMeta},
                  {"spec",
                   {{"nodeName", "node-a"},
                    {"containers", json::array({{{"name", "app"}, {"image", "app:1"}}})}}},
                  {"status", {{"phase", "Running"}, {"podIP", "10.0.0.1"}}}});
  auto& cache = start({});

  auto workload = cache.workload("team-a", "web");
  ASSERT_TRUE(workload.has_value());
  const json& cached = workload->deployment;
  EXPECT_EQ(cached["metadata"]["annotations"], json({{"deployment.kubernetes.io/revision", "1"}}));
  EXPECT_FALSE(cached["metadata"].contains("labels"));
  EXPECT_FALSE(cached["spec"].contains("selector"));
  // The template as its packed text; the checks read it parsed again.
  EXPECT_EQ(unpackText(cached["spec"]["template"]), storedTarget["spec"]["template"].dump());
  EXPECT_EQ(workload->deploymentWithTemplate()["spec"]["template"],
            storedTarget["spec"]["template"]);
  ASSERT_EQ(workload->replicaSets.size(), 1u);
  EXPECT_FALSE(workload->replicaSets[0].contains("status"));
  ASSERT_EQ(workload->pods.size(), 1u);
  EXPECT_EQ(workload->pods[0]["metadata"]["labels"], json({{"pod-template-hash", "1"}}));
  EXPECT_EQ(workload->pods[0]["spec"], json::object());
  EXPECT_EQ(workload->pods[0]["status"], json({{"phase", "Running"}}));
  // A gate stays whole but for managedFields, with its spec and status kept as packed text.
  auto cachedGate = cache.gate("team-a/web-gate");
  ASSERT_NE(cachedGate, nullptr);
  kube::stripManagedFields(storedGate);
  ASSERT_TRUE(isPackedText((*cachedGate)["status"]));
  ASSERT_TRUE(isPackedText((*cachedGate)["spec"]));
  EXPECT_EQ(json::parse(unpackText((*cachedGate)["status"]).value()), storedGate["status"]);
  EXPECT_EQ(json::parse(unpackText((*cachedGate)["spec"]).value()), storedGate["spec"]);
  json cachedRest = *cachedGate, storedRest = storedGate;
  for (json* gate : {&cachedRest, &storedRest}) {
    gate->erase("status");
    gate->erase("spec");
  }
  EXPECT_EQ(cachedRest, storedRest);
}

TEST_F(ClusterCacheTest, ChangesEnqueueTheGatesTheyConcern) {
  server_.create(gate("team-a", "web-gate", "web", "db-creds"));
  server_.create(gate("team-a", "api-gate", "api", "api-token"));
  server_.create(deployment("team-a", "web"));
  server_.create(deployment("team-a", "api"));
  start({});
  EXPECT_THAT(cache_->gatesForDeployment("team-a", "web"), ElementsAre("team-a/web-gate"));
  EXPECT_THAT(cache_->gatesForSecret("team-a", "api-token"), ElementsAre("team-a/api-gate"));
  EXPECT_THAT(cache_->gatesForConfigMap("team-a", "settings"),
              UnorderedElementsAre("team-a/web-gate", "team-a/api-gate"));

  clearEnqueued();
  server_.create({{"apiVersion", "v1"},
                  {"kind", "Secret"},
                  {"metadata", meta("team-a", "db-creds")},
                  {"data", {{"password", "eA=="}}}});
  ASSERT_TRUE(enqueuedSoon("team-a/web-gate"));
  EXPECT_THAT(enqueued(), ::testing::Each("team-a/web-gate"));

  clearEnqueued();
  server_.mutate("apps/v1", "Deployment", "team-a", "api",
                 [](json& d) { d["spec"]["replicas"] = 3; });
  ASSERT_TRUE(enqueuedSoon("team-a/api-gate"));
  EXPECT_THAT(enqueued(), ::testing::Each("team-a/api-gate"));

  // A gate's own status write does not enqueue it again; a spec change does. Events of one
  // informer arrive in order, so once api-gate's change is seen, web-gate's was filtered.
  clearEnqueued();
  server_.mutate("gates.readiness.dev/v1alpha1", "ReadinessGate", "team-a", "web-gate",
                 [](json& g) {
                   g["status"] = {{"phase", "Passing"}};
                 });
  server_.mutate("gates.readiness.dev/v1alpha1", "ReadinessGate", "team-a", "api-gate",
                 [](json& g) { g["spec"]["interval"] = "1m"; });
  ASSERT_TRUE(enqueuedSoon("team-a/api-gate"));
  EXPECT_THAT(enqueued(), ::testing::Each("team-a/api-gate"));
}

// A gate's status write, seen by the watch, is reported (the reconciler drops what it kept of
// the write) and enqueues nothing.
TEST_F(ClusterCacheTest, AStatusChangeAloneIsReportedWithItsVersion) {
  server_.create(gate("team-a", "web-gate", "web", "db-creds"));
  std::mutex mu;
  std::vector<std::string> seen;
  start({}, [&](const std::string& key, const std::string& rv) {
    std::lock_guard lock(mu);
    seen.push_back(key + "@" + rv);
  });
  clearEnqueued();
  server_.mutate("gates.readiness.dev/v1alpha1", "ReadinessGate", "team-a", "web-gate",
                 [](json& g) {
                   g["status"] = {{"phase", "Passing"}};
                 });
  const std::string rv = kube::objectResourceVersion(
      *server_.get("gates.readiness.dev/v1alpha1", "ReadinessGate", "team-a", "web-gate"));
  ASSERT_TRUE(testing::eventually([&] {
    std::lock_guard lock(mu);
    return !seen.empty();
  }));
  {
    std::lock_guard lock(mu);
    EXPECT_THAT(seen, ElementsAre("team-a/web-gate@" + rv));
  }
  EXPECT_THAT(enqueued(), ::testing::IsEmpty());
}

TEST_F(ClusterCacheTest, NamespacesLimitWhatIsCached) {
  server_.create(gate("team-a", "web-gate", "web", "db-creds"));
  server_.create(gate("team-b", "web-gate", "web", "db-creds"));
  server_.create(deployment("team-a", "web"));
  server_.create(deployment("team-b", "web"));
  auto& cache = start({"team-a"});
  ASSERT_EQ(cache.gates().size(), 1u);
  EXPECT_EQ(kube::objectKey(*cache.gates()[0]), "team-a/web-gate");
  EXPECT_EQ(cache.gate("team-b/web-gate"), nullptr);
  EXPECT_TRUE(cache.workload("team-a", "web").has_value());
  EXPECT_FALSE(cache.workload("team-b", "web").has_value());
}

}  // namespace
}  // namespace rg
