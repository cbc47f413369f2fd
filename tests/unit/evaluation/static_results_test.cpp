// A gate's static results are kept from round to round exactly while what they read stays the
// same: the parsed spec, the Deployment snapshot and the Secrets the checks looked up. Checks that
// read pods or the clock run every round.
#include "reconcilers/evaluation/static_results.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "operator/cache_transforms.hpp"
#include "tests/unit/evaluation/evaluation_fixtures.hpp"

namespace rg {
namespace {

using evaluation_fixtures::GateYaml;
using evaluation_fixtures::parseTestGate;
using nlohmann::json;

// Deployment api as the cache keeps it (its template as text), with one container whose env
// reads key `password` of Secret db.
kube::ObjectPtr cachedDeployment(const std::string& resourceVersion, int replicas = 3) {
  json deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", {{"name", "api"}, {"namespace", "shop"}, {"resourceVersion", resourceVersion}}},
      {"spec",
       {{"replicas", replicas},
        {"template",
         {{"spec",
           {{"containers",
             {{{"name", "api"},
               {"image", "api:1"},
               {"env",
                {{{"name", "DB_PASSWORD"},
                  {"valueFrom",
                   {{"secretKeyRef", {{"name", "db"}, {"key", "password"}}}}}}}}}}}}}}}}}};
  cache::trimDeployment(deployment);
  return std::make_shared<const json>(std::move(deployment));
}

kube::ObjectPtr secret(const std::string& key) {
  return std::make_shared<const json>(
      json{{"metadata", {{"name", "db"}, {"namespace", "shop"}}}, {"data", {{key, ""}}}});
}

struct Cluster {
  kube::ObjectPtr deployment = cachedDeployment("1");
  std::map<std::string, kube::ObjectPtr> secrets;

  Workload workload() const {
    Workload w;
    w.deployment = deployment;
    w.secrets = KeyCatalog([this](const std::string& name) {
      auto it = secrets.find(name);
      return it == secrets.end() ? nullptr : it->second;
    });
    return w;
  }
};

const Gate& testGate() {
  static const Gate gate =
      parseTestGate(GateYaml{.checks = R"(  - {name: replicas, replicas: {min: 2}}
  - {name: secrets, secrets: {}}
  - {name: rollout, rollout: {}}
)"});
  return gate;
}

// One round over the gate's checks: the results by check name, what it keeps, the status it
// leaves (as evaluateGate writes the results), and whether it parsed the pod template.
struct Round {
  std::map<std::string, CheckResult> results;
  std::shared_ptr<const StaticResults> kept;
  GateStatus status;
  bool templateRead = false;
};

Round runRound(std::shared_ptr<const StaticResults> kept, const std::shared_ptr<const void>& spec,
               const Cluster& cluster, const GateStatus& previous = {}) {
  const Workload workload = cluster.workload();
  StaticCheckRound round(std::move(kept), spec, testGate(), workload, previous);
  Round out;
  for (const auto& check : testGate().spec.checks) {
    CheckResult result = round.evaluate(check);
    CheckStatus status;
    status.name = check.name;
    status.result = result.outcome;
    status.value = result.value;
    status.message = result.message;
    out.status.checks.push_back(std::move(status));
    out.results[check.name] = std::move(result);
  }
  out.kept = round.results();
  out.templateRead = workload.templateRead();
  return out;
}

TEST(StaticResults, AreKeptWhileTheSpecTheDeploymentAndTheSecretsStayTheSame) {
  Cluster cluster;
  cluster.secrets["db"] = secret("password");
  const auto spec = std::make_shared<int>(1);
  const Round first = runRound(nullptr, spec, cluster);
  EXPECT_TRUE(first.templateRead);
  EXPECT_EQ(first.results.at("secrets").outcome, CheckOutcome::Passed);
  EXPECT_EQ(first.results.at("replicas").outcome, CheckOutcome::Passed);
  ASSERT_EQ(first.kept->secrets.size(), 1u);
  EXPECT_EQ(first.kept->secrets[0].first, "db");

  const Round second = runRound(first.kept, spec, cluster, first.status);
  EXPECT_FALSE(second.templateRead);
  EXPECT_EQ(second.kept, first.kept);
  EXPECT_EQ(second.status, first.status);
}

TEST(StaticResults, ChecksThatReadPodsOrTheClockRunEveryRound) {
  Cluster cluster;
  const auto spec = std::make_shared<int>(1);
  const Round first = runRound(nullptr, spec, cluster);
  GateStatus previous = first.status;
  for (auto& check : previous.checks)
    if (check.name == "rollout") check.message = "from an earlier round";
  const Round second = runRound(first.kept, spec, cluster, previous);
  EXPECT_EQ(second.results.at("rollout").message, first.results.at("rollout").message);
}

// The status a round builds on may not be the one the kept results went into (its write failed,
// or someone else wrote it): a result that differs from the kept one is evaluated again.
TEST(StaticResults, APreviousResultOtherThanTheOneKeptIsEvaluatedAgain) {
  Cluster cluster;
  cluster.secrets["db"] = secret("password");
  const auto spec = std::make_shared<int>(1);
  const Round first = runRound(nullptr, spec, cluster);
  GateStatus older = first.status;
  for (auto& check : older.checks)
    if (check.name == "secrets") {
      check.result = CheckOutcome::Failed;
      check.message = "missing";
    }
  const Round second = runRound(first.kept, spec, cluster, older);
  EXPECT_TRUE(second.templateRead);
  EXPECT_EQ(second.results.at("secrets").outcome, CheckOutcome::Passed);
  EXPECT_EQ(second.status, first.status);
  // A check the previous status does not have at all, likewise.
  EXPECT_TRUE(runRound(first.kept, spec, cluster, GateStatus{}).templateRead);
}

TEST(StaticResults, AreEvaluatedAgainWhenWhatTheyReadChanges) {
  Cluster cluster;
  cluster.secrets["db"] = secret("password");
  const auto spec = std::make_shared<int>(1);
  const Round first = runRound(nullptr, spec, cluster);

  // Another parse of the gate (its spec changed).
  EXPECT_TRUE(runRound(first.kept, std::make_shared<int>(1), cluster, first.status).templateRead);
  // Another Deployment snapshot.
  Cluster scaled = cluster;
  scaled.deployment = cachedDeployment("2", 1);
  const Round afterScale = runRound(first.kept, spec, scaled, first.status);
  EXPECT_EQ(afterScale.results.at("replicas").outcome, CheckOutcome::Failed);
  // A Secret the checks read changed, or went away.
  Cluster rotated = cluster;
  rotated.secrets["db"] = secret("token");
  EXPECT_EQ(runRound(first.kept, spec, rotated, first.status).results.at("secrets").outcome,
            CheckOutcome::Failed);
  Cluster deleted = cluster;
  deleted.secrets.clear();
  EXPECT_EQ(runRound(first.kept, spec, deleted, first.status).results.at("secrets").outcome,
            CheckOutcome::Failed);
}

TEST(StaticResults, AMissingSecretIsWatchedForToo) {
  Cluster cluster;
  const auto spec = std::make_shared<int>(1);
  const Round missing = runRound(nullptr, spec, cluster);
  EXPECT_EQ(missing.results.at("secrets").outcome, CheckOutcome::Failed);
  ASSERT_EQ(missing.kept->secrets.size(), 1u);
  EXPECT_EQ(missing.kept->secrets[0].second, nullptr);

  EXPECT_FALSE(runRound(missing.kept, spec, cluster, missing.status).templateRead);
  cluster.secrets["db"] = secret("password");
  EXPECT_EQ(runRound(missing.kept, spec, cluster, missing.status).results.at("secrets").outcome,
            CheckOutcome::Passed);
}

}  // namespace
}  // namespace rg
