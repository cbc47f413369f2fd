#include "tests/support/strategic_merge_patch.hpp"

#include <gtest/gtest.h>

#include "tests/support/api_errors.hpp"

namespace rg::testing {
namespace {

using json = nlohmann::json;

TEST(StrategicMergePatch, NullDeletesAKey) {
  auto r = strategicMergePatch(json{{"a", 1}, {"b", 2}}, json{{"a", nullptr}, {"c", 3}});
  EXPECT_EQ(r, (json{{"b", 2}, {"c", 3}}));
}

TEST(StrategicMergePatch, ListsWithoutStrategyAreReplaced) {
  auto r = strategicMergePatch(json{{"args", {"a", "b"}}}, json{{"args", {"c"}}});
  EXPECT_EQ(r["args"], json({"c"}));
}

TEST(StrategicMergePatch, PortsMergeByContainerPortAndServicePortsByPort) {
  json container = {{"ports", {{{"containerPort", 80}, {"name", "http"}}}}};
  auto r = strategicMergePatch(
      container,
      json{{"ports", {{{"containerPort", 80}, {"protocol", "TCP"}}, {{"containerPort", 443}}}}});
  ASSERT_EQ(r["ports"].size(), 2u);
  EXPECT_EQ(r["ports"][0], (json{{"containerPort", 80}, {"name", "http"}, {"protocol", "TCP"}}));

  json service = {{"ports", {{{"port", 80}, {"targetPort", 8080}}}}};
  auto s = strategicMergePatch(service, json{{"ports", {{{"port", 80}, {"name", "web"}}}}});
  ASSERT_EQ(s["ports"].size(), 1u);
  EXPECT_EQ(s["ports"][0]["targetPort"], 8080);
}

TEST(StrategicMergePatch, ConditionsMergeByTypeAndOwnerReferencesByUid) {
  json status = {
      {"conditions",
       {{{"type", "Ready"}, {"status", "False"}}, {{"type", "Progressing"}, {"status", "True"}}}}};
  auto r =
      strategicMergePatch(status, json{{"conditions", {{{"type", "Ready"}, {"status", "True"}}}}});
  ASSERT_EQ(r["conditions"].size(), 2u);
  EXPECT_EQ(r["conditions"][0]["status"], "True");

  json meta = {{"ownerReferences", {{{"uid", "1"}, {"name", "a"}}}}};
  auto m = strategicMergePatch(meta, json{{"ownerReferences", {{{"uid", "2"}, {"name", "b"}}}}});
  EXPECT_EQ(m["ownerReferences"].size(), 2u);
}

TEST(StrategicMergePatch, SetElementOrderReordersAndKeepsServerOnlyItems) {
  json original = {{"containers", {{{"name", "a"}}, {{"name", "b"}}, {{"name", "c"}}}}};
  json patch = {{"$setElementOrder/containers", {{{"name", "c"}}, {{"name", "a"}}}},
                {"containers", {{{"name", "a"}, {"image", "x"}}}}};
  auto r = strategicMergePatch(original, patch);
  ASSERT_EQ(r["containers"].size(), 3u);
  // Patch items follow $setElementOrder; "b" exists only on the server and is interleaved by
  // its live position (before "c"), as k8s.io/apimachinery's mergeSortedSlice does.
  std::vector<std::string> names;
  for (const auto& c : r["containers"]) names.push_back(c["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"b", "c", "a"}));
  EXPECT_EQ(r["containers"][2]["image"], "x");
}

TEST(StrategicMergePatch, PatchDirectives) {
  json original = {{"volumes", {{{"name", "a"}, {"emptyDir", json::object()}}, {{"name", "b"}}}},
                   {"selector", {{"x", "1"}, {"y", "2"}}},
                   {"finalizers", {"f1", "f2"}}};
  // $patch: replace on a list.
  auto r1 =
      strategicMergePatch(original, json{{"volumes", {{{"name", "z"}}, {{"$patch", "replace"}}}}});
  EXPECT_EQ(r1["volumes"], json({{{"name", "z"}}}));
  // $patch: replace on a map.
  auto r2 = strategicMergePatch(original, json{{"selector", {{"$patch", "replace"}, {"z", "3"}}}});
  EXPECT_EQ(r2["selector"], (json{{"z", "3"}}));
  // $patch: delete on a map removes it.
  auto r3 = strategicMergePatch(original, json{{"selector", {{"$patch", "delete"}}}});
  EXPECT_FALSE(r3.contains("selector"));
  // $retainKeys clears the keys it does not list.
  auto r4 = strategicMergePatch(
      json{{"strategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", 1}}}}}},
      json{{"strategy", {{"$retainKeys", {"type"}}, {"type", "Recreate"}}}});
  EXPECT_EQ(r4["strategy"], (json{{"type", "Recreate"}}));
  // Primitive merge lists: union, and $deleteFromPrimitiveList.
  auto r5 = strategicMergePatch(
      original, json{{"finalizers", {"f3"}}, {"$deleteFromPrimitiveList/finalizers", {"f1"}}});
  // New patch items come first when the live list cannot place them (mergeSortedSlice).
  EXPECT_EQ(r5["finalizers"], json({"f3", "f2"}));
}

TEST(StrategicMergePatch, MissingMergeKeyIsBadRequest) {
  json original = {{"containers", {{{"name", "a"}}}}};
  try {
    strategicMergePatch(original, json{{"containers", {{{"image", "x"}}}}});
    FAIL() << "expected an error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 400);
  }
}

TEST(StrategicMergePatch, VolumeMountsMergeByMountPath) {
  json original = {{"volumeMounts", {{{"name", "data"}, {"mountPath", "/data"}}}}};
  auto r = strategicMergePatch(
      original, json{{"volumeMounts", {{{"name", "data"}, {"mountPath", "/cache"}}}}});
  EXPECT_EQ(r["volumeMounts"].size(), 2u);
}

}  // namespace
}  // namespace rg::testing
