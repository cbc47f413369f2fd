#include <gtest/gtest.h>

#include "tests/unit/checks/check_fixtures.hpp"
#include "tests/unit/checks/spec_fixtures.hpp"

namespace rg::checks {
namespace {

using namespace fixtures;
using namespace spec_fixtures;

const json kProbe = R"({"httpGet": {"path": "/ready", "port": 8080}})"_json;

json container(const std::string& name, bool readiness, bool liveness, bool startup = false) {
  json c = {{"name", name}, {"image", name + ":1.0"}};
  if (readiness) c["readinessProbe"] = kProbe;
  if (liveness) c["livenessProbe"] = kProbe;
  if (startup) c["startupProbe"] = kProbe;
  return c;
}

TEST(ProbesCheck, PassesWhenEveryContainerDefinesTheProbes) {
  auto workload =
      workloadWith(containersSpec({container("api", true, true), container("worker", true, true)}));
  auto result = checkProbes(ProbesCheck{}, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_EQ(result.message, "2 containers define readinessProbe, livenessProbe");
  EXPECT_EQ(result.value, "2/2");
}

TEST(ProbesCheck, NamesEachMissingProbePerContainer) {
  auto workload = workloadWith(
      containersSpec({container("api", false, true), container("worker", true, false)}));
  auto result = checkProbes(ProbesCheck{}, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: no readinessProbe; container worker: no livenessProbe");
  EXPECT_EQ(result.value, "0/2");
}

TEST(ProbesCheck, StartupProbeOnlyWhenAsked) {
  auto workload = workloadWith(containersSpec({container("api", true, true, false)}));
  EXPECT_EQ(checkProbes(ProbesCheck{}, workload).outcome, CheckOutcome::Passed);

  auto result = checkProbes(ProbesCheck{true, true, true}, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: no startupProbe");
  EXPECT_EQ(result.value, "0/1");
}

TEST(ProbesCheck, OnlyRequestedProbesAreChecked) {
  auto workload = workloadWith(containersSpec({container("api", true, false)}));
  auto result = checkProbes(ProbesCheck{true, false, false}, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(result.message, "1 container defines readinessProbe");
  EXPECT_EQ(result.value, "1/1");
}

TEST(ProbesCheck, NothingRequestedPasses) {
  auto workload = workloadWith(containersSpec({container("api", false, false)}));
  auto result = checkProbes(ProbesCheck{false, false, false}, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(result.message, "no probes required");
}

TEST(ProbesCheck, WrongTypedProbeCountsAsMissing) {
  auto workload = workloadWith(
      containersSpec(R"([{"name": "api", "readinessProbe": "yes", "livenessProbe": null}])"_json));
  auto result = checkProbes(ProbesCheck{}, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: no readinessProbe; container api: no livenessProbe");
}

TEST(ProbesCheck, InitContainersAreNotProbed) {
  auto spec = containersSpec({container("api", true, true)});
  spec["initContainers"] = json::array({container("migrate", false, false)});
  auto result = checkProbes(ProbesCheck{}, workloadWith(spec));
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_EQ(result.value, "1/1");
}

TEST(ProbesCheck, UnnamedContainerIsIdentifiedByIndex) {
  auto workload = workloadWith(containersSpec(R"([{"image": "app:1"}])"_json));
  auto result = checkProbes(ProbesCheck{true, false, false}, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container [0]: no readinessProbe");
}

TEST(ProbesCheck, TemplateWithoutContainersFails) {
  for (const auto& deployment :
       {deploymentWith(R"({"containers": []})"_json), deploymentWith(R"({"containers": {}})"_json),
        deploymentWith(R"({"initContainers": [{"name": "migrate"}]})"_json),
        R"({"spec": {"template": "broken"}})"_json, json::array(), json()}) {
    Workload workload;
    workload.deployment = deployment;
    auto result = checkProbes(ProbesCheck{}, workload);
    EXPECT_EQ(result.outcome, CheckOutcome::Failed) << deployment.dump();
    EXPECT_EQ(result.message, "pod template has no containers");
  }
}

TEST(ProbesSpec, NeedsAtLeastOneProbe) {
  EXPECT_EQ(onlyError(withCheck("{name: p, probes: {readiness: false, liveness: false}}")),
            "spec.checks[0].probes: requires no probe: set at least one of readiness, liveness, "
            "startup");
  auto result = parseGate(withCheck("{name: p, probes: {liveness: false, startup: true}}"));
  ASSERT_TRUE(result.gate) << result.errorSummary();
  const auto& probes = std::get<ProbesCheck>(result.gate->spec.checks[0].body);
  EXPECT_TRUE(probes.readiness);
  EXPECT_FALSE(probes.liveness);
  EXPECT_TRUE(probes.startup);
}

}  // namespace
}  // namespace rg::checks
