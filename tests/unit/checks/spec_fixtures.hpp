#pragma once
// Builders shared by the tests of the check kinds' parsers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "reconcilers/offline/yaml_documents.hpp"
#include "reconcilers/spec/spec_parser.hpp"

namespace rg::spec_fixtures {

// A ReadinessGate whose spec.checks is `checks`, YAML list items indented by two spaces.
inline nlohmann::json withChecks(const std::string& checks) {
  return offline::yamlToJson(
      "apiVersion: gates.readiness.dev/v1alpha1\n"
      "kind: ReadinessGate\n"
      "metadata: {name: checkout-api, namespace: shop}\n"
      "spec:\n"
      "  targetRef: {name: checkout-api}\n"
      "  checks:\n" +
      checks);
}

// A ReadinessGate with the one check `check` (a YAML flow mapping).
inline nlohmann::json withCheck(const std::string& check) {
  return withChecks("  - " + check + "\n");
}

// The single error message expected for an invalid gate.
inline std::string onlyError(const nlohmann::json& object) {
  auto result = parseGate(object);
  EXPECT_FALSE(result.gate.has_value());
  EXPECT_EQ(result.errors.size(), 1u) << result.errorSummary();
  return result.errorSummary();
}

// Every error of a gate with the one check `check`, which must be invalid.
inline std::string errorsOf(const std::string& check) {
  auto result = parseGate(withCheck(check));
  EXPECT_FALSE(result.gate.has_value());
  return result.errorSummary();
}

}  // namespace rg::spec_fixtures
