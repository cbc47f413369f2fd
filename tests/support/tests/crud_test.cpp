#include <gmock/gmock.h>

#include "tests/support/tests/fixture.hpp"

namespace rg::testing {
namespace {

class CrudTest : public ApiServerTest {};

TEST_F(CrudTest, CreateFillsServerMetadata) {
  auto r = client().post(kDeployments, makeDeployment("web"));
  ASSERT_EQ(r.code, 201) << r.body;
  auto obj = r.json();
  EXPECT_EQ(obj["apiVersion"], "apps/v1");
  EXPECT_EQ(obj["kind"], "Deployment");
  EXPECT_EQ(obj["metadata"]["namespace"], "default");
  EXPECT_EQ(obj["metadata"]["generation"], 1);
  EXPECT_EQ(obj["metadata"]["uid"].get<std::string>().size(), 36u);
  EXPECT_FALSE(obj["metadata"]["creationTimestamp"].get<std::string>().empty());
  EXPECT_FALSE(obj["metadata"]["resourceVersion"].get<std::string>().empty());
  // Defaults like the real API server's.
  EXPECT_EQ(obj["spec"]["strategy"]["type"], "RollingUpdate");
  EXPECT_EQ(obj["spec"]["revisionHistoryLimit"], 10);

  auto got = client().get(std::string(kDeployments) + "/web");
  ASSERT_EQ(got.code, 200);
  EXPECT_EQ(got.json(), obj);
}

TEST_F(CrudTest, CreateDropsStatusWhenTheResourceHasAStatusSubresource) {
  auto d = makeDeployment("web");
  d["status"] = {{"replicas", 5}};
  auto obj = client().post(kDeployments, d).json();
  EXPECT_FALSE(obj.contains("status"));
}

TEST_F(CrudTest, GenerateNameMakesAUniqueName) {
  auto cm = makeConfigMap("", "default");
  cm["metadata"].erase("name");
  cm["metadata"]["generateName"] = "cfg-";
  auto a = client().post("/api/v1/namespaces/default/configmaps", cm);
  auto b = client().post("/api/v1/namespaces/default/configmaps", cm);
  ASSERT_EQ(a.code, 201);
  ASSERT_EQ(b.code, 201);
  const std::string na = a.json()["metadata"]["name"];
  EXPECT_EQ(na.rfind("cfg-", 0), 0u);
  EXPECT_EQ(na.size(), 9u);
  EXPECT_NE(na, b.json()["metadata"]["name"]);
}

TEST_F(CrudTest, DuplicateCreateIsAlreadyExists) {
  ASSERT_EQ(client().post(kDeployments, makeDeployment("web")).code, 201);
  auto r = client().post(kDeployments, makeDeployment("web"));
  EXPECT_EQ(r.code, 409);
  EXPECT_EQ(r.json()["reason"], "AlreadyExists");
  EXPECT_EQ(r.json()["message"], "deployments.apps \"web\" already exists");
  EXPECT_EQ(r.json()["details"]["kind"], "deployments");
}

TEST_F(CrudTest, MissingObjectIsNotFoundStatus) {
  auto r = client().get(std::string(kDeployments) + "/nope");
  EXPECT_EQ(r.code, 404);
  auto s = r.json();
  EXPECT_EQ(s["kind"], "Status");
  EXPECT_EQ(s["status"], "Failure");
  EXPECT_EQ(s["reason"], "NotFound");
  EXPECT_EQ(s["message"], "deployments.apps \"nope\" not found");
  EXPECT_EQ(s["details"]["name"], "nope");
  EXPECT_EQ(s["details"]["group"], "apps");
}

TEST_F(CrudTest, InvalidNameIsRejected) {
  auto r = client().post(kDeployments, makeDeployment("Bad_Name"));
  EXPECT_EQ(r.code, 422);
  EXPECT_EQ(r.json()["reason"], "Invalid");
}

TEST_F(CrudTest, NamespaceMismatchIsBadRequest) {
  auto r = client().post(kDeployments, makeDeployment("web", "other"));
  EXPECT_EQ(r.code, 400);
  EXPECT_EQ(r.json()["reason"], "BadRequest");
}

TEST_F(CrudTest, StaleUpdateIsConflict) {
  auto created = client().post(kDeployments, makeDeployment("web")).json();
  auto first = created;
  first["spec"]["replicas"] = 3;
  auto ok = client().put(std::string(kDeployments) + "/web", first);
  ASSERT_EQ(ok.code, 200) << ok.body;
  EXPECT_NE(ok.json()["metadata"]["resourceVersion"], created["metadata"]["resourceVersion"]);

  auto stale = created;  // still carries the old resourceVersion
  stale["spec"]["replicas"] = 4;
  auto r = client().put(std::string(kDeployments) + "/web", stale);
  EXPECT_EQ(r.code, 409);
  EXPECT_EQ(r.json()["reason"], "Conflict");
  EXPECT_THAT(r.json()["message"].get<std::string>(),
              ::testing::HasSubstr("the object has been modified"));
}

TEST_F(CrudTest, UpdateOfMissingObjectIsNotFound) {
  auto r = client().put(std::string(kDeployments) + "/ghost", makeDeployment("ghost"));
  EXPECT_EQ(r.code, 404);
}

TEST_F(CrudTest, GenerationBumpsOnlyOnSpecChanges) {
  auto obj = client().post(kDeployments, makeDeployment("web")).json();
  obj["metadata"]["labels"]["extra"] = "yes";
  obj = client().put(std::string(kDeployments) + "/web", obj).json();
  EXPECT_EQ(obj["metadata"]["generation"], 1);

  obj["spec"]["replicas"] = 7;
  obj = client().put(std::string(kDeployments) + "/web", obj).json();
  EXPECT_EQ(obj["metadata"]["generation"], 2);

  auto status = obj;
  status["status"] = {{"observedGeneration", 2}, {"replicas", 7}};
  obj = client().put(std::string(kDeployments) + "/web/status", status).json();
  EXPECT_EQ(obj["metadata"]["generation"], 2);
  EXPECT_EQ(obj["status"]["replicas"], 7);
}

TEST_F(CrudTest, NoOpUpdateKeepsResourceVersion) {
  auto obj = client().post(kDeployments, makeDeployment("web")).json();
  const uint64_t before = server().resourceVersion();
  auto same = client().put(std::string(kDeployments) + "/web", obj).json();
  EXPECT_EQ(same["metadata"]["resourceVersion"], obj["metadata"]["resourceVersion"]);
  EXPECT_EQ(server().resourceVersion(), before);
}

TEST_F(CrudTest, StatusIsSeparatedFromTheMainResource) {
  auto obj = client().post(kDeployments, makeDeployment("web")).json();
  // The main resource ignores status.
  obj["status"] = {{"replicas", 9}};
  obj["spec"]["replicas"] = 3;
  auto updated = client().put(std::string(kDeployments) + "/web", obj).json();
  EXPECT_FALSE(updated.contains("status"));
  EXPECT_EQ(updated["spec"]["replicas"], 3);

  // The status subresource ignores everything else.
  auto s = updated;
  s["spec"]["replicas"] = 99;
  s["metadata"]["labels"]["sneaky"] = "x";
  s["status"] = {{"replicas", 3}, {"readyReplicas", 1}};
  auto r = client().put(std::string(kDeployments) + "/web/status", s);
  ASSERT_EQ(r.code, 200) << r.body;
  auto afterStatus = r.json();
  EXPECT_EQ(afterStatus["spec"]["replicas"], 3);
  EXPECT_FALSE(afterStatus["metadata"]["labels"].contains("sneaky"));
  EXPECT_EQ(afterStatus["status"]["readyReplicas"], 1);

  auto p = client().patch(std::string(kDeployments) + "/web/status", "application/merge-patch+json",
                          R"({"spec":{"replicas":50},"status":{"availableReplicas":1}})");
  ASSERT_EQ(p.code, 200) << p.body;
  EXPECT_EQ(p.json()["spec"]["replicas"], 3);
  EXPECT_EQ(p.json()["status"]["availableReplicas"], 1);
  EXPECT_EQ(p.json()["status"]["readyReplicas"], 1);

  auto g = client().get(std::string(kDeployments) + "/web/status");
  EXPECT_EQ(g.code, 200);
  EXPECT_EQ(g.json()["status"]["availableReplicas"], 1);

  // No status subresource on ConfigMaps.
  client().post("/api/v1/namespaces/default/configmaps", makeConfigMap("c", "default"));
  EXPECT_EQ(client().get("/api/v1/namespaces/default/configmaps/c/status").code, 404);
}

TEST_F(CrudTest, DeleteReturnsTheObjectAndRemovesIt) {
  client().post(kDeployments, makeDeployment("web"));
  auto r = client().del(
      std::string(kDeployments) + "/web",
      R"({"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"})");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.json()["metadata"]["name"], "web");
  EXPECT_EQ(client().get(std::string(kDeployments) + "/web").code, 404);
  EXPECT_EQ(client().del(std::string(kDeployments) + "/web").code, 404);
}

TEST_F(CrudTest, DeletePreconditionMismatchIsConflict) {
  client().post(kDeployments, makeDeployment("web"));
  auto r = client().del(std::string(kDeployments) + "/web",
                        R"({"preconditions":{"uid":"not-the-uid"}})");
  EXPECT_EQ(r.code, 409);
  EXPECT_EQ(client().get(std::string(kDeployments) + "/web").code, 200);
}

TEST_F(CrudTest, FinalizersDelayDeletion) {
  auto d = makeDeployment("web");
  d["metadata"]["finalizers"] = {"example.dev/cleanup"};
  client().post(kDeployments, d);
  auto r = client().del(std::string(kDeployments) + "/web");
  ASSERT_EQ(r.code, 200);
  auto marked = client().get(std::string(kDeployments) + "/web");
  ASSERT_EQ(marked.code, 200);
  EXPECT_TRUE(marked.json()["metadata"].contains("deletionTimestamp"));

  auto p = client().patch(std::string(kDeployments) + "/web", "application/merge-patch+json",
                          R"({"metadata":{"finalizers":null}})");
  ASSERT_EQ(p.code, 200) << p.body;
  EXPECT_EQ(client().get(std::string(kDeployments) + "/web").code, 404);
}

TEST_F(CrudTest, DeletingAnOwnerCollectsItsDependents) {
  auto owner = client().post(kDeployments, makeDeployment("web")).json();
  nlohmann::json rs = {{"apiVersion", "apps/v1"},
                       {"kind", "ReplicaSet"},
                       {"metadata",
                        {{"name", "web-1"},
                         {"namespace", "default"},
                         {"ownerReferences",
                          {{{"apiVersion", "apps/v1"},
                            {"kind", "Deployment"},
                            {"name", "web"},
                            {"uid", owner["metadata"]["uid"]},
                            {"controller", true}}}}}},
                       {"spec", {{"selector", {{"matchLabels", {{"app", "web"}}}}}}}};
  ASSERT_EQ(client().post("/apis/apps/v1/namespaces/default/replicasets", rs).code, 201);
  client().del(std::string(kDeployments) + "/web");
  EXPECT_EQ(client().get("/apis/apps/v1/namespaces/default/replicasets/web-1").code, 404);
}

TEST_F(CrudTest, DryRunDoesNotPersist) {
  auto r = client().request("POST", std::string(kDeployments) + "?dryRun=All",
                            makeDeployment("web").dump());
  EXPECT_EQ(r.code, 201);
  EXPECT_EQ(client().get(std::string(kDeployments) + "/web").code, 404);
}

TEST_F(CrudTest, ClusterScopedResources) {
  auto r = client().post(
      "/api/v1/namespaces",
      {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "shop"}}}});
  ASSERT_EQ(r.code, 201) << r.body;
  EXPECT_FALSE(r.json()["metadata"].contains("namespace"));
  EXPECT_EQ(r.json()["status"]["phase"], "Active");
  EXPECT_EQ(client().get("/api/v1/namespaces/shop").code, 200);
  // Deleting a namespace deletes what it holds.
  client().post("/api/v1/namespaces/shop/configmaps", makeConfigMap("c", "shop"));
  EXPECT_EQ(client().del("/api/v1/namespaces/shop").code, 200);
  EXPECT_EQ(client().get("/api/v1/namespaces/shop/configmaps/c").code, 404);
}

}  // namespace
}  // namespace rg::testing
