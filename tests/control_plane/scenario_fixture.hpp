#pragma once
// The fixture of the scenarios that run against both back ends (TEST_P over Backend): a
// ScenarioCluster, a fake app whose behaviour follows the Deployment's image, optionally a
// real Prometheus scraping it, and the readiness-gate binary with the cluster's operator
// kubeconfig. Instantiate with RG_INSTANTIATE_SCENARIOS(SuiteName).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/control_plane/scenario_cluster.hpp"
#include "tests/e2e/support/fake_app.hpp"
#include "tests/e2e/support/operator_process.hpp"
#include "tests/e2e/support/poll.hpp"
#include "tests/e2e/support/prometheus_server.hpp"
#include "tests/e2e/support/test_cluster.hpp"

namespace rg::controlplane {

using nlohmann::json;
using namespace std::chrono_literals;
using rg::e2e::annotationOf;
using rg::e2e::eventually;
using rg::e2e::gateCheck;
using rg::e2e::gateCondition;
using rg::e2e::gatePhase;

// Short windows: Prometheus scrapes every second, gates evaluate every second.
inline const std::string kErrorRatioQuery =
    "sum(rate(http_requests_total{code=\"500\"}[3s])) / sum(rate(http_requests_total[3s]))";

inline constexpr const char* kGoodImage = "shop/web:1.0";
inline constexpr const char* kBadImage = "shop/web:2.0";  // 30 % errors
inline constexpr const char* kGateApiVersion = "gates.readiness.dev/v1alpha1";
inline constexpr const char* kJsonPatch = "application/json-patch+json";

// Test names show the back end, not its bytes.
inline void PrintTo(Backend backend, std::ostream* os) {
  *os << backendName(backend);
}

class ScenarioTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { cluster_ = makeScenarioCluster(GetParam()); }

  void TearDown() override {
    if (HasFailure() && cluster_) dumpState();
    operator_.reset();
    prometheus_.reset();
    app_.reset();
    if (cluster_) {
      EXPECT_EQ(cluster_->problems(), "");
    }
    cluster_.reset();
  }

  ScenarioCluster& cluster() { return *cluster_; }
  bool real() const { return GetParam() == Backend::ControlPlane; }

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

  // The app behind Deployment `deployment` in the scenario's namespace: kGoodImage healthy,
  // kBadImage 30 % errors.
  rg::e2e::FakeApp& startApp(const std::string& deployment = "web") {
    app_ = std::make_unique<rg::e2e::FakeApp>([this, deployment]() -> std::string {
      try {
        auto d = cluster_->deployment(deployment);
        return d ? d->value("/spec/template/spec/containers/0/image"_json_pointer, std::string())
                 : "";
      } catch (const std::exception&) {
        return "";  // the API server restarting: no traffic attributed meanwhile
      }
    });
    app_->setBehaviour(kGoodImage, {0.0, 0.1});
    app_->setBehaviour(kBadImage, {0.3, 0.1});
    return *app_;
  }

  rg::e2e::PrometheusServer& startPrometheus() {
    prometheus_ = std::make_unique<rg::e2e::PrometheusServer>(
        RG_PROMETHEUS_BINARY, cluster_->dir() + "/prometheus", std::vector<int>{app_->port()});
    if (!prometheus_->waitForValue(kErrorRatioQuery, 40s))
      throw std::runtime_error("no error-ratio sample from Prometheus after 40 s:\n" +
                               prometheus_->logTail());
    return *prometheus_;
  }

  rg::e2e::OperatorProcess& startOperator() {
    if (!operator_)
      operator_ = std::make_unique<rg::e2e::OperatorProcess>(rg::e2e::OperatorOptions{
          RG_OPERATOR_BINARY, cluster_->operatorKubeconfig(), cluster_->dir(), {}});
    operator_->start();
    return *operator_;
  }

  json gate(const std::string& name = "web") {
    auto g = cluster_->gate(name);
    return g ? *g : json();
  }

  json deployment(const std::string& name = "web") {
    auto d = cluster_->deployment(name);
    return d ? *d : json();
  }

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
        timeout, 50ms);
    if (ok) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "gate " << name << " never " << what << " within " << timeout.count()
           << " ms; last status: " << last.value("status", json()).dump(2);
  }

  // Waits until the gate completed `rounds` more evaluation rounds: the operator's
  // readinessgate_last_evaluation_timestamp_seconds moved (status.lastEvaluationTime is
  // refreshed only with the heartbeat). The round's status is written before the gauge moves.
  ::testing::AssertionResult waitForRounds(const std::string& name, int rounds,
                                           std::chrono::milliseconds timeout) {
    if (!operator_) return ::testing::AssertionFailure() << "the operator is not running";
    const std::string ns = gate(name).value("/metadata/namespace"_json_pointer, std::string());
    const int seen = operator_->waitForRounds(ns, name, rounds, timeout);
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

  static std::string imageOf(const json& d) {
    return d.value("/spec/template/spec/containers/0/image"_json_pointer, std::string());
  }

  void dumpState() {
    try {
      std::cerr << "---- back end: " << backendName(GetParam()) << "\n---- gates:\n";
      for (const auto& g : cluster_->list(kGateApiVersion, "ReadinessGate", cluster_->ns()))
        std::cerr << g.dump(2) << "\n";
      std::cerr << "---- deployment web:\n" << deployment().dump(2) << "\n";
    } catch (const std::exception& e) {
      std::cerr << "(cannot read the cluster: " << e.what() << ")\n";
    }
    if (operator_) std::cerr << "---- operator log (end):\n" << operator_->logTail() << "\n";
    if (prometheus_) std::cerr << "---- prometheus log (end):\n" << prometheus_->logTail() << "\n";
    std::cerr << cluster_->diagnostics();
  }

  std::unique_ptr<ScenarioCluster> cluster_;
  std::unique_ptr<rg::e2e::FakeApp> app_;
  std::unique_ptr<rg::e2e::PrometheusServer> prometheus_;
  std::unique_ptr<rg::e2e::OperatorProcess> operator_;
};

// Every scenario suite runs on both back ends; test names end in /TestApiServer or
// /ControlPlane, which CMake's discovery filters on to label them `e2e` or `control-plane`.
#define RG_INSTANTIATE_SCENARIOS(Suite)                                                  \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite,                                              \
                           ::testing::Values(::rg::controlplane::Backend::TestApiServer, \
                                             ::rg::controlplane::Backend::ControlPlane), \
                           [](const auto& info) { return backendName(info.param); })

}  // namespace rg::controlplane
