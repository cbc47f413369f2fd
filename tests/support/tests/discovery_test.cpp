#include <gmock/gmock.h>

#include "tests/support/tests/fixture.hpp"

namespace rg::testing {
namespace {

using ::testing::Contains;

class DiscoveryTest : public ApiServerTest {};

nlohmann::json findResource(const nlohmann::json& list, const std::string& name) {
  for (const auto& r : list["resources"]) {
    if (r["name"] == name) return r;
  }
  return nullptr;
}

TEST_F(DiscoveryTest, VersionReportsKubernetes132) {
  auto r = client().get("/version");
  ASSERT_EQ(r.code, 200);
  EXPECT_EQ(r.json()["gitVersion"], "v1.32.3");
  EXPECT_EQ(r.json()["major"], "1");
}

TEST_F(DiscoveryTest, AggregatedDiscoveryAcceptGetsPlainDocuments) {
  // kubectl asks for APIGroupDiscoveryList first; a plain document makes it fall back.
  const std::string accept =
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
  auto api = client().get("/api", accept);
  ASSERT_EQ(api.code, 200);
  EXPECT_EQ(api.header("content-type"), "application/json");
  EXPECT_EQ(api.json()["kind"], "APIVersions");
  EXPECT_EQ(api.json()["versions"], nlohmann::json::array({"v1"}));

  auto apis = client().get("/apis", accept);
  ASSERT_EQ(apis.code, 200);
  EXPECT_EQ(apis.json()["kind"], "APIGroupList");
  std::vector<std::string> groups;
  const auto groupList = apis.json();
  for (const auto& g : groupList["groups"]) groups.push_back(g["name"]);
  EXPECT_THAT(groups, Contains("apps"));
  EXPECT_THAT(groups, Contains("coordination.k8s.io"));
  EXPECT_THAT(groups, Contains("apiextensions.k8s.io"));
}

TEST_F(DiscoveryTest, ResourceListsDescribeVerbsAndNames) {
  auto core = client().get("/api/v1").json();
  EXPECT_EQ(core["kind"], "APIResourceList");
  EXPECT_EQ(core["groupVersion"], "v1");
  auto pods = findResource(core, "pods");
  ASSERT_TRUE(pods.is_object());
  EXPECT_EQ(pods["kind"], "Pod");
  EXPECT_EQ(pods["singularName"], "pod");
  EXPECT_TRUE(pods["namespaced"].get<bool>());
  EXPECT_THAT(pods["verbs"].get<std::vector<std::string>>(), Contains("watch"));
  EXPECT_THAT(pods["shortNames"].get<std::vector<std::string>>(), Contains("po"));
  EXPECT_TRUE(findResource(core, "pods/status").is_object());
  EXPECT_FALSE(findResource(core, "namespaces")["namespaced"].get<bool>());

  auto apps = client().get("/apis/apps/v1").json();
  EXPECT_EQ(apps["groupVersion"], "apps/v1");
  EXPECT_EQ(findResource(apps, "deployments")["shortNames"], nlohmann::json::array({"deploy"}));
  EXPECT_TRUE(findResource(apps, "deployments/status").is_object());
  EXPECT_TRUE(findResource(apps, "replicasets/status").is_object());

  EXPECT_EQ(client().get("/apis/coordination.k8s.io/v1").code, 200);
  EXPECT_EQ(client().get("/apis/apps/v2").code, 404);
  EXPECT_EQ(client().get("/apis/apps").json()["preferredVersion"]["groupVersion"], "apps/v1");
}

TEST_F(DiscoveryTest, OpenApiV3AdvertisesFieldValidation) {
  auto root = client().get("/openapi/v3").json();
  ASSERT_TRUE(root["paths"].contains("apis/apps/v1"));
  const std::string url = root["paths"]["apis/apps/v1"]["serverRelativeURL"];
  auto doc = client().get(url).json();
  const auto& op = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
  EXPECT_EQ(op["x-kubernetes-group-version-kind"]["kind"], "Deployment");
  bool hasFieldValidation = false;
  for (const auto& p : op["parameters"]) {
    hasFieldValidation |= p["name"] == "fieldValidation" && p["in"] == "query";
  }
  EXPECT_TRUE(hasFieldValidation);
  EXPECT_EQ(client().get("/openapi/v2").code, 404);
}

TEST_F(DiscoveryTest, UnknownPathsAnswerNotFoundStatus) {
  auto r = client().get("/apis/nope.dev/v1/things");
  EXPECT_EQ(r.code, 404);
  EXPECT_EQ(r.json()["kind"], "Status");
  EXPECT_EQ(r.json()["reason"], "NotFound");
  EXPECT_EQ(r.json()["code"], 404);
}

}  // namespace
}  // namespace rg::testing
