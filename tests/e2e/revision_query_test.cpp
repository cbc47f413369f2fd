// Revision-scoped queries against a real Prometheus: `{{podTemplateHash}}` selects the current
// revision's pods only, so a bad new revision fails while the old pods' series, still in the
// query window, would dilute an unscoped ratio below the threshold.
#include "tests/e2e/rollout_fixture.hpp"

namespace rg::e2e {
namespace {

std::string ratio(const std::string& selector) {
  const std::string extra = selector.empty() ? "" : "," + selector;
  return "sum(rate(http_requests_total{code=\"500\"" + extra + "}[30s])) / " +
         "sum(rate(http_requests_total{" + selector + "}[30s]))";
}

const std::string kScope = "pod=~\"{{name}}-{{podTemplateHash}}-.*\"";

std::string expanded(const std::string& text, const std::string& hash) {
  std::string out = text;
  for (const auto& [variable, value] :
       {std::pair<std::string, std::string>{"{{name}}", "web"}, {"{{podTemplateHash}}", hash}})
    for (size_t at = out.find(variable); at != std::string::npos; at = out.find(variable))
      out.replace(at, variable.size(), value);
  return out;
}

class RevisionQueryTest : public RolloutTest {
 protected:
  std::string hashOfRevision(const std::string& revision) {
    for (const auto& rs : cluster().replicaSets())
      if (annotationOf(rs, "deployment.kubernetes.io/revision") == revision)
        return rs.value("/metadata/labels/pod-template-hash"_json_pointer, std::string());
    return "";
  }
};

TEST_F(RevisionQueryTest, PodTemplateHashSelectsOnlyTheNewPodsSeries) {
  cluster().apply(strictDeployment());
  startApp();
  app_->setPerPodSeries(true);  // series labelled pod="web-<hash>-<suffix>"
  startPrometheus();
  const std::string hash1 = hashOfRevision("1");
  ASSERT_FALSE(hash1.empty());
  // Revision 1's pods have series of their own.
  ASSERT_TRUE(prometheus_->waitForValue(expanded(ratio(kScope), hash1), 20s));

  const json check = {
      {"name", "error-rate"},
      {"prometheus", {{"address", prometheus_->address()}, {"query", ratio(kScope)}}},
      {"threshold", {{"max", 0.2}}}};
  cluster().apply(gateManifest("web", "web",
                               {{"interval", "1s"}, {"onFailure", "Report"}, {"checks", {check}}}));
  recordGate();
  startOperator();
  ASSERT_TRUE(waitForPassing("error-rate"));
  EXPECT_DOUBLE_EQ(std::stod(gateCheck(gate(), "error-rate").value("value", "1")), 0.0);
  // The expanded query is shown: the revision's own hash, no variable left.
  const std::string shown = gate()["status"].dump();
  EXPECT_THAT(shown, ::testing::HasSubstr("web-" + hash1 + "-"));
  EXPECT_THAT(shown, ::testing::Not(::testing::HasSubstr("{{podTemplateHash}}")));

  // Revision 1 serves long enough to fill a good part of the 30 s window.
  ASSERT_TRUE(eventually(
      [&] {
        auto samples =
            prometheus_->query("sum(count_over_time(http_requests_total{code=\"200\"}[30s]))");
        return samples && *samples >= 20;  // two pods, ten scrapes each
      },
      30s));

  // Revision 2 errs on 30 % of its requests; its pods replace the old ones at once.
  cluster().setImage("web", kBadImage);
  cluster().api().waitForHooks();
  const std::string hash2 = hashOfRevision("2");
  ASSERT_FALSE(hash2.empty());
  ASSERT_NE(hash1, hash2);
  ASSERT_TRUE(podsWithImage(kGoodImage).empty());

  ASSERT_TRUE(waitForGate(
      "web",
      [](const json& g) {
        return g["status"].value("targetRevision", "") == "2" && checkIs(g, "error-rate", "Failed");
      },
      20s, "failed revision 2"));
  // The old pods' series are still in the window: unscoped, the ratio is about 0.15 and would
  // pass; scoped to revision 2 it is its own 0.3.
  const auto unscoped = prometheus_->query(ratio(""));
  const auto scoped = prometheus_->query(expanded(ratio(kScope), hash2));
  ASSERT_TRUE(unscoped && scoped);
  std::cout << "[ measured ] revision 2 error ratio: scoped " << *scoped << ", unscoped "
            << *unscoped << "\n";
  EXPECT_LT(*unscoped, 0.2) << "the old series left the window too early to tell";
  EXPECT_NEAR(*scoped, 0.3, 0.02);
  const double value = std::stod(gateCheck(gate(), "error-rate").value("value", "0"));
  EXPECT_NEAR(value, 0.3, 0.05);
  EXPECT_THAT(gate()["status"].dump(), ::testing::HasSubstr("web-" + hash2 + "-"));
}

}  // namespace
}  // namespace rg::e2e
