#include <gmock/gmock.h>

#include "tests/support/tests/fixture.hpp"

namespace rg::testing {
namespace {

using json = nlohmann::json;
using ::testing::Contains;

constexpr const char* kCrds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
constexpr const char* kWidgets = "/apis/example.dev/v1/namespaces/default/widgets";

json widget(const std::string& name, int size) {
  return {{"apiVersion", "example.dev/v1"},
          {"kind", "Widget"},
          {"metadata", {{"name", name}}},
          {"spec", {{"size", size}}}};
}

class CrdTest : public ApiServerTest {};

TEST_F(CrdTest, CreatingACrdServesItsResource) {
  EXPECT_EQ(client().get(kWidgets).code, 404);
  auto r = client().post(kCrds, makeCrd());
  ASSERT_EQ(r.code, 201) << r.body;
  bool established = false;
  const json crd = r.json();
  for (const auto& c : crd["status"]["conditions"]) {
    established |= c["type"] == "Established" && c["status"] == "True";
  }
  EXPECT_TRUE(established);

  std::vector<std::string> groups;
  const json apis = client().get("/apis").json();
  for (const auto& g : apis["groups"]) groups.push_back(g["name"]);
  EXPECT_THAT(groups, Contains("example.dev"));
  auto resources = client().get("/apis/example.dev/v1").json()["resources"];
  ASSERT_EQ(resources.size(), 2u);
  EXPECT_EQ(resources[0]["name"], "widgets");
  EXPECT_EQ(resources[0]["kind"], "Widget");
  EXPECT_EQ(resources[0]["shortNames"], json::array({"wd"}));
  EXPECT_EQ(resources[1]["name"], "widgets/status");

  auto created = client().post(kWidgets, widget("w1", 3));
  ASSERT_EQ(created.code, 201) << created.body;
  // Custom resource lists keep apiVersion/kind on every item.
  auto list = client().get(kWidgets).json();
  EXPECT_EQ(list["kind"], "WidgetList");
  EXPECT_EQ(list["items"][0]["kind"], "Widget");
}

TEST_F(CrdTest, StatusSubresourceOfCustomResources) {
  client().post(kCrds, makeCrd());
  auto w = client().post(kWidgets, widget("w1", 3)).json();
  w["status"] = {{"phase", "Ready"}};
  w["spec"]["size"] = 4;
  auto updated = client().put(std::string(kWidgets) + "/w1", w).json();
  EXPECT_FALSE(updated.contains("status"));
  EXPECT_EQ(updated["metadata"]["generation"], 2);
  auto s = client().patch(std::string(kWidgets) + "/w1/status", "application/merge-patch+json",
                          R"({"status":{"phase":"Ready"}})");
  ASSERT_EQ(s.code, 200) << s.body;
  EXPECT_EQ(s.json()["status"]["phase"], "Ready");
  EXPECT_EQ(s.json()["metadata"]["generation"], 2);
}

TEST_F(CrdTest, InvalidCrdIsRejected) {
  auto crd = makeCrd();
  crd["metadata"]["name"] = "wrong.example.dev";
  auto r = client().post(kCrds, crd);
  EXPECT_EQ(r.code, 422);
  EXPECT_EQ(r.json()["reason"], "Invalid");
}

TEST_F(CrdTest, DeletingTheCrdRemovesTheResourceAndItsObjects) {
  client().post(kCrds, makeCrd());
  client().post(kWidgets, widget("w1", 1));
  ASSERT_EQ(client().del(std::string(kCrds) + "/widgets.example.dev").code, 200);
  EXPECT_EQ(client().get(kWidgets).code, 404);
  EXPECT_EQ(client().get("/apis/example.dev/v1").code, 404);
  client().post(kCrds, makeCrd());
  EXPECT_TRUE(client().get(kWidgets).json()["items"].empty());
}

TEST_F(CrdTest, TablesUseThePrinterColumns) {
  client().post(kCrds, makeCrd());
  auto w = widget("w1", 3);
  w["status"] = {
      {"conditions",
       {{{"type", "Other"}, {"status", "False"}}, {{"type", "Ready"}, {"status", "True"}}}}};
  server().create(w);
  auto t = client()
               .get(kWidgets, "application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
               .json();
  EXPECT_EQ(t["kind"], "Table");
  std::vector<std::string> columns;
  for (const auto& c : t["columnDefinitions"]) columns.push_back(c["name"]);
  EXPECT_EQ(columns, (std::vector<std::string>{"Name", "Size", "Ready", "Age"}));
  const auto cells = t["rows"][0]["cells"];
  EXPECT_EQ(cells[0], "w1");
  EXPECT_EQ(cells[1], 3);
  EXPECT_EQ(cells[2], "True");
  EXPECT_THAT(cells[3].get<std::string>(), ::testing::EndsWith("s"));
}

TEST_F(CrdTest, RegisterResourceDirectly) {
  ResourceInfo info;
  info.group = "custom.dev";
  info.version = "v1beta1";
  info.kind = "Thing";
  info.plural = "things";
  info.singular = "thing";
  info.namespaced = false;
  info.custom = true;
  server().registerResource(info);
  auto r = client().post(
      "/apis/custom.dev/v1beta1/things",
      {{"apiVersion", "custom.dev/v1beta1"}, {"kind", "Thing"}, {"metadata", {{"name", "t"}}}});
  EXPECT_EQ(r.code, 201) << r.body;
  EXPECT_EQ(client().get("/apis/custom.dev/v1beta1/things/t").code, 200);
}

}  // namespace
}  // namespace rg::testing
