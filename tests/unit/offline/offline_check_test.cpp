#include "reconcilers/offline/offline_check.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "offline_fixture.hpp"
#include "reconcilers/offline/report_format.hpp"

namespace rg::offline {
namespace {

using ::testing::HasSubstr;
using testing::kDeployment;
using testing::kGate;
using testing::kSecret;
using testing::ManifestDir;

const CheckReport& checkNamed(const GateReport& gate, const std::string& name) {
  for (const auto& check : gate.checks)
    if (check.name == name) return check;
  throw std::runtime_error("no check " + name);
}

TEST(OfflineCheck, PassingGateFromOneMultiDocumentFile) {
  ManifestDir dir;
  auto file = dir.write("all.yaml", std::string(kDeployment) + "---\n" + kSecret + "---\n" + kGate);
  auto report = checkPaths({file});
  ASSERT_EQ(report.gates.size(), 1u);
  const auto& gate = report.gates[0];
  EXPECT_FALSE(gate.error) << *gate.error;
  EXPECT_EQ(gate.target, "api");
  EXPECT_EQ(gate.source.document, 2);
  ASSERT_EQ(gate.checks.size(), 6u);
  EXPECT_EQ(checkNamed(gate, "probes").result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(checkNamed(gate, "secrets").result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(checkNamed(gate, "health").result.outcome, CheckOutcome::Skipped);
  EXPECT_EQ(report.exitCode(), 0);
}

TEST(OfflineCheck, FolderIsSearchedRecursively) {
  ManifestDir dir;
  dir.write("app/deploy.yml", kDeployment);
  dir.write("app/secrets/db.yaml", kSecret);
  dir.write("gates/gate.yaml", kGate);
  dir.write("README.md", "not a manifest: ignored");
  auto report = checkPaths({dir.path()});
  ASSERT_EQ(report.gates.size(), 1u);
  EXPECT_TRUE(report.errors.empty());
  EXPECT_EQ(report.exitCode(), 0);
}

TEST(OfflineCheck, MissingSecretFailsTheGate) {
  ManifestDir dir;
  dir.write("deploy.yaml", kDeployment);
  dir.write("gate.yaml", kGate);
  auto report = checkPaths({dir.path()});
  ASSERT_EQ(report.gates.size(), 1u);
  EXPECT_EQ(checkNamed(report.gates[0], "secrets").result.outcome, CheckOutcome::Failed);
  EXPECT_TRUE(report.gates[0].criticalFailing());
  EXPECT_EQ(report.exitCode(), 1);
}

TEST(OfflineCheck, WarningFailuresDoNotFailTheRun) {
  ManifestDir dir;
  dir.write("deploy.yaml", kDeployment);
  std::string gate = kGate;
  gate.replace(gate.find("- name: secrets\n"), 16, "- name: secrets\n    severity: Warning\n");
  dir.write("gate.yaml", gate);
  auto report = checkPaths({dir.path()});
  ASSERT_EQ(report.gates.size(), 1u);
  EXPECT_EQ(checkNamed(report.gates[0], "secrets").result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(report.exitCode(), 0);
}

TEST(OfflineCheck, MissingTargetIsAnErrorForThatGateOnly) {
  ManifestDir dir;
  dir.write("deploy.yaml", std::string(kDeployment) + "---\n" + kSecret);
  dir.write("gate.yaml", kGate);
  std::string orphan = kGate;
  orphan.replace(orphan.find("name: api, namespace"), 8, "name: web");
  orphan.replace(orphan.find("targetRef: {name: api}"), 22, "targetRef: {name: web}");
  dir.write("orphan.yaml", orphan);
  auto report = checkPaths({dir.path()});
  ASSERT_EQ(report.gates.size(), 2u);
  EXPECT_FALSE(report.gates[0].error);
  ASSERT_TRUE(report.gates[1].error);
  EXPECT_EQ(*report.gates[1].error, "target Deployment shop/web is not among the inputs");
  EXPECT_EQ(report.exitCode(), 2);
}

TEST(OfflineCheck, InvalidGateNamesTheField) {
  ManifestDir dir;
  dir.write("deploy.yaml", kDeployment);
  std::string gate = kGate;
  gate.replace(gate.find("max: 1Gi"), 8, "max: 1.5.0");
  dir.write("gate.yaml", gate);
  auto report = checkPaths({dir.path()});
  ASSERT_EQ(report.gates.size(), 1u);
  ASSERT_TRUE(report.gates[0].error);
  EXPECT_EQ(*report.gates[0].error,
            "invalid spec: spec.checks[1].resources.memory.max: \"1.5.0\" is not a quantity");
  EXPECT_EQ(report.exitCode(), 2);
}

TEST(OfflineCheck, MalformedDocumentIsReportedWithFileAndIndexAndOthersStillCheck) {
  ManifestDir dir;
  auto file = dir.write("all.yaml", std::string(kDeployment) + "---\n" + kSecret +
                                        "---\nkind: [broken\n---\n" + kGate);
  auto report = checkPaths({file});
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].source.file, file);
  EXPECT_EQ(report.errors[0].source.document, 2);
  EXPECT_THAT(formatErrors(report), HasSubstr(file + " (document 3): invalid YAML: line "));
  ASSERT_EQ(report.gates.size(), 1u);
  EXPECT_FALSE(report.gates[0].error);
  EXPECT_EQ(report.exitCode(), 2);
}

TEST(OfflineCheck, UnreadableInputs) {
  auto report = checkPaths({"/nonexistent/manifests"});
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].message, "no such file or directory");
  EXPECT_EQ(report.exitCode(), 2);
  ManifestDir dir;
  auto json = dir.write("broken.json", "{\"kind\": ");
  auto jsonReport = checkPaths({json});
  ASSERT_EQ(jsonReport.errors.size(), 1u);
  EXPECT_THAT(jsonReport.errors[0].message, HasSubstr("invalid JSON"));
}

TEST(OfflineCheck, NoGateIsUnusableInput) {
  ManifestDir dir;
  dir.write("deploy.yaml", kDeployment);
  auto report = checkPaths({dir.path()});
  EXPECT_TRUE(report.gates.empty());
  EXPECT_EQ(report.exitCode(), 2);
  EXPECT_THAT(formatText(report), HasSubstr("no ReadinessGate found"));
}

TEST(OfflineCheck, ObjectsWithoutNamespaceUseTheDefaultNamespace) {
  ManifestDir dir;
  auto strip = [](std::string text) {
    auto pos = text.find(", namespace: shop");
    text.erase(pos, std::string(", namespace: shop").size());
    return text;
  };
  dir.write("all.yaml", strip(kDeployment) + "---\n" + strip(kSecret) + "---\n" + strip(kGate));
  auto report = checkPaths({dir.path()}, "team-a");
  ASSERT_EQ(report.gates.size(), 1u);
  EXPECT_EQ(report.gates[0].namespace_, "team-a");
  EXPECT_EQ(report.exitCode(), 0);
  // Objects in another namespace do not satisfy a gate.
  ManifestDir other;
  other.write("deploy.yaml", kDeployment);
  other.write("gate.yaml", strip(kGate));
  EXPECT_EQ(checkPaths({other.path()}).exitCode(), 2);
}

TEST(OfflineCheck, JsonFilesAndListsAreRead) {
  ManifestDir dir;
  dir.write("gate.yaml", kGate);
  dir.write("list.json", R"({"apiVersion": "v1", "kind": "List", "items": [
    {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "api-db", "namespace": "shop"},
     "data": {"DATABASE_URL": "cG9zdGdyZXM6Ly9wbGFjZWhvbGRlcg=="}}]})");
  dir.write("deploy.yaml", kDeployment);
  auto report = checkPaths({dir.path()});
  ASSERT_EQ(report.gates.size(), 1u);
  EXPECT_EQ(checkNamed(report.gates[0], "secrets").result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(report.exitCode(), 0);
}

TEST(OfflineCheck, TextReportIsAChecklist) {
  ManifestDir dir;
  dir.write("deploy.yaml", kDeployment);
  dir.write("gate.yaml", kGate);
  auto text = formatText(checkPaths({dir.path()}));
  EXPECT_THAT(text, HasSubstr("## ReadinessGate shop/api -> Deployment api"));
  EXPECT_THAT(text, HasSubstr("- [x] probes \xe2\x80\x94 "));
  EXPECT_THAT(text, HasSubstr("- [ ] secrets \xe2\x80\x94 "));
  EXPECT_THAT(text, HasSubstr("- [-] health \xe2\x80\x94 skipped: "));
  EXPECT_THAT(text, HasSubstr("Result: FAILED (1 of 5 critical checks failing: secrets)"));
  EXPECT_THAT(text, HasSubstr("1 gate(s): 0 passed, 1 failed, 0 with errors"));
}

TEST(OfflineCheck, JsonReportIsMachineReadable) {
  ManifestDir dir;
  dir.write("deploy.yaml", kDeployment);
  dir.write("gate.yaml", kGate);
  auto json = toJson(checkPaths({dir.path()}));
  EXPECT_EQ(json["exitCode"], 1);
  ASSERT_EQ(json["gates"].size(), 1u);
  const auto& gate = json["gates"][0];
  EXPECT_EQ(gate["result"], "Failed");
  EXPECT_EQ(gate["namespace"], "shop");
  EXPECT_EQ(gate["document"], 1);
  ASSERT_EQ(gate["checks"].size(), 6u);
  EXPECT_EQ(gate["checks"][2]["name"], "secrets");
  EXPECT_EQ(gate["checks"][2]["result"], "Failed");
  EXPECT_EQ(gate["checks"][2]["kind"], "secrets");
  EXPECT_EQ(gate["checks"][2]["severity"], "Critical");
  EXPECT_EQ(gate["checks"][5]["result"], "Skipped");
}

}  // namespace
}  // namespace rg::offline
