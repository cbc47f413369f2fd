// podReadinessGate never takes serving pods away: with maxUnavailable 0 a failing new revision
// leaves every old pod Ready (its own pods are held back), and a check failing in steady state
// (a required Secret deleted) leaves every pod Ready while the gate reports Failing.
#include "tests/e2e/rollout_fixture.hpp"

namespace rg::e2e {
namespace {

constexpr const char* kConditionType = "gates.readiness.dev/web";
constexpr const char* kNextImage = "shop/web:2.1";  // healthy pods

class RolloutGatingTest : public RolloutTest {
 protected:
  // Pods that wait for the gate's condition, maxUnavailable 0, NODE_ENV=production.
  static json gatedDeployment() {
    json d = strictDeployment();
    d["spec"]["template"]["spec"]["readinessGates"] = {{{"conditionType", kConditionType}}};
    d["spec"]["template"]["spec"]["containers"][0]["env"] = {
        {{"name", "NODE_ENV"}, {"value", "production"}}};
    return d;
  }

  // Watches every pod change: any moment a pod of `image` was not Ready, or fewer than
  // `minimum` pods of it were, is a violation (checked after each committed event).
  class ServingWatch {
   public:
    ServingWatch(rg::testing::ApiServer& server, std::string ns, std::string image, size_t minimum)
        : server_(server) {
      hook_ = server_.onChange([this, ns = std::move(ns), image = std::move(image),
                                minimum](const rg::testing::StoreEvent& e) {
        if (e.storageKey != "/pods") return;
        size_t ready = 0;
        for (const auto& pod : server_.list("v1", "Pod", ns))
          if (pod.value("/spec/containers/0/image"_json_pointer, std::string()) == image &&
              podReady(pod))
            ++ready;
        std::lock_guard lock(mu_);
        ++events_;
        if (ready < minimum && violation_.empty())
          violation_ = "only " + std::to_string(ready) + " Ready pods of " + image +
                       " after event at resourceVersion " + std::to_string(e.resourceVersion);
      });
    }
    ~ServingWatch() { server_.removeHook(hook_); }
    std::string violation() const {
      server_.waitForHooks();
      std::lock_guard lock(mu_);
      return violation_;
    }
    size_t events() const {
      std::lock_guard lock(mu_);
      return events_;
    }

   private:
    rg::testing::ApiServer& server_;
    int hook_ = -1;
    mutable std::mutex mu_;
    std::string violation_;
    size_t events_ = 0;
  };

  // Every pod of `image` is Ready and has the gate's condition True; `count` of them.
  ::testing::AssertionResult allServing(const std::string& image, size_t count) {
    const auto pods = podsWithImage(image);
    if (pods.size() != count)
      return ::testing::AssertionFailure() << pods.size() << " pods of " << image;
    for (const auto& pod : pods) {
      if (!podReady(pod) || !podReady(pod, kConditionType))
        return ::testing::AssertionFailure()
               << pod["metadata"]["name"] << " not serving: " << pod["status"].dump();
    }
    return ::testing::AssertionSuccess();
  }

  // Polls for `duration`, asserting `condition` at every poll.
  // (`condition` returns an AssertionResult.)
  template <class Condition>
  void holdsFor(std::chrono::milliseconds duration, Condition condition) {
    const auto end = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < end) {
      ASSERT_TRUE(condition());
      std::this_thread::sleep_for(50ms);
    }
  }
};

TEST_F(RolloutGatingTest, FailingNewRevisionLeavesEveryOldPodReady) {
  cluster().apply(gatedDeployment());
  cluster().apply(
      gateManifest("web", "web",
                   {{"interval", "1s"},
                    {"podReadinessGate", true},
                    {"onFailure", "Report"},
                    {"checks",
                     {rolloutCheck(),
                      {{"name", "env"}, {"env", {{"equals", {{"NODE_ENV", "production"}}}}}}}}}));
  startOperator();
  ASSERT_TRUE(waitForPassing("env"));
  ASSERT_TRUE(eventually([&] { return bool(allServing(kGoodImage, 2)); }, 10s))
      << allServing(kGoodImage, 2).message();

  // Revision 2 runs fine but fails a Critical check (NODE_ENV changed): it never passes, so its
  // pod is held back and the rolling update cannot take an old pod away.
  ServingWatch watch(cluster().api(), cluster().ns(), kGoodImage, 2);
  cluster().api().mutate("apps/v1", "Deployment", cluster().ns(), "web", [](json& d) {
    d["spec"]["template"]["spec"]["containers"][0]["image"] = kNextImage;
    d["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] = "staging";
  });
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Failing" && checkIs(g, "env", "Failed"); },
      10s, "failed revision 2"));
  ASSERT_NO_FATAL_FAILURE(holdsFor(5s, [&] {
    auto serving = allServing(kGoodImage, 2);
    if (!serving) return serving;
    const json d = deployment();
    if (d["status"].value("availableReplicas", 0) < 2)
      return ::testing::AssertionFailure() << "available: " << d["status"].dump();
    return ::testing::AssertionSuccess();
  }));
  EXPECT_EQ(watch.violation(), "");
  EXPECT_GT(watch.events(), 0u);
  // The new revision's pod: running, its gate condition False, so not Ready.
  const auto fresh = podsWithImage(kNextImage);
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_TRUE(podReady(fresh[0], "ContainersReady"));
  EXPECT_FALSE(podReady(fresh[0]));
  EXPECT_EQ(cluster().deploymentPatches(), 0u);
}

TEST_F(RolloutGatingTest, RequiredSecretDeletedInSteadyStateLeavesEveryPodReady) {
  cluster().apply({{"apiVersion", "v1"},
                   {"kind", "Secret"},
                   {"metadata", {{"name", "web-db"}}},
                   {"data", {{"url", "aHR0cDovL2Ri"}}}});
  cluster().apply(gatedDeployment());
  cluster().apply(gateManifest(
      "web", "web",
      {{"interval", "1s"},
       {"podReadinessGate", true},
       {"onFailure", "Report"},
       {"checks",
        {rolloutCheck(),
         {{"name", "secrets"},
          {"secrets", {{"required", json::array({{{"name", "web-db"}, {"keys", {"url"}}}})}}}}}}}));
  startOperator();
  ASSERT_TRUE(waitForPassing("secrets"));
  ASSERT_TRUE(eventually([&] { return bool(allServing(kGoodImage, 2)); }, 10s))
      << allServing(kGoodImage, 2).message();

  ServingWatch watch(cluster().api(), cluster().ns(), kGoodImage, 2);
  ASSERT_TRUE(cluster().api().remove("v1", "Secret", cluster().ns(), "web-db"));
  ASSERT_TRUE(waitForGate(
      "web",
      [](const json& g) { return gatePhase(g) == "Failing" && checkIs(g, "secrets", "Failed"); },
      10s, "reported the missing Secret"));
  // The revision had passed: its pods keep serving while the gate reports the failure.
  ASSERT_NO_FATAL_FAILURE(holdsFor(5s, [&] {
    auto serving = allServing(kGoodImage, 2);
    if (!serving) return serving;
    const json g = gate();
    if (gatePhase(g) != "Failing") return ::testing::AssertionFailure() << g["status"].dump();
    return ::testing::AssertionSuccess();
  }));
  EXPECT_EQ(watch.violation(), "");
  EXPECT_EQ(deployment()["status"].value("readyReplicas", 0), 2);
  EXPECT_EQ(cluster().deploymentPatches(), 0u);
}

}  // namespace
}  // namespace rg::e2e
