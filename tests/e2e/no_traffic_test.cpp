// A revision with no traffic: its error ratio is 0/0 = NaN, which is Inconclusive (phase
// Inconclusive, Ready Unknown), and after `inconclusiveLimit` rounds in a row Failed, which
// drives onFailure like any failure.
#include "tests/e2e/rollout_fixture.hpp"

namespace rg::e2e {
namespace {

constexpr const char* kIdleImage = "shop/web:4.0-idle";  // serves no requests

class NoTrafficTest : public RolloutTest {};

TEST_F(NoTrafficTest, RevisionWithoutTrafficFailsAfterInconclusiveLimitRoundsAndIsRolledBack) {
  cluster().apply(deploymentManifest("web", kGoodImage));
  startApp();
  app_->setBehaviour(kIdleImage, {0.0, 0.1, /*trafficWeight=*/0.0});
  startPrometheus();
  json check = errorRateCheck(1);
  check["inconclusiveLimit"] = 3;
  cluster().apply(gateManifest(
      "web", "web", {{"interval", "1s"}, {"onFailure", "Rollback"}, {"checks", {check}}}));
  recordGate();
  startOperator();
  ASSERT_TRUE(waitForPassing("error-rate"));

  TemplateChangeClock rolledBack(cluster().api(), kIdleImage, kGoodImage);
  cluster().setImage("web", kIdleImage);
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "RolledBack"; }, 30s, "rolled back"));

  // On the way: Inconclusive on NaN, saying so, with the phase and Ready telling the truth.
  const auto statuses = history_->statuses();
  size_t firstInconclusive = statuses.size(), firstFailed = statuses.size();
  for (size_t i = 0; i < statuses.size(); ++i) {
    for (const auto& c : statuses[i].value("checks", json::array())) {
      if (c.value("name", "") != "error-rate") continue;
      if (c.value("result", "") == "Inconclusive" && firstInconclusive == statuses.size() &&
          statuses[i].value("targetRevision", "") == "2")
        firstInconclusive = i;
      if (c.value("result", "") == "Failed" && firstFailed == statuses.size()) firstFailed = i;
    }
  }
  ASSERT_LT(firstInconclusive, statuses.size()) << "never Inconclusive";
  ASSERT_LT(firstFailed, statuses.size()) << "never Failed";
  EXPECT_LT(firstInconclusive, firstFailed);
  const json inconclusive = statuses[firstInconclusive];
  EXPECT_THAT(gateCheck({{"status", inconclusive}}, "error-rate").value("message", ""),
              ::testing::HasSubstr("NaN"));
  bool phaseSaidSo = false, readyUnknown = false;
  for (size_t i = firstInconclusive; i < firstFailed; ++i) {
    phaseSaidSo = phaseSaidSo || statuses[i].value("phase", "") == "Inconclusive";
    const json ready = gateCondition({{"status", statuses[i]}}, "Ready");
    readyUnknown = readyUnknown || (!ready.is_null() && ready.value("status", "") == "Unknown");
    EXPECT_NE(statuses[i].value("phase", ""), "Passing") << statuses[i].dump(2);
  }
  EXPECT_TRUE(phaseSaidSo);
  EXPECT_TRUE(readyUnknown);
  const std::string failure =
      gateCheck({{"status", statuses[firstFailed]}}, "error-rate").value("message", "");
  EXPECT_THAT(failure, ::testing::ContainsRegex("[Ii]nconclusive"));

  const json g = gate();
  EXPECT_EQ(g["status"]["lastAction"].value("type", ""), "Rollback");
  EXPECT_EQ(g["status"]["lastAction"].value("fromRevision", ""), "2");
  ASSERT_TRUE(rolledBack.at());
  ASSERT_TRUE(waitForRounds("web", 3, 10s));
  EXPECT_EQ(cluster().deploymentPatches(kJsonPatchType), 1u);
}

}  // namespace
}  // namespace rg::e2e
