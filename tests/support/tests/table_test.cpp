#include <gmock/gmock.h>

#include "tests/support/k8s_util.hpp"
#include "tests/support/tests/fixture.hpp"

namespace rg::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kTableAccept =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
    "g=meta.k8s.io,application/json";

std::vector<std::string> columnNames(const json& table) {
  std::vector<std::string> out;
  for (const auto& c : table["columnDefinitions"]) out.push_back(c["name"]);
  return out;
}

class TableTest : public ApiServerTest {};

TEST_F(TableTest, DeploymentColumns) {
  auto d = makeDeployment("web");
  d["status"] = {{"readyReplicas", 1}, {"updatedReplicas", 2}, {"availableReplicas", 1}};
  server().create(d);
  auto t = client().get(kDeployments, kTableAccept).json();
  EXPECT_EQ(t["kind"], "Table");
  EXPECT_EQ(t["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(columnNames(t), (std::vector<std::string>{"Name", "Ready", "Up-to-date", "Available",
                                                      "Age", "Containers", "Images", "Selector"}));
  const auto cells = t["rows"][0]["cells"];
  EXPECT_EQ(cells[0], "web");
  EXPECT_EQ(cells[1], "1/2");
  EXPECT_EQ(cells[2], 2);
  EXPECT_EQ(cells[3], 1);
  EXPECT_EQ(cells[6], "nginx:1.25");
  EXPECT_EQ(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
  EXPECT_EQ(t["rows"][0]["object"]["metadata"]["name"], "web");
  EXPECT_FALSE(t["metadata"]["resourceVersion"].get<std::string>().empty());
}

TEST_F(TableTest, SingleObjectAndIncludeObject) {
  server().create(makeConfigMap("c", "default"));
  auto one = client().get("/api/v1/namespaces/default/configmaps/c", kTableAccept).json();
  EXPECT_EQ(one["rows"].size(), 1u);
  EXPECT_EQ(columnNames(one), (std::vector<std::string>{"Name", "Data", "Age"}));
  auto withObject =
      client()
          .get("/api/v1/namespaces/default/configmaps?includeObject=Object", kTableAccept)
          .json();
  EXPECT_EQ(withObject["rows"][0]["object"]["data"]["k"], "v");
  auto none =
      client().get("/api/v1/namespaces/default/configmaps?includeObject=None", kTableAccept).json();
  EXPECT_FALSE(none["rows"][0].contains("object"));
}

TEST(HumanDurationTest, MatchesKubectl) {
  EXPECT_EQ(humanDuration(5s), "5s");
  EXPECT_EQ(humanDuration(119s), "119s");
  EXPECT_EQ(humanDuration(150s), "2m30s");
  EXPECT_EQ(humanDuration(std::chrono::minutes(45)), "45m");
  EXPECT_EQ(humanDuration(std::chrono::hours(5) + std::chrono::minutes(3)), "5h3m");
  EXPECT_EQ(humanDuration(std::chrono::hours(30)), "30h");
  EXPECT_EQ(humanDuration(std::chrono::hours(24 * 3 + 2)), "3d2h");
  EXPECT_EQ(humanDuration(std::chrono::hours(24 * 100)), "100d");
}

TEST(JsonPathTest, PrinterColumnSubset) {
  const json obj = json::parse(R"({"spec":{"targetRef":{"name":"api"}},
      "status":{"conditions":[{"type":"A","status":"x"},{"type":"Ready","status":"True"}]},
      "items":[{"n":1},{"n":2}]})");
  EXPECT_EQ(*jsonPathFirst(obj, ".spec.targetRef.name"), "api");
  EXPECT_EQ(*jsonPathFirst(obj, "{.spec.targetRef.name}"), "api");
  EXPECT_EQ(*jsonPathFirst(obj, ".status.conditions[?(@.type==\"Ready\")].status"), "True");
  EXPECT_EQ(*jsonPathFirst(obj, ".items[1].n"), 2);
  EXPECT_EQ(*jsonPathFirst(obj, ".items[*].n"), 1);
  EXPECT_EQ(jsonPathFirst(obj, ".spec.missing"), nullptr);
}

}  // namespace
}  // namespace rg::testing
