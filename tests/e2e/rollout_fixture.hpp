#pragma once
// Helpers of the rollout scenarios: images whose pods fail as real ones do (the simulated
// controller's PodBehaviours), pods by image and readiness, and the moment the operator put the
// Deployment's template back (its rollback PATCH, seen by an API server hook).
#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tests/e2e/support/fault_fixture.hpp"
#include "tests/support/pod_lifecycle.hpp"

namespace rg::e2e {

inline constexpr const char* kCrashImage = "shop/web:3.0-crash";
inline constexpr const char* kMissingImage = "shop/web:3.0-missing";
inline constexpr const char* kNeverReadyImage = "shop/web:3.0-stuck";
inline constexpr const char* kFlakyImage = "shop/web:3.0-restarts-once";
inline constexpr const char* kJsonPatchType = "application/json-patch+json";

// When the Deployment's first container image first went from `from` to `to` (a rollback:
// nothing but the operator's PATCH changes it back in these tests).
class TemplateChangeClock {
 public:
  TemplateChangeClock(rg::testing::ApiServer& server, std::string from, std::string to)
      : server_(server) {
    hook_ = server_.onChange(
        [this, from = std::move(from), to = std::move(to)](const rg::testing::StoreEvent& e) {
          if (e.storageKey != "apps/deployments" || !e.object || !e.previous) return;
          const auto image = [](const json& d) {
            return d.value("/spec/template/spec/containers/0/image"_json_pointer, std::string());
          };
          if (image(*e.previous) != from || image(*e.object) != to) return;
          std::lock_guard lock(mu_);
          if (!at_) at_ = std::chrono::system_clock::now();
        });
  }
  ~TemplateChangeClock() { server_.removeHook(hook_); }
  TemplateChangeClock(const TemplateChangeClock&) = delete;
  TemplateChangeClock& operator=(const TemplateChangeClock&) = delete;

  std::optional<std::chrono::system_clock::time_point> at() const {
    std::lock_guard lock(mu_);
    return at_;
  }

 private:
  rg::testing::ApiServer& server_;
  int hook_ = -1;
  mutable std::mutex mu_;
  std::optional<std::chrono::system_clock::time_point> at_;
};

class RolloutTest : public E2eTest {
 protected:
  void TearDown() override {
    history_.reset();
    E2eTest::TearDown();
  }

  rg::testing::PodBehaviours& behaviours() { return cluster().controller().podBehaviours(); }

  // Records every status gate "web" is written with (start before the operator).
  void recordGate() { history_ = std::make_unique<GateHistory>(cluster().api(), "web"); }
  // The messages check `check` had whenever it was written with `result`, in order.
  std::vector<std::string> messagesOf(const std::string& check, const std::string& result) {
    std::vector<std::string> out;
    if (!history_) return out;
    for (const auto& status : history_->statuses())
      for (const auto& c : status.value("checks", json::array()))
        if (c.value("name", "") == check && c.value("result", "") == result)
          out.push_back(c.value("message", ""));
    return out;
  }
  // The first message of `check` with `result` containing one of `needles` ("" if none).
  std::string messageWith(const std::string& check, const std::string& result,
                          const std::vector<std::string>& needles) {
    for (const auto& m : messagesOf(check, result))
      for (const auto& needle : needles)
        if (m.find(needle) != std::string::npos) return m;
    return "";
  }

  static json rolloutCheck(json options = json::object()) {
    return {{"name", "rollout"}, {"rollout", std::move(options)}};
  }

  // A Deployment on kGoodImage whose rolling update never takes a ready pod away.
  static json strictDeployment(const std::string& name = "web") {
    json d = deploymentManifest(name, kGoodImage);
    d["spec"]["strategy"] = {{"type", "RollingUpdate"},
                             {"rollingUpdate", {{"maxSurge", 1}, {"maxUnavailable", 0}}}};
    return d;
  }

  static std::string imageOf(const json& object, const char* pointer) {
    return object.value(json::json_pointer(pointer), std::string());
  }
  static bool podReady(const json& pod, const std::string& type = "Ready") {
    for (const auto& c : pod.value("/status/conditions"_json_pointer, json::array()))
      if (c.value("type", "") == type) return c.value("status", "") == "True";
    return false;
  }
  std::vector<json> podsWithImage(const std::string& image) {
    std::vector<json> out;
    for (auto& pod : cluster().pods())
      if (imageOf(pod, "/spec/containers/0/image") == image) out.push_back(std::move(pod));
    return out;
  }

  ::testing::AssertionResult waitForPassing(const std::string& check,
                                            std::chrono::milliseconds timeout = 20s) {
    return waitForGate(
        "web",
        [&](const json& g) { return gatePhase(g) == "Passing" && checkIs(g, check, "Passed"); },
        timeout, "passed " + check);
  }

  std::unique_ptr<GateHistory> history_;
};

}  // namespace rg::e2e
