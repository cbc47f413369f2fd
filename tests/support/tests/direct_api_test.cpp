#include <gmock/gmock.h>

#include <atomic>

#include "tests/support/api_errors.hpp"
#include "tests/support/tests/fixture.hpp"

namespace rg::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

class DirectApiTest : public ApiServerTest {};

TEST_F(DirectApiTest, SeedAndInspectState) {
  auto d = makeDeployment("web");
  d["metadata"]["uid"] = "11111111-2222-3333-4444-555555555555";
  d["status"] = {{"replicas", 2}};
  auto created = server().create(d);
  // Seeding keeps what the test chose, unlike an HTTP create.
  EXPECT_EQ(created["metadata"]["uid"], "11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(created["status"]["replicas"], 2);
  EXPECT_EQ(client().get(std::string(kDeployments) + "/web").json()["status"]["replicas"], 2);

  auto got = server().get("apps/v1", "Deployment", "default", "web");
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)["spec"]["replicas"], 2);
  EXPECT_FALSE(server().get("apps/v1", "Deployment", "default", "nope"));
  EXPECT_EQ(server().list("apps/v1", "Deployment").size(), 1u);

  auto m = server().mutate("apps/v1", "Deployment", "default", "web", [](json& obj) {
    obj["spec"]["replicas"] = 5;
    obj["status"]["replicas"] = 5;
  });
  EXPECT_EQ(m["metadata"]["generation"], 2);
  EXPECT_EQ(m["status"]["replicas"], 5);

  auto stale = created;
  stale["spec"]["replicas"] = 1;
  EXPECT_THROW(server().update(stale), ApiError);

  EXPECT_TRUE(server().remove("apps/v1", "Deployment", "default", "web"));
  EXPECT_FALSE(server().remove("apps/v1", "Deployment", "default", "web"));
  EXPECT_THROW(server().create(json{{"apiVersion", "nope/v1"}, {"kind", "X"}}), ApiError);
}

TEST_F(DirectApiTest, HooksSeeChangesInOrderAndMayWriteBack) {
  // A toy controller: every Deployment gets a status reflecting its spec.
  std::vector<std::string> seen;
  std::mutex mu;
  server().onChange([&](const StoreEvent& e) {
    {
      std::lock_guard lock(mu);
      seen.push_back(std::string(eventTypeName(e.type)) + " " + e.storageKey);
    }
    if (e.storageKey != "apps/deployments" || e.type == EventType::Deleted) return;
    const auto& d = *e.object;
    const auto replicas = d["spec"].value("replicas", 1);
    if (d.value("/status/replicas"_json_pointer, -1) == replicas) return;
    server().mutate("apps/v1", "Deployment", d["metadata"]["namespace"], d["metadata"]["name"],
                    [&](json& obj) { obj["status"]["replicas"] = replicas; });
  });
  ASSERT_EQ(client().post(kDeployments, makeDeployment("web")).code, 201);
  server().waitForHooks();
  EXPECT_EQ(client().get(std::string(kDeployments) + "/web").json()["status"]["replicas"], 2);
  std::lock_guard lock(mu);
  EXPECT_EQ(seen,
            (std::vector<std::string>{"ADDED apps/deployments", "MODIFIED apps/deployments"}));
}

TEST_F(DirectApiTest, UpdateStatusTouchesOnlyStatus) {
  auto created = server().create(makeDeployment("web"));
  auto s = created;
  s["spec"]["replicas"] = 9;
  s["status"] = {{"readyReplicas", 2}};
  auto r = server().updateStatus(s);
  EXPECT_EQ(r["spec"]["replicas"], 2);
  EXPECT_EQ(r["status"]["readyReplicas"], 2);
}

}  // namespace
}  // namespace rg::testing
