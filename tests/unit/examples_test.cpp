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
#include "reconcilers/offline/yaml_documents.hpp"

namespace rg::offline {
namespace {

using ::testing::IsEmpty;

const std::string kExamplesDir = std::string(RG_SOURCE_DIR) + "/manifests/examples";
const std::string kBrokenDir = std::string(RG_SOURCE_DIR) + "/tests/testdata/broken-examples";

// One example per Deployment of a checklist: the folder, the gate, and the
// Deployment it targets all share the slug.
struct Example {
  std::string slug;
  std::string namespace_;
};

const std::vector<Example>& examples() {
  static const std::vector<Example> kExamples = {
      {"automation-workflows", "automation"},       // checklist 000
      {"sales-pipeline", "sales"},                  // checklist 001
      {"voice-agent-api", "voice"},                 // checklist 002, the API
      {"voice-agent-workers", "voice"},             // checklist 002, the BullMQ workers
      {"queue-worker", "queue"},                    // checklist 003
      {"voice-appointment-agent", "appointments"},  // checklist 004, the server
      {"appointment-scheduler", "appointments"},    // checklist 004, the scheduler worker
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
      {"voice-agent-workers",
       {{"worker-env", {"NODE_ENV", "development"}},
        {"worker-credentials", {"REDIS_TOKEN", "inline"}},
        {"secrets", {"voice-workers-ai", "ANTHROPIC_API_KEY"}}}},
      {"appointment-scheduler",
       {{"test-number-removed", {"YOUR_TEST_NUMBER"}},
        {"scheduler-env", {"DEBUG", "true"}},
        {"probes", {"readiness"}}}},
  };
  return kBroken;
}

// Checks that need the cluster: runtime checks, and `rollout`, which reads the live
// Deployment's status and its current ReplicaSet's pods (a manifest has neither).
bool needsCluster(const CheckReport& check) {
  return check.kind == "http" || check.kind == "prometheus" || check.kind == "rollout";
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
// outright, and the checks that need the cluster are left for it.
TEST_P(ShippedExample, EveryStaticCheckPassesAndClusterChecksAreSkipped) {
  Report report = checkPaths({kExamplesDir + "/" + GetParam().slug});
  ASSERT_EQ(report.gates.size(), 1u) << describe(report);
  ASSERT_FALSE(report.gates[0].checks.empty()) << describe(report);
  for (const auto& check : report.gates[0].checks) {
    auto expected = needsCluster(check) ? CheckOutcome::Skipped : CheckOutcome::Passed;
    EXPECT_EQ(check.result.outcome, expected) << check.name << ": " << check.result.message;
  }
}

// Each checklist asks for a health endpoint and monitoring: the gate has an http
// check named "health" and Prometheus checks, a Critical rollout check (a crash
// looping revision is the first thing to catch), and the static checks every
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
  for (const char* kind : {"probes", "resources", "secrets", "env", "security", "rollout"})
    EXPECT_GE(kinds.count(kind), 1u) << "no " << kind << " check";
  for (const auto& check : report.gates[0].checks) {
    if (check.kind == "rollout") {
      EXPECT_EQ(check.severity, Severity::Critical) << check.name;
    }
  }
}

// The gate's checks as written in gate.yaml (the report does not carry queries).
nlohmann::json gateChecks(const std::string& slug) {
  for (const auto& doc : parseDocuments(readFile(kExamplesDir + "/" + slug + "/gate.yaml")))
    if (doc.object && doc.object->value("kind", "") == "ReadinessGate")
      return doc.object->at("spec").at("checks");
  return nlohmann::json::array();
}

// The template's labels and annotations of the example's Deployment.
nlohmann::json podTemplateMetadata(const std::string& slug) {
  for (const auto& doc : parseDocuments(readFile(kExamplesDir + "/" + slug + "/deployment.yaml")))
    if (doc.object && doc.object->value("kind", "") == "Deployment")
      return doc.object->at("spec").at("template").at("metadata");
  return nlohmann::json::object();
}

// Pods are scraped by annotation (the stock kubernetes-pods job): the template says
// where, and carries the app label every query selects on.
TEST_P(ShippedExample, PodsAreScrapedByAnnotationWithTheAppLabel) {
  const std::string& slug = GetParam().slug;
  nlohmann::json metadata = podTemplateMetadata(slug);
  ASSERT_TRUE(metadata.contains("labels")) << slug;
  EXPECT_EQ(metadata["labels"].value("app", ""), slug);
  ASSERT_TRUE(metadata.contains("annotations")) << slug;
  const auto& annotations = metadata["annotations"];
  EXPECT_EQ(annotations.value("prometheus.io/scrape", ""), "true");
  EXPECT_FALSE(annotations.value("prometheus.io/port", "").empty());
  EXPECT_EQ(annotations.value("prometheus.io/path", ""), "/metrics");
}

// Every query selects on the labels the stock kubernetes-pods scrape job produces:
// the namespace as a variable and the pod's app label (or, for cAdvisor and
// kube-state-metrics series, the Deployment's pods by name), never a job of its own.
// Critical ones are rollout triggers and read only the new revision's pods.
TEST_P(ShippedExample, QueriesUseTheStockScrapeLabelsAndCriticalOnesTheNewRevision) {
  const std::string& slug = GetParam().slug;
  const std::string app = "app=\"" + slug + "\"";
  const std::string revisionPods = "pod=~\"{{name}}-{{podTemplateHash}}-.*\"";
  size_t critical = 0;
  for (const auto& check : gateChecks(slug)) {
    if (!check.contains("prometheus")) continue;
    const std::string name = check.value("name", "");
    const std::string query = check["prometheus"].value("query", "");
    EXPECT_NE(query.find("namespace=\"{{namespace}}\""), std::string::npos) << name;
    EXPECT_TRUE(query.find(app) != std::string::npos ||
                query.find("pod=~\"{{name}}-") != std::string::npos)
        << name << ": " << query;
    // The only job label a stock scrape gives annotated pods.
    const std::string stockJob = "job=\"kubernetes-pods\"";
    for (size_t at = query.find("job="); at != std::string::npos; at = query.find("job=", at + 1))
      EXPECT_EQ(query.compare(at, stockJob.size(), stockJob), 0) << name << ": " << query;
    if (check.value("severity", "Critical") != "Critical") continue;
    ++critical;
    EXPECT_NE(query.find(revisionPods), std::string::npos) << name << ": " << query;
    EXPECT_NE(query.find(app), std::string::npos) << name << ": " << query;
  }
  EXPECT_GE(critical, 1u) << slug << " has no Critical prometheus trigger";
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
