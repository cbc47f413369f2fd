#include "kube/object_change.hpp"

#include <gtest/gtest.h>

namespace rg::kube {
namespace {

using nlohmann::json;

json gate() {
  return {{"apiVersion", "gates.readiness.dev/v1alpha1"},
          {"kind", "ReadinessGate"},
          {"metadata",
           {{"name", "api"},
            {"namespace", "shop"},
            {"generation", 3},
            {"resourceVersion", "10"},
            {"labels", {{"team", "a"}}}}},
          {"spec", {{"interval", "30s"}}},
          {"status", {{"phase", "Passing"}}}};
}

TEST(ObjectChange, StatusAndServerMetadataOnlyIsAStatusChange) {
  json after = gate();
  after["status"]["phase"] = "Failing";
  after["metadata"]["resourceVersion"] = "11";
  after["metadata"]["managedFields"] = json::array({{{"manager", "readiness-gate"}}});
  EXPECT_TRUE(onlyStatusChanged(gate(), after));
  json noStatus = gate();
  noStatus.erase("status");
  EXPECT_TRUE(onlyStatusChanged(noStatus, gate()));
}

TEST(ObjectChange, SpecMetadataAndDeletionAreNot) {
  auto changed = [](auto edit) {
    json after = gate();
    edit(after);
    return !onlyStatusChanged(gate(), after);
  };
  EXPECT_TRUE(changed([](json& g) {
    g["spec"]["interval"] = "1m";
    g["metadata"]["generation"] = 4;
  }));
  EXPECT_TRUE(changed([](json& g) { g["metadata"]["labels"]["team"] = "b"; }));
  EXPECT_TRUE(changed([](json& g) { g["metadata"]["annotations"] = {{"a", "b"}}; }));
  EXPECT_TRUE(
      changed([](json& g) { g["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"; }));
  EXPECT_TRUE(changed([](json& g) { g["metadata"]["finalizers"] = json::array({"x"}); }));
  EXPECT_FALSE(changed([](json&) {}));
}

}  // namespace
}  // namespace rg::kube
