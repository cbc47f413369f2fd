#pragma once
// Builders shared by the static check tests.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "reconcilers/checks/static_checks.hpp"

namespace rg::checks::fixtures {

using nlohmann::json;
using namespace nlohmann::literals;

// A Deployment whose pod template spec is `podSpec`.
inline json deploymentWith(json podSpec) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", "checkout-api"}, {"namespace", "shop"}}},
          {"spec", {{"template", {{"spec", std::move(podSpec)}}}}}};
}

inline Workload workloadWith(json podSpec) {
  Workload workload;
  workload.deployment = deploymentWith(std::move(podSpec));
  return workload;
}

inline json containersSpec(json containers) {
  return {{"containers", std::move(containers)}};
}

inline json namedObject(const std::string& kind, const std::string& name, json data) {
  return {{"kind", kind}, {"metadata", {{"name", name}}}, {"data", std::move(data)}};
}

inline kube::Quantity q(const char* text) {
  auto parsed = kube::Quantity::parse(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(kube::Quantity{});
}

}  // namespace rg::checks::fixtures
