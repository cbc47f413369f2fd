#include <gmock/gmock.h>

#include "tests/support/api_errors.hpp"
#include "tests/support/label_selector.hpp"
#include "tests/support/request_path.hpp"
#include "tests/support/tests/fixture.hpp"

namespace rg::testing {
namespace {

using json = nlohmann::json;

std::vector<std::string> names(const json& list) {
  std::vector<std::string> out;
  for (const auto& i : list["items"]) out.push_back(i["metadata"]["name"]);
  return out;
}

TEST(LabelSelectorTest, Operators) {
  const json labels = {{"app", "web"}, {"tier", "front"}, {"n", "5"}};
  auto m = [&](const std::string& s) { return LabelSelector::parse(s).matches(labels); };
  EXPECT_TRUE(m(""));
  EXPECT_TRUE(m("app=web"));
  EXPECT_TRUE(m("app==web"));
  EXPECT_FALSE(m("app!=web"));
  EXPECT_TRUE(m("app in (api, web)"));
  EXPECT_FALSE(m("app notin (web)"));
  EXPECT_TRUE(m("tier"));
  EXPECT_FALSE(m("!tier"));
  EXPECT_TRUE(m("!missing"));
  EXPECT_TRUE(m("missing notin (x)"));
  EXPECT_TRUE(m("n>3,n<9"));
  EXPECT_TRUE(m("app=web, tier in (front,back)"));
  EXPECT_THROW(LabelSelector::parse("app in web"), ApiError);
}

TEST(LabelSelectorTest, FromMetav1Selector) {
  const json sel = {
      {"matchLabels", {{"app", "web"}}},
      {"matchExpressions", {{{"key", "tier"}, {"operator", "In"}, {"values", {"front"}}}}}};
  EXPECT_TRUE(LabelSelector::fromObject(sel).matches(json{{"app", "web"}, {"tier", "front"}}));
  EXPECT_FALSE(LabelSelector::fromObject(sel).matches(json{{"app", "web"}}));
  EXPECT_FALSE(LabelSelector::fromObject(nullptr).matches(json::object()));
  EXPECT_TRUE(LabelSelector::fromObject(json::object()).matches(json::object()));
}

TEST(FieldSelectorTest, EqualityAndEscapes) {
  const json obj = {{"metadata", {{"name", "a,b"}, {"namespace", "default"}}},
                    {"status", {{"phase", "Running"}}}};
  EXPECT_TRUE(FieldSelector::parse(R"(metadata.name=a\,b)").matches(obj));
  EXPECT_TRUE(
      FieldSelector::parse("metadata.namespace==default,status.phase!=Pending").matches(obj));
  EXPECT_FALSE(FieldSelector::parse("metadata.namespace!=default").matches(obj));
}

TEST(QueryParsingTest, GoEncodedSelectors) {
  auto q = parseQuery("labelSelector=app+in+%28a%2Cb%29&watch=1&limit=");
  EXPECT_EQ(q["labelSelector"], "app in (a,b)");
  EXPECT_EQ(q["watch"], "1");
  EXPECT_EQ(q["limit"], "");
}

TEST(RouteTest, KubernetesPaths) {
  auto r = parseRoute("/apis/apps/v1/namespaces/ns1/deployments/web/status");
  EXPECT_EQ(r.kind, Route::Resource);
  EXPECT_EQ(r.group, "apps");
  EXPECT_EQ(r.ns, "ns1");
  EXPECT_EQ(r.resource, "deployments");
  EXPECT_EQ(r.name, "web");
  EXPECT_EQ(r.subresource, "status");
  auto ns = parseRoute("/api/v1/namespaces/ns1");
  EXPECT_EQ(ns.resource, "namespaces");
  EXPECT_EQ(ns.name, "ns1");
  auto nsStatus = parseRoute("/api/v1/namespaces/ns1/status");
  EXPECT_EQ(nsStatus.resource, "namespaces");
  EXPECT_EQ(nsStatus.subresource, "status");
  auto all = parseRoute("/api/v1/pods");
  EXPECT_EQ(all.resource, "pods");
  EXPECT_TRUE(all.ns.empty());
}

class ListTest : public ApiServerTest {
 protected:
  void SetUp() override {
    ApiServerTest::SetUp();
    server().create(
        {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "other"}}}});
    server().create(makeConfigMap("a", "default", {{"app", "web"}, {"tier", "front"}}));
    server().create(makeConfigMap("b", "default", {{"app", "web"}, {"tier", "back"}}));
    server().create(makeConfigMap("c", "default", {{"app", "db"}}));
    server().create(makeConfigMap("d", "other", {{"app", "web"}}));
  }
  json listCm(const std::string& path) {
    auto r = client().get(path);
    EXPECT_EQ(r.code, 200) << r.body;
    return r.json();
  }
};

TEST_F(ListTest, PerNamespaceAndAcrossNamespaces) {
  auto ns = listCm("/api/v1/namespaces/default/configmaps");
  EXPECT_EQ(ns["kind"], "ConfigMapList");
  EXPECT_EQ(ns["apiVersion"], "v1");
  EXPECT_EQ(names(ns), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(ns["metadata"]["resourceVersion"], std::to_string(server().resourceVersion()));
  // Items of built-in lists carry no apiVersion/kind, as on a real cluster.
  EXPECT_FALSE(ns["items"][0].contains("kind"));
  auto all = listCm("/api/v1/configmaps");
  EXPECT_EQ(names(all), (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST_F(ListTest, LabelSelectors) {
  EXPECT_EQ(names(listCm("/api/v1/configmaps?labelSelector=app%3Dweb")),
            (std::vector<std::string>{"a", "b", "d"}));
  EXPECT_EQ(names(listCm("/api/v1/configmaps?labelSelector=app%3Dweb%2Ctier%21%3Dback")),
            (std::vector<std::string>{"a", "d"}));
  EXPECT_EQ(names(listCm("/api/v1/configmaps?labelSelector=tier+in+%28front%2Cback%29")),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(names(listCm("/api/v1/configmaps?labelSelector=app+notin+%28web%29")),
            (std::vector<std::string>{"c"}));
  EXPECT_EQ(names(listCm("/api/v1/configmaps?labelSelector=%21tier")),
            (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(names(listCm("/api/v1/configmaps?labelSelector=tier")),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(client().get("/api/v1/configmaps?labelSelector=app+in+web").code, 400);
}

TEST_F(ListTest, FieldSelectors) {
  EXPECT_EQ(names(listCm("/api/v1/configmaps?fieldSelector=metadata.name%3Db")),
            (std::vector<std::string>{"b"}));
  EXPECT_EQ(names(listCm("/api/v1/configmaps?fieldSelector=metadata.namespace%3Dother")),
            (std::vector<std::string>{"d"}));
  EXPECT_EQ(names(listCm("/api/v1/configmaps?fieldSelector=metadata.namespace%21%3Dother")),
            (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(ListTest, Pagination) {
  auto page1 = listCm("/api/v1/configmaps?limit=3");
  EXPECT_EQ(names(page1), (std::vector<std::string>{"a", "b", "c"}));
  const std::string token = page1["metadata"]["continue"];
  EXPECT_EQ(page1["metadata"]["remainingItemCount"], 1);
  // A change between pages does not move the list's resourceVersion.
  server().create(makeConfigMap("e", "other"));
  auto page2 = listCm("/api/v1/configmaps?limit=3&continue=" + token);
  EXPECT_EQ(names(page2), (std::vector<std::string>{"d", "e"}));
  EXPECT_FALSE(page2["metadata"].contains("continue"));
  EXPECT_EQ(page2["metadata"]["resourceVersion"], page1["metadata"]["resourceVersion"]);

  // A continue token older than the history window is expired.
  auto p = listCm("/api/v1/configmaps?limit=1");
  server().create(makeConfigMap("f", "other"));
  server().compactHistory();
  auto r = client().get("/api/v1/configmaps?limit=1&continue=" +
                        p["metadata"]["continue"].get<std::string>());
  EXPECT_EQ(r.code, 410);
  EXPECT_EQ(r.json()["reason"], "Expired");
}

TEST_F(ListTest, PartialObjectMetadataList) {
  auto r = client().get("/api/v1/namespaces/default/configmaps",
                        "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1");
  auto list = r.json();
  EXPECT_EQ(list["kind"], "PartialObjectMetadataList");
  EXPECT_EQ(list["items"][0]["kind"], "PartialObjectMetadata");
  EXPECT_FALSE(list["items"][0].contains("data"));
}

TEST_F(ListTest, DeleteCollectionWithSelector) {
  auto r = client().del("/api/v1/namespaces/default/configmaps?labelSelector=app%3Dweb");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(names(listCm("/api/v1/namespaces/default/configmaps")),
            (std::vector<std::string>{"c"}));
}

}  // namespace
}  // namespace rg::testing
