#pragma once
// ReadinessGate object (JSON, as read from YAML or the API server) -> typed Gate.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "reconcilers/spec/gate_spec.hpp"

namespace rg {

inline constexpr const char* kGateApiVersion = "gates.readiness.dev/v1alpha1";
inline constexpr const char* kGateKind = "ReadinessGate";

struct FieldError {
  std::string path;  // "spec.checks[2].resources.cpu.max"
  std::string message;
  std::string toString() const { return path + ": " + message; }
};

struct GateParseResult {
  std::optional<Gate> gate;  // set only when there is no error
  std::vector<FieldError> errors;
  // All errors in one line, for a condition message or a CLI report.
  std::string errorSummary() const;
};

// Parses and validates a whole ReadinessGate object, applying defaults.
// `defaultNamespace` is used when metadata.namespace is absent.
GateParseResult parseGate(const nlohmann::json& object,
                          const std::string& defaultNamespace = "default");

}  // namespace rg
