#pragma once
// The fixture of the end-to-end scenarios: per test a fresh API server (CRD applied, simulated
// deployment controller), a fake app, optionally a real Prometheus scraping it, and the
// readiness-gate binary running against it all. Everything listens on free loopback ports and
// writes into the test's own temporary directory, so tests may run in parallel.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/e2e/support/fake_app.hpp"
#include "tests/e2e/support/operator_process.hpp"
#include "tests/e2e/support/poll.hpp"
#include "tests/e2e/support/prometheus_server.hpp"
#include "tests/e2e/support/test_cluster.hpp"

namespace rg::e2e {

using nlohmann::json;
using namespace std::chrono_literals;

// Short windows: Prometheus scrapes every second, gates evaluate every second.
inline const std::string kErrorRatioQuery =
    "sum(rate(http_requests_total{code=\"500\"}[3s])) / sum(rate(http_requests_total[3s]))";
inline const std::string kLatencyQuery =
    "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[3s])))";

inline constexpr const char* kGoodImage = "shop/web:1.0";
inline constexpr const char* kBadImage = "shop/web:2.0";   // 30 % errors
inline constexpr const char* kSlowImage = "shop/web:1.1";  // 4x latency
inline constexpr const char* kGateApiVersion = "gates.readiness.dev/v1alpha1";

class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<TestCluster>(RG_SOURCE_DIR
                                             "/crds/readinessgates.gates.readiness.dev.yaml");
  }

  void TearDown() override {
    if (HasFailure()) dumpState();
    operator_.reset();
    prometheus_.reset();
    app_.reset();
    if (cluster_) {
      EXPECT_EQ(cluster_->controller().lastError(), "");
    }
    cluster_.reset();
  }

  TestCluster& cluster() { return *cluster_; }

  // A Deployment every static check of the scenarios accepts: probes, requests and limits,
  // non-root, a pinned tag, two replicas.
  static json deploymentManifest(const std::string& name, const std::string& image) {
    const json probe = {{"httpGet", {{"path", "/health"}, {"port", 8080}}}};
    json container = {{"name", "app"},
                      {"image", image},
                      {"ports", json::array({{{"containerPort", 8080}}})},
                      {"readinessProbe", probe},
                      {"livenessProbe", probe}};
    container["resources"] = {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}},
                              {"limits", {{"cpu", "500m"}, {"memory", "256Mi"}}}};
    container["securityContext"] = {{"runAsNonRoot", true}, {"allowPrivilegeEscalation", false}};
    json podTemplate = {{"metadata", {{"labels", {{"app", name}}}}},
                        {"spec", {{"containers", json::array({container})}}}};
    json spec = {{"replicas", 2},
                 {"selector", {{"matchLabels", {{"app", name}}}}},
                 {"template", podTemplate}};
    return {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata", {{"name", name}, {"labels", {{"app", name}}}}},
            {"spec", spec}};
  }

  static json gateManifest(const std::string& name, const std::string& target, json spec) {
    spec["targetRef"] = {{"kind", "Deployment"}, {"name", target}};
    return {{"apiVersion", kGateApiVersion},
            {"kind", "ReadinessGate"},
            {"metadata", {{"name", name}}},
            {"spec", std::move(spec)}};
  }

  json errorRateCheck(int failureLimit = 1) const {
    return {{"name", "error-rate"},
            {"failureLimit", failureLimit},
            {"prometheus", {{"address", prometheus_->address()}, {"query", kErrorRatioQuery}}},
            {"threshold", {{"max", 0.1}}}};
  }

  // The app behind Deployment `deployment`: kGoodImage healthy, kBadImage 30 % errors,
  // kSlowImage four times slower.
  FakeApp& startApp(const std::string& deployment = "web") {
    app_ = std::make_unique<FakeApp>(cluster_->api(), cluster_->ns(), deployment);
    app_->setBehaviour(kGoodImage, {0.0, 0.1});
    app_->setBehaviour(kBadImage, {0.3, 0.1});
    app_->setBehaviour(kSlowImage, {0.0, 0.4});
    return *app_;
  }

  // Prometheus scraping the app; returns once the error ratio has a value (the first scrape
  // comes several seconds after start).
  PrometheusServer& startPrometheus() {
    prometheus_ = std::make_unique<PrometheusServer>(
        RG_PROMETHEUS_BINARY, cluster_->dir() + "/prometheus", std::vector<int>{app_->port()});
    if (!prometheus_->waitForValue(kErrorRatioQuery, 40s))
      throw std::runtime_error("no error-ratio sample from Prometheus after 40 s:\n" +
                               prometheus_->logTail());
    return *prometheus_;
  }

  OperatorProcess& startOperator() {
    if (!operator_)
      operator_ = std::make_unique<OperatorProcess>(
          OperatorOptions{RG_OPERATOR_BINARY, cluster_->kubeconfig(), cluster_->dir(), {}});
    operator_->start();
    return *operator_;
  }

  json gate(const std::string& name = "web") const {
    auto g = cluster_->gate(name);
    return g ? *g : json();
  }

  json deployment(const std::string& name = "web") const {
    auto d = cluster_->deployment(name);
    return d ? *d : json();
  }

  // Waits until gate `name` satisfies `predicate`; the failure message shows its last status.
  template <class Predicate>
  ::testing::AssertionResult waitForGate(const std::string& name, Predicate predicate,
                                         std::chrono::milliseconds timeout,
                                         const std::string& what) {
    json last;
    const bool ok = eventually(
        [&] {
          last = gate(name);
          return !last.is_null() && predicate(last);
        },
        timeout);
    if (ok) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "gate " << name << " never " << what << " within " << timeout.count()
           << " ms; last status: " << last.value("status", json()).dump(2);
  }

  // Waits until the gate completed `rounds` more evaluation rounds: the operator's
  // readinessgate_last_evaluation_timestamp_seconds moved (status.lastEvaluationTime is
  // refreshed only with the heartbeat). The round's status is written before the gauge moves.
  // `by`: the operator process that leads (default: operator_).
  ::testing::AssertionResult waitForRounds(const std::string& name, int rounds,
                                           std::chrono::milliseconds timeout,
                                           OperatorProcess* by = nullptr) {
    OperatorProcess* leader = by ? by : operator_.get();
    if (!leader) return ::testing::AssertionFailure() << "the operator is not running";
    const std::string ns = gate(name).value("/metadata/namespace"_json_pointer, std::string());
    const int seen = leader->waitForRounds(ns, name, rounds, timeout);
    if (seen < rounds)
      return ::testing::AssertionFailure()
             << "gate " << name << " completed no evaluation round within " << timeout.count()
             << " ms (" << seen << " of " << rounds
             << "); last status: " << gate(name).value("status", json()).dump(2);
    return ::testing::AssertionSuccess();
  }

  static bool checkIs(const json& g, const std::string& check, const std::string& result) {
    const json c = gateCheck(g, check);
    return !c.is_null() && c.value("result", "") == result;
  }

  void dumpState() {
    std::cerr << "---- gates:\n";
    for (const auto& g : cluster_->api().list(kGateApiVersion, "ReadinessGate", cluster_->ns()))
      std::cerr << g.dump(2) << "\n";
    std::cerr << "---- deployment web:\n" << deployment().dump(2) << "\n";
    if (operator_) std::cerr << "---- operator log (end):\n" << operator_->logTail() << "\n";
    if (prometheus_) std::cerr << "---- prometheus log (end):\n" << prometheus_->logTail() << "\n";
  }

  std::unique_ptr<TestCluster> cluster_;
  std::unique_ptr<FakeApp> app_;
  std::unique_ptr<PrometheusServer> prometheus_;
  std::unique_ptr<OperatorProcess> operator_;
};

}  // namespace rg::e2e
