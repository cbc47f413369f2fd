#pragma once
// The fixture of the fault-injection scenarios: the end-to-end fixture plus what every fault
// test asserts on (the operator is alive and healthy, which requests it made and how they were
// answered, every status a gate went through) and static-check gates that need no Prometheus.
#include <mutex>
#include <string>
#include <vector>

#include "tests/e2e/e2e_fixture.hpp"
#include "tests/e2e/support/http_get.hpp"

namespace rg::e2e {

// An image tag the security check refuses (":latest"): a static failure, known at once.
inline constexpr const char* kLatestImage = "shop/web:latest";
inline constexpr const char* kJsonPatch = "application/json-patch+json";
inline constexpr const char* kGatesStorageKey = "gates.readiness.dev/readinessgates";

// Every status a gate was written with, in commit order (an API server hook).
class GateHistory {
 public:
  GateHistory(rg::testing::ApiServer& server, std::string name) : server_(server) {
    hook_ = server_.onChange([this, name = std::move(name)](const rg::testing::StoreEvent& e) {
      if (e.storageKey != kGatesStorageKey || !e.object) return;
      if (e.object->value("/metadata/name"_json_pointer, std::string()) != name) return;
      std::lock_guard lock(mu_);
      statuses_.push_back(e.object->value("status", nlohmann::json::object()));
    });
  }
  ~GateHistory() { server_.removeHook(hook_); }
  GateHistory(const GateHistory&) = delete;
  GateHistory& operator=(const GateHistory&) = delete;

  std::vector<nlohmann::json> statuses() const {
    server_.waitForHooks();
    std::lock_guard lock(mu_);
    return statuses_;
  }
  // How many written statuses had check `check` with `result`.
  size_t count(const std::string& check, const std::string& result) const {
    size_t n = 0;
    for (const auto& status : statuses())
      if (checkResult(status, check) == result) ++n;
    return n;
  }

 private:
  static std::string checkResult(const nlohmann::json& status, const std::string& check) {
    for (const auto& c : status.value("checks", nlohmann::json::array()))
      if (c.value("name", "") == check) return c.value("result", "");
    return "";
  }

  rg::testing::ApiServer& server_;
  int hook_ = -1;
  mutable std::mutex mu_;
  std::vector<nlohmann::json> statuses_;
};

class FaultTest : public E2eTest {
 protected:
  OperatorProcess& startOperatorWith(std::vector<std::string> extraArgs) {
    operator_ = std::make_unique<OperatorProcess>(OperatorOptions{
        RG_OPERATOR_BINARY, cluster().kubeconfig(), cluster().dir(), std::move(extraArgs)});
    operator_->start();
    return *operator_;
  }

  // The process runs and /healthz answers 200.
  static ::testing::AssertionResult healthy(OperatorProcess& process) {
    if (!process.running())
      return ::testing::AssertionFailure() << "the operator exited:\n" << process.logTail();
    const auto reply =
        httpGet("http://127.0.0.1:" + std::to_string(process.healthPort()) + "/healthz");
    if (reply.status != 200)
      return ::testing::AssertionFailure()
             << "/healthz answered " << reply.status << " " << reply.error << reply.body;
    return ::testing::AssertionSuccess();
  }

  // The body of /readyz ("ok: leader", "ok: standby"; "" when it does not answer 200).
  static std::string readyz(OperatorProcess& process) {
    const auto reply =
        httpGet("http://127.0.0.1:" + std::to_string(process.healthPort()) + "/readyz");
    return reply.status == 200 ? reply.body : "";
  }

  // Requests the API server answered with `method`, a path containing `pathContains` and
  // (when non-zero) status `code`.
  size_t requests(const std::string& method, const std::string& pathContains, int code = 0) {
    size_t n = 0;
    for (const auto& r : cluster().api().requests()) {
      if (!method.empty() && r.method != method) continue;
      const std::string target = r.path + (r.query.empty() ? "" : "?" + r.query);
      if (target.find(pathContains) == std::string::npos) continue;
      if (code != 0 && r.code != code) continue;
      ++n;
    }
    return n;
  }

  static json securityCheck() { return {{"name", "security"}, {"security", json::object()}}; }

  static json secretsCheck(const std::string& secret) {
    return {{"name", "secrets"},
            {"secrets", {{"required", json::array({{{"name", secret}, {"keys", {"url"}}}})}}}};
  }

  static json secretManifest(const std::string& name) {
    return {{"apiVersion", "v1"},
            {"kind", "Secret"},
            {"metadata", {{"name", name}}},
            {"data", {{"url", "aHR0cDovL2Ri"}}}};
  }

  static std::string imageOf(const json& d) {
    return d.value("/spec/template/spec/containers/0/image"_json_pointer, std::string());
  }

  static std::string revisionOf(const json& d) {
    return annotationOf(d, "deployment.kubernetes.io/revision");
  }

  // Status fields that may be absent ("" then).
  static std::string targetRevisionOf(const json& g) {
    return g.value("/status/targetRevision"_json_pointer, std::string());
  }
  static std::string lastActionOf(const json& g, const std::string& field) {
    return g.value(json::json_pointer("/status/lastAction/" + field), std::string());
  }

  static std::string conditionStatus(const json& g, const std::string& type) {
    const json c = gateCondition(g, type);
    return c.is_null() ? "" : c.value("status", "");
  }

  // The gate's record of rolling revision 2 back to revision 1.
  static ::testing::AssertionResult rolledBackFrom2To1(const json& g) {
    if (lastActionOf(g, "type") == "Rollback" && lastActionOf(g, "fromRevision") == "2" &&
        lastActionOf(g, "toRevision") == "1")
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "lastAction is not Rollback from revision 2 to 1: "
           << g.value("/status/lastAction"_json_pointer, json()).dump();
  }

  static bool passing(const json& g, const std::string& check) {
    return gatePhase(g) == "Passing" && checkIs(g, check, "Passed");
  }
};

}  // namespace rg::e2e
