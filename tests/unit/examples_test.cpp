// The shipped examples (manifests/examples/<slug>/) pass the offline check, and
// each broken copy (tests/testdata/broken-examples/<slug>/) fails on exactly the
// checks its mistakes break, with messages that name the mistake.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "reconcilers/offline/offline_check.hpp"

namespace rg::offline {
namespace {

using ::testing::IsEmpty;

const std::string kExamplesDir = std::string(RG_SOURCE_DIR) + "/manifests/examples";
const std::string kBrokenDir = std::string(RG_SOURCE_DIR) + "/tests/testdata/broken-examples";

// One example per checklist: the folder, the gate, and the Deployment it targets
// all share the slug.
struct Example {
  std::string slug;
  std::string namespace_;
};

const std::vector<Example>& examples() {
  static const std::vector<Example> kExamples = {
      {"automation-workflows", "automation"},       // checklist 000
      {"sales-pipeline", "sales"},                  // checklist 001
      {"voice-agent-api", "voice"},                 // checklist 002
      {"queue-worker", "queue"},                    // checklist 003
      {"voice-appointment-agent", "appointments"},  // checklist 004
  };
  return kExamples;
}

// A broken copy: for each check that must fail, substrings its message must contain.
struct BrokenExample {
  std::string slug;
  std::map<std::string, std::vector<std::string>> failing;
};

const std::vector<BrokenExample>& brokenExamples() {
  static const std::vector<BrokenExample> kBroken = {
      {"automation-workflows",
       {{"security", {"latest"}},
        {"inngest-production", {"INNGEST_DEV", "true"}},
        {"service-credentials", {"RETELL_API_KEY", "inline"}}}},
      {"sales-pipeline",
       {{"probes", {"liveness"}},
        {"secrets", {"sales-pipeline-oauth", "HUBSPOT_ACCESS_TOKEN"}},
        {"credentials", {"DIALPAD_API_KEY", "inline"}}}},
      {"voice-agent-api",
       {{"security", {"root"}},
        {"node-env", {"NODE_ENV", "development"}},
        {"secrets", {"voice-agent-ai"}}}},
      {"queue-worker",
       {{"resources", {"memory", "2Gi", "1Gi"}},
        {"security", {"latest"}},
        {"worker-env", {"LOG_LEVEL", "debug"}},
        {"recommended-env", {"SLACK_WEBHOOK"}}}},
      {"voice-appointment-agent",
       {{"test-number-removed", {"YOUR_TEST_NUMBER"}},
        {"production-mode", {"DEBUG", "true"}},
        {"service-credentials", {"OPENAI_API_KEY", "inline"}},
        {"probes", {"liveness"}}}},
  };
  return kBroken;
}

bool isRuntime(const CheckReport& check) {
  return check.kind == "http" || check.kind == "prometheus";
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool containsIgnoringCase(const std::string& text, const std::string& part) {
  return lower(text).find(lower(part)) != std::string::npos;
}

// The whole report, for failure output.
std::string describe(const Report& report) {
  std::ostringstream out;
  for (const auto& error : report.errors)
    out << "input error " << error.source.file << "#" << error.source.document << ": "
        << error.message << "\n";
  for (const auto& gate : report.gates) {
    out << "gate " << gate.namespace_ << "/" << gate.name << " -> " << gate.target;
    if (gate.error) out << " ERROR " << *gate.error;
    out << "\n";
    for (const auto& check : gate.checks)
      out << "  " << check.name << " (" << check.kind << ", " << toString(check.severity)
          << "): " << toString(check.result.outcome) << ": " << check.result.message << "\n";
  }
  return out.str();
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string testName(const std::string& slug) {
  std::string name = slug;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

// --- the shipped examples ----------------------------------------------------

class ShippedExample : public ::testing::TestWithParam<Example> {};

TEST_P(ShippedExample, PassesTheOfflineCheck) {
  const Example& example = GetParam();
  Report report = checkPaths({kExamplesDir + "/" + example.slug});
  EXPECT_EQ(report.exitCode(), 0) << describe(report);
  EXPECT_THAT(report.errors, IsEmpty()) << describe(report);
  ASSERT_EQ(report.gates.size(), 1u) << describe(report);
  const GateReport& gate = report.gates[0];
  EXPECT_FALSE(gate.error.has_value()) << describe(report);
  EXPECT_EQ(gate.name, example.slug);
  EXPECT_EQ(gate.namespace_, example.namespace_);
  EXPECT_EQ(gate.target, example.slug);
  EXPECT_FALSE(gate.criticalFailing()) << describe(report);
  for (const auto& check : gate.checks) {
    if (check.severity != Severity::Critical) continue;
    EXPECT_NE(check.result.outcome, CheckOutcome::Failed)
        << check.name << ": " << check.result.message;
  }
}

// An example shows a correct workload: every static check (Warnings too) passes
// outright, and the runtime checks are left for the cluster.
TEST_P(ShippedExample, EveryStaticCheckPassesAndRuntimeChecksAreSkipped) {
  Report report = checkPaths({kExamplesDir + "/" + GetParam().slug});
  ASSERT_EQ(report.gates.size(), 1u) << describe(report);
  ASSERT_FALSE(report.gates[0].checks.empty()) << describe(report);
  for (const auto& check : report.gates[0].checks) {
    auto expected = isRuntime(check) ? CheckOutcome::Skipped : CheckOutcome::Passed;
    EXPECT_EQ(check.result.outcome, expected) << check.name << ": " << check.result.message;
  }
}

// Each checklist asks for a health endpoint and monitoring: the gate has an http
// check named "health" and Prometheus checks, and the static checks every
// checklist implies.
TEST_P(ShippedExample, ExpressesTheChecklistsRuntimeItems) {
  Report report = checkPaths({kExamplesDir + "/" + GetParam().slug});
  ASSERT_EQ(report.gates.size(), 1u) << describe(report);
  std::map<std::string, std::string> kindByName;
  std::multiset<std::string> kinds;
  for (const auto& check : report.gates[0].checks) {
    kindByName[check.name] = check.kind;
    kinds.insert(check.kind);
  }
  EXPECT_EQ(kindByName["health"], "http");
  EXPECT_GE(kinds.count("prometheus"), 3u);
  for (const char* kind : {"probes", "resources", "secrets", "env", "security"})
    EXPECT_GE(kinds.count(kind), 1u) << "no " << kind << " check";
}

INSTANTIATE_TEST_SUITE_P(Examples, ShippedExample, ::testing::ValuesIn(examples()),
                         [](const ::testing::TestParamInfo<Example>& info) {
                           return testName(info.param.slug);
                         });

// --- the broken copies ---------------------------------------------------------

class BrokenCopy : public ::testing::TestWithParam<BrokenExample> {};

TEST_P(BrokenCopy, FailsOnExactlyItsMistakes) {
  const BrokenExample& broken = GetParam();
  Report report = checkPaths({kBrokenDir + "/" + broken.slug});
  EXPECT_EQ(report.exitCode(), 1) << describe(report);
  EXPECT_THAT(report.errors, IsEmpty()) << describe(report);
  ASSERT_EQ(report.gates.size(), 1u) << describe(report);
  const GateReport& gate = report.gates[0];
  ASSERT_FALSE(gate.error.has_value()) << describe(report);
  EXPECT_TRUE(gate.criticalFailing());

  std::set<std::string> failed;
  for (const auto& check : gate.checks)
    if (check.result.outcome == CheckOutcome::Failed) failed.insert(check.name);
  std::set<std::string> expected;
  for (const auto& [name, parts] : broken.failing) expected.insert(name);
  EXPECT_EQ(failed, expected) << describe(report);

  for (const auto& check : gate.checks) {
    auto it = broken.failing.find(check.name);
    if (it == broken.failing.end()) continue;
    for (const auto& part : it->second)
      EXPECT_TRUE(containsIgnoringCase(check.result.message, part))
          << check.name << " should mention \"" << part << "\": " << check.result.message;
  }
}

// The mistakes are in the workload, not in the gate: each copy keeps the gate of
// the example it breaks.
TEST_P(BrokenCopy, KeepsTheExamplesGate) {
  const std::string& slug = GetParam().slug;
  std::string shipped = readFile(kExamplesDir + "/" + slug + "/gate.yaml");
  ASSERT_FALSE(shipped.empty());
  EXPECT_EQ(readFile(kBrokenDir + "/" + slug + "/gate.yaml"), shipped);
}

INSTANTIATE_TEST_SUITE_P(Examples, BrokenCopy, ::testing::ValuesIn(brokenExamples()),
                         [](const ::testing::TestParamInfo<BrokenExample>& info) {
                           return testName(info.param.slug);
                         });

// --- the folder as a whole -----------------------------------------------------

TEST(ExamplesFolder, ChecksAsAWholeWithEveryChecklistPresent) {
  // self-gate.yaml targets the operator's own Deployment, which the install manifests hold.
  Report report =
      checkPaths({kExamplesDir, std::string(RG_SOURCE_DIR) + "/manifests/install.yaml"});
  EXPECT_EQ(report.exitCode(), 0) << describe(report);
  EXPECT_THAT(report.errors, IsEmpty()) << describe(report);
  EXPECT_GE(report.gates.size(), examples().size()) << describe(report);
  for (const auto& example : examples()) {
    auto gate = std::find_if(report.gates.begin(), report.gates.end(), [&](const GateReport& g) {
      return g.namespace_ == example.namespace_ && g.name == example.slug;
    });
    ASSERT_NE(gate, report.gates.end()) << "no gate " << example.namespace_ << "/" << example.slug;
    EXPECT_FALSE(gate->error.has_value()) << *gate->error;
    EXPECT_EQ(gate->target, example.slug);
    EXPECT_FALSE(gate->criticalFailing()) << describe(report);
  }
}

TEST(ExamplesFolder, EveryExampleHasABrokenCopy) {
  for (const auto& example : examples()) {
    const auto& broken = brokenExamples();
    EXPECT_TRUE(std::any_of(broken.begin(), broken.end(), [&](const BrokenExample& b) {
      return b.slug == example.slug;
    })) << example.slug;
    for (const char* file : {"deployment.yaml", "secrets.yaml", "gate.yaml"}) {
      EXPECT_FALSE(readFile(kExamplesDir + "/" + example.slug + "/" + file).empty())
          << example.slug << "/" << file;
      EXPECT_FALSE(readFile(kBrokenDir + "/" + example.slug + "/" + file).empty())
          << "broken-examples/" << example.slug << "/" << file;
    }
  }
}

}  // namespace
}  // namespace rg::offline
