#pragma once
// Full objects as an API server returns them (managedFields, kubectl's last-applied-configuration,
// every defaulted field): Deployment checkout-api on revision 3 (a crash-looping pod), its
// ReplicaSets of revisions 1 to 3 and their pods, and the namespace's Secrets and ConfigMaps.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rg::cache::fixture {

struct Objects {
  nlohmann::json deployment;
  std::vector<nlohmann::json> replicaSets;
  std::vector<nlohmann::json> pods;
  std::vector<nlohmann::json> secrets;
  std::vector<nlohmann::json> configMaps;
};

inline Objects load() {
  const std::string path = std::string(RG_SOURCE_DIR) + "/tests/testdata/cache/checkout-api.json";
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  const nlohmann::json all = nlohmann::json::parse(in);
  return {all.at("deployment"), all.at("replicaSets").get<std::vector<nlohmann::json>>(),
          all.at("pods").get<std::vector<nlohmann::json>>(),
          all.at("secrets").get<std::vector<nlohmann::json>>(),
          all.at("configMaps").get<std::vector<nlohmann::json>>()};
}

}  // namespace rg::cache::fixture
