// What ships besides the chart templates: the chart's CRD is the repository's CRD,
// manifests/install.yaml is the chart's default render, and the operator's own Deployment
// passes manifests/examples/self-gate.yaml offline (dogfooding).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/install/chart_render.hpp"

namespace rg::install {
namespace {

using nlohmann::json;

const char* const kCrd = "readinessgates.gates.readiness.dev.yaml";

TEST(ChartCrd, IsByteIdenticalToTheRepositoryCrd) {
  EXPECT_EQ(readFile(chartDir() + "/crds/" + kCrd),
            readFile(sourcePath(std::string("crds/") + kCrd)))
      << "charts/readiness-gate/crds/ is stale: run scripts/render-install.sh";
}

TEST(InstallManifests, AreWhatTheRenderScriptProducesNow) {
  testing::ProcessOptions options;
  options.env = {{"HELM", helmPath()}};
  auto result =
      testing::runProcess({sourcePath("scripts/render-install.sh"), "-"}, kToolTimeout, options);
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(result.out == readFile(sourcePath("manifests/install.yaml")))
      << "manifests/install.yaml drifted from the chart: run scripts/render-install.sh";
}

// Independently of the script: the same objects as `helm template` with default values
// (CRD included), plus the Namespace they live in.
TEST(InstallManifests, HoldTheDefaultRenderAndItsNamespace) {
  auto installed = parseObjects(readFile(sourcePath("manifests/install.yaml")), "install.yaml");
  auto rendered = render({"--include-crds"});
  ASSERT_EQ(installed.size(), rendered.size() + 1);
  EXPECT_EQ(
      installed[0],
      (json{{"apiVersion", "v1"},
            {"kind", "Namespace"},
            {"metadata",
             {{"name", kNamespace}, {"labels", {{"app.kubernetes.io/name", "readiness-gate"}}}}}}));
  for (size_t i = 0; i < rendered.size(); ++i) {
    EXPECT_EQ(installed[i + 1], rendered[i])
        << rendered[i].value("kind", "") << " " << rendered[i]["metadata"].value("name", "");
  }
  EXPECT_EQ(rendered[0]["kind"], "CustomResourceDefinition");
}

// The operator checks its own Deployment with the self-gate, for both value sets.
class Dogfood : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(Dogfood, SelfGatePassesEveryCheckOnTheRenderedChart) {
  TempDir dir;
  std::string rendered = dir.write("chart.yaml", renderText(GetParam()));
  auto result = testing::runProcess({RG_OPERATOR_BINARY, "check", "-f", rendered, "-f",
                                     sourcePath("manifests/examples/self-gate.yaml"), "-o", "json"},
                                    kToolTimeout);
  ASSERT_EQ(result.exitCode, 0) << result.out << result.err;
  auto report = json::parse(result.out);
  EXPECT_EQ(report["errors"], json::array());
  ASSERT_EQ(report["gates"].size(), 1u) << report.dump(2);
  const auto& gate = report["gates"][0];
  EXPECT_EQ(gate["namespace"], kNamespace);
  EXPECT_EQ(gate["target"], "readiness-gate");
  EXPECT_EQ(gate["result"], "Passed");
  ASSERT_GE(gate["checks"].size(), 5u);
  for (const auto& check : gate["checks"]) {
    EXPECT_EQ(check["result"], "Passed") << check.dump();
    EXPECT_EQ(check["severity"], "Critical") << check.dump();
  }
}

INSTANTIATE_TEST_SUITE_P(ValueSets, Dogfood,
                         ::testing::Values(std::vector<std::string>{},
                                           std::vector<std::string>{"--set",
                                                                    "watchNamespaces={a,b}",
                                                                    "--set", "replicas=3"}),
                         [](const ::testing::TestParamInfo<std::vector<std::string>>& info) {
                           return info.param.empty() ? std::string("Defaults")
                                                     : std::string("NamespacedThreeReplicas");
                         });

// A Deployment that breaks the gate makes the check fail: the dogfood test can fail.
TEST(DogfoodGate, FailsWhenTheOperatorRunsWithAWritableRoot) {
  TempDir dir;
  std::string text = renderText();
  const std::string locked = "readOnlyRootFilesystem: true";
  auto at = text.find(locked);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, locked.size(), "readOnlyRootFilesystem: false");
  std::string rendered = dir.write("chart.yaml", text);
  auto result = testing::runProcess({RG_OPERATOR_BINARY, "check", "-f", rendered, "-f",
                                     sourcePath("manifests/examples/self-gate.yaml"), "-o", "json"},
                                    kToolTimeout);
  EXPECT_EQ(result.exitCode, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("readOnlyRootFilesystem not true"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace rg::install
