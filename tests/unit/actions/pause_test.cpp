#include "reconcilers/actions/pause.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace rg::actions {
namespace {

using nlohmann::json;
using namespace nlohmann::literals;

json deployment(bool paused, const char* pausedByValue = nullptr) {
  json d = {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata",
             {{"name", "checkout-api"},
              {"namespace", "shop"},
              {"resourceVersion", "81234"},
              {"annotations", {{"deployment.kubernetes.io/revision", "7"}, {"team", "payments"}}}}},
            {"spec", {{"replicas", 3}, {"paused", paused}}}};
  if (pausedByValue) d["metadata"]["annotations"]["gates.readiness.dev/paused-by"] = pausedByValue;
  return d;
}

TEST(PausePatch, SetsOnlySpecPaused) {
  EXPECT_EQ(pausePatch(true).dump(), R"({"spec":{"paused":true}})");
  EXPECT_EQ(pausePatch(false).dump(), R"({"spec":{"paused":false}})");
}

TEST(PausePatch, ByGateWritesPausedAndTheRecordTogether) {
  EXPECT_EQ(pauseByGatePatch("checkout-api").dump(),
            R"({"metadata":{"annotations":{"gates.readiness.dev/paused-by":"checkout-api"}},)"
            R"("spec":{"paused":true}})");
  EXPECT_EQ(resumeByGatePatch().dump(),
            R"({"metadata":{"annotations":{"gates.readiness.dev/paused-by":null}},)"
            R"("spec":{"paused":false}})");
  EXPECT_EQ(pausePatch(true, "checkout-api"), pauseByGatePatch("checkout-api"));
  EXPECT_EQ(pausePatch(false, "checkout-api"), resumeByGatePatch());
}

TEST(PausePatch, ResumeCarriesTheResourceVersionItDecidedOn) {
  EXPECT_EQ(resumeByGatePatch(deployment(true, "checkout-api")).dump(),
            R"({"metadata":{"annotations":{"gates.readiness.dev/paused-by":null},)"
            R"("resourceVersion":"81234"},"spec":{"paused":false}})");
  auto noVersion = deployment(true, "checkout-api");
  noVersion["metadata"].erase("resourceVersion");
  EXPECT_EQ(resumeByGatePatch(noVersion), resumeByGatePatch());
}

TEST(PausePatch, MergePatchesRoundTripOnTheDeployment) {
  auto d = deployment(false);
  d.merge_patch(pauseByGatePatch("checkout-api"));
  EXPECT_TRUE(isPaused(d));
  EXPECT_TRUE(pausedByGate(d, "checkout-api"));
  d.merge_patch(resumeByGatePatch());
  EXPECT_EQ(d, deployment(false));  // other annotations untouched, the record gone
}

TEST(PauseDecide, AllCombinations) {
  struct Row {
    bool failing, paused, byGate;
    PauseDecision expected;
  };
  const Row rows[] = {
      {true, false, false, PauseDecision::Pause},  // failing, running: pause
      {true, false, true, PauseDecision::Pause},   // stale record, running: pause again
      {true, true, false, PauseDecision::None},    // someone else holds it paused
      {true, true, true, PauseDecision::None},     // already paused by this gate
      {false, false, false, PauseDecision::None},  // healthy and running
      {false, false, true, PauseDecision::None},   // nothing to resume
      {false, true, false, PauseDecision::None},   // never unpause someone else's pause
      {false, true, true, PauseDecision::Resume},  // this gate's pause, checks pass: resume
  };
  for (const auto& row : rows) {
    EXPECT_EQ(decidePause(row.failing, row.paused, row.byGate), row.expected)
        << "failing=" << row.failing << " paused=" << row.paused << " byGate=" << row.byGate;
  }
}

TEST(PauseDecide, FromTheDeploymentAlone) {
  // The record lives on the Deployment: a restarted operator with no status decides the same.
  EXPECT_EQ(decidePauseFor(false, deployment(true, "checkout-api"), "checkout-api"),
            PauseDecision::Resume);
  EXPECT_EQ(decidePauseFor(true, deployment(true, "checkout-api"), "checkout-api"),
            PauseDecision::None);
  EXPECT_EQ(decidePauseFor(true, deployment(false), "checkout-api"), PauseDecision::Pause);
  // Paused by hand (no record) or by another gate: left paused.
  EXPECT_EQ(decidePauseFor(false, deployment(true), "checkout-api"), PauseDecision::None);
  EXPECT_EQ(decidePauseFor(false, deployment(true, "payments-gate"), "checkout-api"),
            PauseDecision::None);
  EXPECT_EQ(decidePauseFor(false, deployment(false), "checkout-api"), PauseDecision::None);
}

TEST(PauseDecide, DecisionPatches) {
  auto paused = deployment(true, "checkout-api");
  EXPECT_EQ(pauseDecisionPatch(PauseDecision::Pause, deployment(false), "checkout-api"),
            pauseByGatePatch("checkout-api"));
  EXPECT_EQ(pauseDecisionPatch(PauseDecision::Resume, paused, "checkout-api"),
            resumeByGatePatch(paused));
  EXPECT_EQ(pauseDecisionPatch(PauseDecision::None, paused, "checkout-api"), std::nullopt);
  EXPECT_STREQ(toString(PauseDecision::None), "None");
  EXPECT_STREQ(toString(PauseDecision::Pause), "Pause");
  EXPECT_STREQ(toString(PauseDecision::Resume), "Resume");
}

TEST(PauseOwnership, ReadsSpecPausedAndTheRecord) {
  EXPECT_TRUE(isPaused(deployment(true)));
  EXPECT_FALSE(isPaused(deployment(false)));
  EXPECT_FALSE(isPaused(R"({"spec": {"paused": "true"}})"_json));
  EXPECT_FALSE(isPaused(json::object()));
  EXPECT_EQ(pausedBy(deployment(true, "checkout-api")), "checkout-api");
  EXPECT_EQ(pausedBy(deployment(true)), std::nullopt);

  EXPECT_TRUE(pausedByGate(deployment(true, "checkout-api"), "checkout-api"));
  EXPECT_FALSE(pausedByGate(deployment(true, "checkout-api"), "checkout"));
  EXPECT_FALSE(pausedByGate(deployment(false, "checkout-api"), "checkout-api"));
  EXPECT_FALSE(pausedByGate(deployment(true, ""), ""));
  auto wrongType = deployment(true);
  wrongType["metadata"]["annotations"]["gates.readiness.dev/paused-by"] = true;
  EXPECT_FALSE(pausedByGate(wrongType, "checkout-api"));
}

TEST(PauseOwnership, StaleRecordIsDetectedAndCleared) {
  // Resumed by hand while the record stayed: a later manual pause must not look like the gate's.
  auto resumedByHand = deployment(false, "checkout-api");
  EXPECT_TRUE(hasStalePauseMarker(resumedByHand, "checkout-api"));
  EXPECT_FALSE(hasStalePauseMarker(deployment(true, "checkout-api"), "checkout-api"));
  EXPECT_FALSE(hasStalePauseMarker(deployment(false, "payments-gate"), "checkout-api"));
  EXPECT_FALSE(hasStalePauseMarker(deployment(false), "checkout-api"));
  EXPECT_EQ(clearPauseMarkerPatch().dump(),
            R"({"metadata":{"annotations":{"gates.readiness.dev/paused-by":null}}})");
  resumedByHand.merge_patch(clearPauseMarkerPatch());
  EXPECT_EQ(resumedByHand, deployment(false));
}

}  // namespace
}  // namespace rg::actions
