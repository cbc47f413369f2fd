#include "reconcilers/actions/pod_readiness.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "kube/object_views.hpp"

namespace rg::actions {
namespace {

using nlohmann::json;
using namespace nlohmann::literals;

constexpr const char* kType = "gates.readiness.dev/checkout-api";
constexpr const char* kEarlier = "2026-11-22T09:00:00Z";
constexpr const char* kNow = "2026-11-22T10:00:00Z";

// A running pod that lists the gate's condition, with the gate condition in `status` (if any).
json pod(const char* conditionStatus = nullptr, bool wantsGate = true) {
  json p = {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", "checkout-api-5d9c8f7b6-x7k2p"}, {"namespace", "shop"}}},
            {"spec", {{"containers", json::array({{{"name", "api"}, {"image", "app:v3"}}})}}},
            {"status",
             {{"phase", "Running"},
              {"conditions", json::array({{{"type", "Initialized"}, {"status", "True"}},
                                          {{"type", "ContainersReady"}, {"status", "True"}},
                                          {{"type", "Ready"}, {"status", "False"}}})}}}};
  if (wantsGate) {
    p["spec"]["readinessGates"] =
        json::array({{{"conditionType", "www.example.com/feature-1"}}, {{"conditionType", kType}}});
  }
  if (conditionStatus) {
    p["status"]["conditions"].push_back({{"type", kType},
                                         {"status", conditionStatus},
                                         {"reason", "ChecksPassing"},
                                         {"message", "every critical check passes"},
                                         {"lastTransitionTime", kEarlier}});
  }
  return p;
}

TEST(PodReadinessType, IsPrefixedWithTheGroup) {
  EXPECT_EQ(conditionType("checkout-api"), "gates.readiness.dev/checkout-api");
}

TEST(PodReadinessGate, OnlyPodsListingTheConditionWantIt) {
  EXPECT_TRUE(podWantsGate(pod(), kType));
  EXPECT_FALSE(podWantsGate(pod(nullptr, false), kType));
  EXPECT_FALSE(podWantsGate(pod(), "gates.readiness.dev/payments-api"));
  EXPECT_FALSE(podWantsGate(R"({"spec": {"readinessGates": "x"}})"_json, kType));
  EXPECT_FALSE(
      podWantsGate(R"({"spec": {"readinessGates": [7, {"conditionType": 1}]}})"_json, kType));
  EXPECT_FALSE(podWantsGate(json::object(), kType));
}

TEST(PodReadinessCondition, FindsTheConditionByType) {
  EXPECT_FALSE(kube::PodView(pod()).condition(kType).has_value());
  EXPECT_FALSE(podConditionTrue(pod(), kType));
  const json withCondition = pod("True");
  const auto found = kube::PodView(withCondition).condition(kType);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->status(), "True");
  EXPECT_TRUE(podConditionTrue(withCondition, kType));
  EXPECT_FALSE(podConditionTrue(pod("False"), kType));
}

TEST(PodReadinessUpdate, WritesOnlyWhenTheStatusChanges) {
  EXPECT_TRUE(needsUpdate(pod(), kType, true));  // condition not set yet
  EXPECT_TRUE(needsUpdate(pod(), kType, false));
  EXPECT_FALSE(needsUpdate(pod("True"), kType, true));
  EXPECT_TRUE(needsUpdate(pod("True"), kType, false));
  EXPECT_FALSE(needsUpdate(pod("False"), kType, false));
  EXPECT_TRUE(needsUpdate(pod("False"), kType, true));
  EXPECT_TRUE(needsUpdate(pod("Unknown"), kType, true));
}

TEST(PodReadinessUpdate, PodsWithoutTheGateAreIgnored) {
  EXPECT_FALSE(needsUpdate(pod(nullptr, false), kType, true));
  EXPECT_FALSE(needsUpdate(pod("False", false), kType, true));
  EXPECT_EQ(planPodCondition(pod(nullptr, false), kType, true, "ChecksPassing", "ok", kNow),
            std::nullopt);
}

TEST(PodReadinessPatch, NewConditionGetsTheTransitionTime) {
  auto patch = podConditionPatch(pod(), kType, false, "ChecksFailing",
                                 "1 of 8 checks failing: error-rate", kNow);
  EXPECT_EQ(patch, R"({"status": {"conditions": [{
      "type": "gates.readiness.dev/checkout-api",
      "status": "False",
      "reason": "ChecksFailing",
      "message": "1 of 8 checks failing: error-rate",
      "lastTransitionTime": "2026-11-22T10:00:00Z"}]}})"_json);
}

TEST(PodReadinessPatch, FlipSetsTheTransitionTime) {
  auto patch = podConditionPatch(pod("True"), kType, false, "ChecksFailing", "error-rate", kNow);
  const auto& condition = patch["status"]["conditions"][0];
  EXPECT_EQ(condition["status"], "False");
  EXPECT_EQ(condition["lastTransitionTime"], kNow);

  patch = podConditionPatch(pod("Unknown"), kType, true, "ChecksPassing", "ok", kNow);
  EXPECT_EQ(patch["status"]["conditions"][0]["lastTransitionTime"], kNow);
}

TEST(PodReadinessPatch, SameStatusKeepsTheTransitionTime) {
  auto patch = podConditionPatch(pod("True"), kType, true, "ChecksPassing",
                                 "every critical check passes (8 checks)", kNow);
  // A custom delimiter: the message holds ")" followed by a quote.
  EXPECT_EQ(patch, R"json({"status": {"conditions": [{
      "type": "gates.readiness.dev/checkout-api",
      "status": "True",
      "reason": "ChecksPassing",
      "message": "every critical check passes (8 checks)",
      "lastTransitionTime": "2026-11-22T09:00:00Z"}]}})json"_json);

  // A condition without a transition time gets one.
  auto untimed = pod("True");
  untimed["status"]["conditions"].back().erase("lastTransitionTime");
  patch = podConditionPatch(untimed, kType, true, "ChecksPassing", "ok", kNow);
  EXPECT_EQ(patch["status"]["conditions"][0]["lastTransitionTime"], kNow);
}

TEST(PodReadinessPatch, TouchesOnlyTheGateCondition) {
  auto patch = podConditionPatch(pod("True"), kType, false, "ChecksFailing", "x", kNow);
  ASSERT_EQ(patch.size(), 1u);
  ASSERT_EQ(patch["status"].size(), 1u);
  ASSERT_EQ(patch["status"]["conditions"].size(), 1u);
  EXPECT_EQ(patch["status"]["conditions"][0]["type"], kType);
}

TEST(PodReadinessPlan, NothingWhenTheStatusIsAlreadySet) {
  EXPECT_EQ(planPodCondition(pod("True"), kType, true, "ChecksPassing", "changed text", kNow),
            std::nullopt);
  auto flip = planPodCondition(pod("True"), kType, false, "ChecksFailing", "error-rate", kNow);
  ASSERT_TRUE(flip.has_value());
  EXPECT_EQ(*flip,
            podConditionPatch(pod("True"), kType, false, "ChecksFailing", "error-rate", kNow));
  auto first = planPodCondition(pod(), kType, true, "ChecksPassing", "ok", kNow);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ((*first)["status"]["conditions"][0]["status"], "True");
}

// A pod of revision `hash` (its pod-template-hash label).
json podOf(const std::string& hash, const char* conditionStatus = nullptr, bool wantsGate = true) {
  json p = pod(conditionStatus, wantsGate);
  p["metadata"]["labels"] = {{"app", "checkout-api"}, {"pod-template-hash", hash}};
  return p;
}

const std::vector<std::string> kPassed = {"5d9c8f7b6", "7f4b9c2d1"};
const std::vector<std::string> kNone;

TEST(PodGateDecision, PodsOfAPassedRevisionAreTrue) {
  for (const char* before : {static_cast<const char*>(nullptr), "False", "True", "Unknown"}) {
    auto decision = decidePodGate(podOf("7f4b9c2d1", before), kType, kPassed, "7f4b9c2d1", {});
    ASSERT_TRUE(decision) << (before ? before : "absent");
    EXPECT_TRUE(decision->status);
    EXPECT_EQ(decision->reason, "RevisionPassed");
    EXPECT_EQ(decision->message, "revision 7f4b9c2d1 passed every critical check");
  }
  // An older passed revision, still serving during a rollout or scaled up again: True as well,
  // whatever the current revision and its checks say.
  auto old = decidePodGate(podOf("5d9c8f7b6"), kType, kPassed, "0a1b2c3d4", {"error-rate"});
  ASSERT_TRUE(old);
  EXPECT_TRUE(old->status);
}

TEST(PodGateDecision, PodsOfARevisionThatHasNotPassedAreFalseAndSayWhy) {
  auto decision =
      decidePodGate(podOf("0a1b2c3d4"), kType, kPassed, "0a1b2c3d4", {"error-rate", "health"});
  ASSERT_TRUE(decision);
  EXPECT_FALSE(decision->status);
  EXPECT_EQ(decision->reason, "RevisionNotPassed");
  EXPECT_EQ(decision->message,
            "revision 0a1b2c3d4 has not passed; critical checks not passing: error-rate, health");

  auto pending = decidePodGate(podOf("0a1b2c3d4", "False"), kType, kNone, "0a1b2c3d4", {});
  ASSERT_TRUE(pending);
  EXPECT_FALSE(pending->status);
  EXPECT_EQ(pending->message, "revision 0a1b2c3d4 has not passed yet");

  // A revision that never passed and is no longer current (the gate rolled it back).
  auto left = decidePodGate(podOf("0a1b2c3d4"), kType, kPassed, "5d9c8f7b6", {});
  ASSERT_TRUE(left);
  EXPECT_FALSE(left->status);
  EXPECT_EQ(left->message, "revision 0a1b2c3d4 has not passed");

  auto unlabelled = decidePodGate(pod(), kType, kPassed, "", {});
  ASSERT_TRUE(unlabelled);
  EXPECT_FALSE(unlabelled->status);
}

TEST(PodGateDecision, ATruePodIsNeverTakenOut) {
  // True and not (or no longer) recorded as passed: a lost status, a record dropped by the
  // bound. It serves: left alone, even while its revision's checks fail.
  EXPECT_EQ(decidePodGate(podOf("0a1b2c3d4", "True"), kType, kNone, "0a1b2c3d4", {"error-rate"}),
            std::nullopt);
  EXPECT_EQ(decidePodGate(podOf("0a1b2c3d4", "True"), kType, kPassed, "5d9c8f7b6", {}),
            std::nullopt);
}

TEST(PodGateDecision, PodsThatDoNotListTheGateAreLeftAlone) {
  EXPECT_EQ(decidePodGate(podOf("5d9c8f7b6", nullptr, false), kType, kPassed, "5d9c8f7b6", {}),
            std::nullopt);
  EXPECT_EQ(decidePodGate(podOf("0a1b2c3d4", nullptr, false), kType, kNone, "0a1b2c3d4", {"x"}),
            std::nullopt);
}

}  // namespace
}  // namespace rg::actions
