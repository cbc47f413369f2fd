// GateReconciler against a cache and a cluster held in memory: the decisions around actions and
// status writes, without a server. Each reconcile is followed by what the informers would show
// (catchUp) only when a test says so, to test the windows where the cache is behind.
#include "reconcilers/gate_reconciler.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "reconcilers/providers/fake_provider.hpp"
#include "reconcilers/providers/runtime_check_pool.hpp"
#include "reconcilers/spec/stored_gate.hpp"

namespace rg {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kKey = "shop/api";

json gateObject(const std::string& onFailure, int failureLimit = 1) {
  return {{"apiVersion", "gates.readiness.dev/v1alpha1"},
          {"kind", "ReadinessGate"},
          {"metadata",
           {{"name", "api"},
            {"namespace", "shop"},
            {"uid", "gate-uid"},
            {"generation", 1},
            {"resourceVersion", "1"}}},
          {"spec",
           {{"targetRef", {{"name", "api"}}},
            {"interval", "10s"},
            {"onFailure", onFailure},
            {"checks",
             json::array({{{"name", "error-rate"},
                           {"prometheus", {{"address", "http://prom:9090"}, {"query", "errors"}}},
                           {"failureLimit", failureLimit},
                           {"threshold", {{"max", 0.1}}}}})}}}};
}

json podTemplate() {
  return {{"metadata", {{"labels", {{"app", "api"}}}}},
          {"spec", {{"containers", json::array({{{"name", "api"}, {"image", "api:1"}}})}}}};
}

json deploymentObject() {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata",
           {{"name", "api"},
            {"namespace", "shop"},
            {"uid", "dep-uid"},
            {"generation", 1},
            {"annotations", {{"deployment.kubernetes.io/revision", "1"}}}}},
          {"spec", {{"replicas", 2}, {"template", podTemplate()}}},
          {"status", {{"observedGeneration", 1}, {"replicas", 2}, {"availableReplicas", 2}}}};
}

json replicaSetObject() {
  json rsTemplate = podTemplate();
  rsTemplate["metadata"]["labels"]["pod-template-hash"] = "aaa";
  return {{"apiVersion", "apps/v1"},
          {"kind", "ReplicaSet"},
          {"metadata",
           {{"name", "api-aaa"},
            {"namespace", "shop"},
            {"labels", {{"app", "api"}, {"pod-template-hash", "aaa"}}},
            {"annotations", {{"deployment.kubernetes.io/revision", "1"}}},
            {"ownerReferences", json::array({{{"apiVersion", "apps/v1"},
                                              {"kind", "Deployment"},
                                              {"name", "api"},
                                              {"uid", "dep-uid"},
                                              {"controller", true}}})}}},
          {"spec", {{"replicas", 2}, {"template", rsTemplate}}}};
}

// The informer cache: what the reconciler reads.
class MemoryCache final : public GateCacheReader {
 public:
  json gateJson;
  json deploymentJson;
  json replicaSetJson;
  // When set, the gate's snapshot, returned as is (an informer's store hands out the same snapshot
  // until the object changes); otherwise a new snapshot of gateJson on every read.
  kube::ObjectPtr gateSnapshot;

  kube::ObjectPtr gate(const std::string& key) const override {
    if (key == kKey && gateSnapshot) return gateSnapshot;
    if (key != kKey || gateJson.is_null()) return nullptr;
    return std::make_shared<const json>(gateJson);
  }
  kube::ObjectPtr deployment(const std::string&, const std::string& name) const override {
    if (name != "api" || deploymentJson.is_null()) return nullptr;
    return std::make_shared<const json>(deploymentJson);
  }
  std::optional<Workload> workload(const std::string&, const std::string& name) const override {
    if (name != "api" || deploymentJson.is_null()) return std::nullopt;
    Workload w;
    w.deployment = deploymentJson;
    w.replicaSets = {replicaSetJson};
    return w;
  }
  std::vector<kube::ObjectPtr> podsOf(const std::string&, const std::string&) const override {
    return {};
  }
};

// The API server: applies what the reconciler writes, and can refuse status writes.
class MemoryCluster final : public GateClusterWriter {
 public:
  json gate;
  json deployment;
  std::vector<json> deploymentPatches;
  std::vector<json> statusWrites;
  std::vector<json> statusBodies;
  std::vector<std::string> eventReasons;
  int refuseStatusWrites = 0;

  json patchDeployment(const std::string&, const std::string&, kube::PatchType,
                       const json& patch) override {
    deploymentPatches.push_back(patch);
    deployment.merge_patch(patch);
    if (patch.contains("spec"))
      deployment["metadata"]["generation"] = deployment["metadata"]["generation"].get<int>() + 1;
    return deployment;
  }
  void patchPodStatus(const std::string&, const std::string&, const json&) override {}
  json updateGateStatus(const json& body) override {
    if (refuseStatusWrites > 0) {
      --refuseStatusWrites;
      throw std::runtime_error("Operation cannot be fulfilled: the object has been modified");
    }
    statusBodies.push_back(body);
    statusWrites.push_back(body["status"]);
    gate["status"] = body["status"];
    gate["metadata"]["resourceVersion"] =
        std::to_string(std::stoi(gate["metadata"]["resourceVersion"].get<std::string>()) + 1);
    return gate;
  }
  void recordEvent(const kube::ObjectReference&, kube::EventType, const std::string& reason,
                   const std::string&) override {
    eventReasons.push_back(reason);
  }
};

class GateReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override { setup("Pause"); }
  void setup(const std::string& onFailure, int failureLimit = 1) {
    cluster_.gate = gateObject(onFailure, failureLimit);
    cluster_.deployment = deploymentObject();
    cache_.replicaSetJson = replicaSetObject();
    catchUp();
    errorRate(0.01);
  }
  void errorRate(double value) {
    provider_.setPrometheus("errors", providers::PromQueryResult::of(value));
  }
  // The informers deliver what the API server holds.
  void catchUp() {
    cache_.gateJson = cluster_.gate;
    catchUpDeployment();
  }
  void catchUpDeployment() { cache_.deploymentJson = cluster_.deployment; }
  kube::WorkResult reconcile(std::chrono::seconds advance = 0s) {
    now_ += advance;
    return reconciler_.reconcile(kKey);
  }
  size_t prometheusCalls() const { return provider_.prometheusCalls().size(); }

  MemoryCache cache_;
  MemoryCluster cluster_;
  providers::FakeProvider provider_;
  // No threads: runtime calls run inside reconcile(), so each test's reconcile is one round.
  providers::RuntimeCheckPool runtime_{provider_, {0, 0}, {}};
  Time now_ = std::chrono::system_clock::from_time_t(1'800'000'000);
  GateReconciler reconciler_{{&cache_, &cluster_, &runtime_, nullptr, [this] { return now_; }}};
};

// The gates the runtime check pool reported as answered.
struct AnsweredGates {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> keys;
  void operator()(const std::string& key) {
    {
      std::lock_guard lock(mu);
      keys.push_back(key);
    }
    cv.notify_all();
  }
  bool waitForOne() {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 5s, [&] { return !keys.empty(); });
  }
};

TEST_F(GateReconcilerTest, AnUnansweredRuntimeCheckGivesTheWorkerBackAndActsOnlyOnItsAnswer) {
  errorRate(0.5);
  AnsweredGates answered;
  providers::RuntimeCheckPool pool(provider_, {1, 0, 20ms},
                                   [&answered](const std::string& key) { answered(key); });
  GateReconciler reconciler({&cache_, &cluster_, &pool, nullptr, [this] { return now_; }});
  provider_.hold();  // the query hangs

  auto first = reconciler.reconcile(kKey);
  EXPECT_FALSE(first.error);
  EXPECT_EQ(first.requeueAfter, std::chrono::nanoseconds(10s));  // a backstop: one interval
  EXPECT_TRUE(cluster_.deploymentPatches.empty());
  EXPECT_TRUE(cluster_.statusWrites.empty());
  EXPECT_TRUE(cluster_.eventReasons.empty());

  provider_.release();
  ASSERT_TRUE(answered.waitForOne());
  EXPECT_THAT(answered.keys, ::testing::ElementsAre(kKey));
  EXPECT_FALSE(reconciler.reconcile(kKey).error);
  EXPECT_EQ(cluster_.deploymentPatches.size(), 1u);  // the answer (0.5 > 0.1) pauses
  ASSERT_EQ(cluster_.statusWrites.size(), 1u);
  EXPECT_EQ(cluster_.statusWrites[0]["lastAction"]["type"], "Pause");
  EXPECT_EQ(provider_.prometheusCalls().size(), 1u);  // the round used the call it waited for
}

TEST_F(GateReconcilerTest, RuntimeAnswersWithinTheWaitCompleteTheRoundInOneReconcile) {
  errorRate(0.5);
  providers::RuntimeCheckPool pool(provider_, {1, 0, 5000ms}, {});
  GateReconciler reconciler({&cache_, &cluster_, &pool, nullptr, [this] { return now_; }});
  EXPECT_FALSE(reconciler.reconcile(kKey).error);
  EXPECT_EQ(cluster_.deploymentPatches.size(), 1u);
  EXPECT_EQ(cluster_.statusWrites.size(), 1u);
  EXPECT_EQ(provider_.prometheusCalls().size(), 1u);
}

TEST_F(GateReconcilerTest, ActsOnceWhileTheCacheStillShowsTheTargetAsBeforeTheAction) {
  errorRate(0.5);
  EXPECT_FALSE(reconcile().error);
  ASSERT_EQ(cluster_.deploymentPatches.size(), 1u);
  EXPECT_EQ(cluster_.deploymentPatches[0]["spec"]["paused"], true);
  ASSERT_EQ(cluster_.statusWrites.size(), 1u);
  EXPECT_EQ(cluster_.statusWrites[0]["lastAction"]["type"], "Pause");

  // The watch events are not in yet: the cache shows the unpaused Deployment and the old
  // status. Acting on it would pause a second time.
  auto waiting = reconcile(1s);
  EXPECT_FALSE(waiting.error);
  EXPECT_TRUE(waiting.requeueAfter);
  EXPECT_EQ(cluster_.deploymentPatches.size(), 1u);
  EXPECT_EQ(cluster_.statusWrites.size(), 1u);

  catchUp();
  EXPECT_FALSE(reconcile(10s).error);
  EXPECT_EQ(cluster_.deploymentPatches.size(), 1u) << "paused already, by this gate";
  EXPECT_EQ(cache_.deploymentJson["spec"]["paused"], true);
}

TEST_F(GateReconcilerTest, AFailedStatusWriteKeepsTheRecordOfTheActionForTheRetry) {
  errorRate(0.5);
  cluster_.refuseStatusWrites = 1;
  auto failed = reconcile();
  ASSERT_TRUE(failed.error);
  EXPECT_THAT(*failed.error, ::testing::HasSubstr("has been modified"));
  ASSERT_EQ(cluster_.deploymentPatches.size(), 1u);
  EXPECT_TRUE(cluster_.statusWrites.empty());
  EXPECT_TRUE(cluster_.eventReasons.empty()) << "Events follow the status that records them";

  // The Deployment's change arrives; the gate's status never changed on the server.
  catchUp();
  EXPECT_FALSE(reconcile(1s).error);
  EXPECT_EQ(cluster_.deploymentPatches.size(), 1u) << "the action is not repeated";
  ASSERT_EQ(cluster_.statusWrites.size(), 1u);
  EXPECT_EQ(cluster_.statusWrites[0]["lastAction"]["type"], "Pause");
  EXPECT_EQ(cluster_.statusWrites[0]["phase"], "Paused");
  EXPECT_THAT(cluster_.eventReasons, ::testing::Contains("RolloutPaused"));
}

TEST_F(GateReconcilerTest, SteadyRoundsRunTheChecksButWriteOnlyWithTheHeartbeat) {
  EXPECT_FALSE(reconcile().error);
  ASSERT_EQ(cluster_.statusWrites.size(), 1u);
  const json first = cluster_.statusWrites[0];
  catchUp();
  for (int round = 1; round <= 4; ++round) {
    errorRate(0.01 + round * 0.001);  // drifts below the threshold
    auto result = reconcile(10s);
    EXPECT_FALSE(result.error);
    // The next round is an interval after this one, not after lastEvaluationTime.
    ASSERT_TRUE(result.requeueAfter);
    EXPECT_EQ(*result.requeueAfter, 10s);
  }
  EXPECT_EQ(prometheusCalls(), 5u);
  EXPECT_EQ(cluster_.statusWrites.size(), 1u) << "nothing a user acts on changed";
  // Between rounds: no check runs.
  EXPECT_FALSE(reconcile(3s).error);
  EXPECT_EQ(prometheusCalls(), 5u);

  now_ += 5min;
  EXPECT_FALSE(reconcile().error);
  ASSERT_EQ(cluster_.statusWrites.size(), 2u) << "the heartbeat";
  EXPECT_NE(cluster_.statusWrites[1]["lastEvaluationTime"], first["lastEvaluationTime"]);
  EXPECT_EQ(cluster_.statusWrites[1]["checks"][0]["value"], "0.014");
}

TEST_F(GateReconcilerTest, AFailingRoundIsWrittenAtOnce) {
  setup("Report");
  EXPECT_FALSE(reconcile().error);
  catchUp();
  EXPECT_FALSE(reconcile(10s).error);
  ASSERT_EQ(cluster_.statusWrites.size(), 1u);
  errorRate(0.5);
  EXPECT_FALSE(reconcile(10s).error);
  ASSERT_EQ(cluster_.statusWrites.size(), 2u);
  EXPECT_EQ(cluster_.statusWrites[1]["checks"][0]["result"], "Failed");
  EXPECT_EQ(cluster_.statusWrites[1]["phase"], "Failing");
  EXPECT_TRUE(cluster_.deploymentPatches.empty()) << "Report only reports";
}

TEST_F(GateReconcilerTest, APauseIsNotUndoneWhileTheCacheStillShowsTheStatusBeforeIt) {
  setup("Pause", 2);
  errorRate(0.5);
  EXPECT_FALSE(reconcile().error);  // first failure of two
  catchUp();
  EXPECT_FALSE(reconcile(10s).error);
  ASSERT_EQ(cluster_.deploymentPatches.size(), 1u);
  EXPECT_EQ(cluster_.deploymentPatches[0]["spec"]["paused"], true);
  EXPECT_EQ(cluster_.gate["status"]["checks"][0]["consecutiveFailures"], 2);

  // The pause's watch event wakes the gate before its own status write is in the cache, which
  // still shows one failure of two: not failing yet, by that copy.
  catchUpDeployment();
  EXPECT_FALSE(reconcile().error);
  EXPECT_EQ(cluster_.deploymentPatches.size(), 1u) << "the rollout is not resumed";
  EXPECT_EQ(cluster_.deployment["spec"]["paused"], true);
  EXPECT_EQ(cluster_.statusWrites.size(), 2u) << "nothing new to write";

  // Once the cache shows the write, it is read from the cache again.
  catchUp();
  EXPECT_FALSE(reconcile(10s).error);
  EXPECT_EQ(cluster_.deploymentPatches.size(), 1u);
  errorRate(0.01);
  EXPECT_FALSE(reconcile(10s).error);
  ASSERT_EQ(cluster_.deploymentPatches.size(), 2u);
  EXPECT_EQ(cluster_.deploymentPatches[1]["spec"]["paused"], false) << "resumed once it passes";
}

// The cache's watch reports a status change alone (the write coming back) without enqueueing the
// gate: the write is dropped then, not kept until the gate's next round.
TEST_F(GateReconcilerTest, AWriteTheWatchHasDeliveredIsNoLongerKept) {
  EXPECT_FALSE(reconcile().error);
  ASSERT_EQ(cluster_.statusWrites.size(), 1u);
  EXPECT_EQ(reconciler_.unconfirmedWrites(), 1u);
  const std::string written = cluster_.gate["metadata"]["resourceVersion"];
  reconciler_.statusSeen(kKey, written + "0");  // another version: not this write
  reconciler_.statusSeen("shop/other", written);
  EXPECT_EQ(reconciler_.unconfirmedWrites(), 1u);
  reconciler_.statusSeen(kKey, written);
  EXPECT_EQ(reconciler_.unconfirmedWrites(), 0u);
}

TEST_F(GateReconcilerTest, AChangeByAnotherWriterReplacesTheRememberedWrite) {
  EXPECT_FALSE(reconcile().error);
  ASSERT_EQ(cluster_.statusWrites.size(), 1u);
  // Someone else changed the gate after our write (a new spec): the cache shows that version,
  // which is neither ours nor one ours replaced.
  cluster_.gate["metadata"]["resourceVersion"] = "7";
  cluster_.gate["metadata"]["generation"] = 2;
  cluster_.gate["spec"]["interval"] = "20s";
  catchUp();
  auto result = reconcile(10s);
  EXPECT_FALSE(result.error);
  ASSERT_EQ(cluster_.statusWrites.size(), 2u);
  EXPECT_EQ(cluster_.statusWrites[1]["observedGeneration"], 2);
}

TEST_F(GateReconcilerTest, AGateIsJudgedByItsCurrentSnapshotAfterRoundsOnTheSameOne) {
  errorRate(0.05);
  cache_.gateSnapshot = std::make_shared<const json>(cluster_.gate);
  EXPECT_FALSE(reconcile().error);
  EXPECT_FALSE(reconcile(10s).error);  // the same snapshot again
  EXPECT_TRUE(cluster_.deploymentPatches.empty());

  // A changed spec is a new snapshot: the stricter threshold applies at once.
  json stricter = cluster_.gate;
  stricter["spec"]["checks"][0]["threshold"]["max"] = 0.01;
  cache_.gateSnapshot = std::make_shared<const json>(stricter);
  EXPECT_FALSE(reconcile(10s).error);
  ASSERT_EQ(cluster_.deploymentPatches.size(), 1u);
  EXPECT_EQ(cluster_.deploymentPatches[0]["spec"]["paused"], true);
}

// The cache keeps a gate's spec and status as text; each snapshot's status is read, not an
// earlier one's.
TEST_F(GateReconcilerTest, ARoundBuildsOnTheStatusOfTheCurrentSnapshot) {
  setup("Pause", 2);
  errorRate(0.3);
  auto snapshot = [](json gate) {
    compactStoredGate(gate);
    return std::make_shared<const json>(std::move(gate));
  };
  cache_.gateSnapshot = snapshot(cluster_.gate);
  EXPECT_FALSE(reconcile().error);
  ASSERT_EQ(cluster_.statusWrites.size(), 1u);
  EXPECT_EQ(cluster_.statusWrites[0]["checks"][0]["consecutiveFailures"], 1);
  EXPECT_TRUE(cluster_.deploymentPatches.empty());
  // A status write sends the status, never the spec the cache keeps as text.
  EXPECT_FALSE(cluster_.statusBodies.at(0).contains("spec"));
  EXPECT_EQ(cluster_.statusBodies.at(0)["metadata"]["resourceVersion"], "1");

  // The informer delivers the write: a new snapshot, whose status holds the first failure.
  cache_.gateSnapshot = snapshot(cluster_.gate);
  EXPECT_FALSE(reconcile(10s).error);
  ASSERT_EQ(cluster_.deploymentPatches.size(), 1u);
  EXPECT_EQ(cluster_.deploymentPatches[0]["spec"]["paused"], true);
}

TEST_F(GateReconcilerTest, ADeletedGateIsForgotten) {
  cache_.gateJson = json();
  EXPECT_TRUE(reconcile().isOk());
  EXPECT_TRUE(cluster_.statusWrites.empty());
  EXPECT_EQ(prometheusCalls(), 0u);
}

}  // namespace
}  // namespace rg
