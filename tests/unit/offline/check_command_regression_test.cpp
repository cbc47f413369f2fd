// Findings of the gate_yaml fuzzer (fuzz/regressions/gate_yaml/).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "offline_fixture.hpp"
#include "operator/cli/check_command.hpp"

namespace rg::cli {
namespace {

using offline::testing::ManifestDir;
using ::testing::HasSubstr;

// yaml-cpp quotes the byte after a backslash in its error message; a byte that is not UTF-8
// made `check -o json` throw from nlohmann::json::dump and the process abort.
TEST(CheckCommandRegression, JsonOutputSurvivesInputThatIsNotUtf8) {
  ManifestDir dir;
  dir.write("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \"a\\\xa2\"}\n");
  dir.write("deploy.yaml", offline::testing::kDeployment);
  dir.write("gate.yaml", offline::testing::kGate);
  std::ostringstream out, err;
  int code = runCheckCommand({"-f", dir.path(), "-o", "json"}, out, err);
  EXPECT_EQ(code, 2);
  auto report = nlohmann::json::parse(out.str(), nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << out.str();
  ASSERT_EQ(report["errors"].size(), 1u) << out.str();
  EXPECT_THAT(report["errors"][0].dump(), HasSubstr("bad.yaml"));
  EXPECT_THAT(report["errors"][0].dump(), HasSubstr("\xef\xbf\xbd"));  // U+FFFD
}

// json::value(key, "") throws when the field has another type: `kind: yes` (a YAML boolean), a
// gate named 2024 (a number) or an ownerReference with a list for a kind aborted the command.
TEST(CheckCommandRegression, FieldsOfAnotherTypeDoNotAbort) {
  ManifestDir dir;
  dir.write(
      "odd.yaml",
      "apiVersion: v1\nkind: yes\nmetadata: {name: a}\n---\n"
      "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: r\n"
      "  ownerReferences: [{kind: [Deployment], name: {n: 1}}]\n---\n"
      "apiVersion: gates.readiness.dev/v1alpha1\nkind: ReadinessGate\n"
      "metadata: {name: 2024}\nspec: {targetRef: {name: x}, checks: [{name: p, probes: {}}]}\n");
  std::ostringstream out, err;
  int code = runCheckCommand({"-f", dir.path(), "-o", "json"}, out, err);
  EXPECT_EQ(code, 2);
  auto report = nlohmann::json::parse(out.str(), nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << out.str();
  EXPECT_THAT(report["errors"].dump(), HasSubstr("object has no kind or apiVersion"));
  ASSERT_EQ(report["gates"].size(), 1u) << out.str();
  EXPECT_THAT(report["gates"][0].dump(), HasSubstr("metadata.name"));
}

}  // namespace
}  // namespace rg::cli
