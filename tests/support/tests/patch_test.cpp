#include <gmock/gmock.h>

#include "tests/support/tests/fixture.hpp"

namespace rg::testing {
namespace {

class PatchTest : public ApiServerTest {
 protected:
  void SetUp() override {
    ApiServerTest::SetUp();
    ASSERT_EQ(client().post(kDeployments, makeDeployment("web")).code, 201);
  }
  HttpResult patchWeb(const std::string& type, const std::string& body) {
    return client().patch(std::string(kDeployments).append("/web"), type, body);
  }
};

TEST_F(PatchTest, MergePatch) {
  auto r = patchWeb("application/merge-patch+json",
                    R"({"metadata":{"labels":{"tier":"front","app":null}},"spec":{"replicas":5}})");
  ASSERT_EQ(r.code, 200) << r.body;
  auto obj = r.json();
  EXPECT_EQ(obj["metadata"]["labels"], nlohmann::json({{"tier", "front"}}));
  EXPECT_EQ(obj["spec"]["replicas"], 5);
  EXPECT_EQ(obj["metadata"]["generation"], 2);
}

TEST_F(PatchTest, MergePatchWithStaleResourceVersionIsConflict) {
  auto r = patchWeb("application/merge-patch+json",
                    R"({"metadata":{"resourceVersion":"1"},"spec":{"replicas":5}})");
  EXPECT_EQ(r.code, 409);
}

TEST_F(PatchTest, JsonPatch) {
  auto r = patchWeb("application/json-patch+json",
                    R"([{"op":"replace","path":"/spec/replicas","value":4},
                        {"op":"add","path":"/metadata/annotations","value":{"a":"b"}}])");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.json()["spec"]["replicas"], 4);
  EXPECT_EQ(r.json()["metadata"]["annotations"]["a"], "b");

  auto failedTest = patchWeb("application/json-patch+json",
                             R"([{"op":"test","path":"/spec/replicas","value":1}])");
  EXPECT_EQ(failedTest.code, 422);
  auto malformed = patchWeb("application/json-patch+json", R"({"op":"replace"})");
  EXPECT_EQ(malformed.code, 400);
}

TEST_F(PatchTest, StrategicMergeAsKubectlApplySendsIt) {
  // What `kubectl apply` sends after the image changed and a container was added.
  auto r = patchWeb("application/strategic-merge-patch+json", R"({
    "spec":{"template":{"spec":{
      "$setElementOrder/containers":[{"name":"sidecar"},{"name":"app"}],
      "containers":[
        {"name":"app","image":"nginx:1.26",
         "$setElementOrder/env":[{"name":"A"},{"name":"B"},{"name":"C"}],
         "env":[{"name":"C","value":"3"}]},
        {"name":"sidecar","image":"busybox"}]}}}})");
  ASSERT_EQ(r.code, 200) << r.body;
  const auto containers = r.json()["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(containers[0]["name"], "sidecar");
  EXPECT_EQ(containers[1]["name"], "app");
  EXPECT_EQ(containers[1]["image"], "nginx:1.26");
  // Merged by name, not replaced: the port survives, env gained C in order.
  EXPECT_EQ(containers[1]["ports"][0]["containerPort"], 8080);
  ASSERT_EQ(containers[1]["env"].size(), 3u);
  EXPECT_EQ(containers[1]["env"][2], nlohmann::json({{"name", "C"}, {"value", "3"}}));
  // No directive leaks into the stored object.
  EXPECT_EQ(r.body.find("$setElementOrder"), std::string::npos);
}

TEST_F(PatchTest, StrategicMergeDeleteDirective) {
  auto r = patchWeb("application/strategic-merge-patch+json", R"({
    "spec":{"template":{"spec":{"containers":[
      {"name":"app","env":[{"name":"A","$patch":"delete"}]}]}}}})");
  ASSERT_EQ(r.code, 200) << r.body;
  const auto env = r.json()["spec"]["template"]["spec"]["containers"][0]["env"];
  ASSERT_EQ(env.size(), 1u);
  EXPECT_EQ(env[0]["name"], "B");
}

TEST_F(PatchTest, StrategicMergeIsRefusedForCustomResources) {
  ASSERT_EQ(
      client().post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", makeCrd()).code,
      201);
  client().post(
      "/apis/example.dev/v1/namespaces/default/widgets",
      {{"apiVersion", "example.dev/v1"}, {"kind", "Widget"}, {"metadata", {{"name", "w"}}}});
  auto r = client().patch("/apis/example.dev/v1/namespaces/default/widgets/w",
                          "application/strategic-merge-patch+json", R"({"spec":{"size":1}})");
  EXPECT_EQ(r.code, 415);
  EXPECT_EQ(r.json()["reason"], "UnsupportedMediaType");
}

TEST_F(PatchTest, UnknownPatchTypeIsUnsupportedMediaType) {
  EXPECT_EQ(patchWeb("text/plain", "x").code, 415);
}

TEST_F(PatchTest, ServerSideApplyCreatesThenMerges) {
  const std::string path = "/apis/apps/v1/namespaces/default/deployments/api?fieldManager=test";
  const std::string yaml = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: app
        image: "nginx:1.25"
)";
  auto created = client().request("PATCH", path, yaml, "application/apply-patch+yaml");
  ASSERT_EQ(created.code, 201) << created.body;
  EXPECT_EQ(created.json()["spec"]["replicas"], 1);

  auto applied = client().request(
      "PATCH", path,
      R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api"},"spec":{"replicas":3}})",
      "application/apply-patch+yaml");
  ASSERT_EQ(applied.code, 200) << applied.body;
  EXPECT_EQ(applied.json()["spec"]["replicas"], 3);
  EXPECT_EQ(applied.json()["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.25");

  auto noManager = client().request("PATCH", "/apis/apps/v1/namespaces/default/deployments/api",
                                    yaml, "application/apply-patch+yaml");
  EXPECT_EQ(noManager.code, 400);
}

TEST_F(PatchTest, PatchOfMissingObjectIsNotFound) {
  auto r =
      client().patch(std::string(kDeployments) + "/ghost", "application/merge-patch+json", "{}");
  EXPECT_EQ(r.code, 404);
}

}  // namespace
}  // namespace rg::testing
