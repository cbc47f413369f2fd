// ReadinessGate objects as the API server sends them: parse and validate, then run the static
// checks against a Deployment from the same input (`[gate, deployment]`) or an empty one.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_targets.hpp"
#include "reconcilers/checks/static_checks.hpp"
#include "reconcilers/spec/spec_parser.hpp"

namespace rg::fuzz {

void gateJson(std::string_view data) {
  auto input = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (input.is_discarded()) return;
  Workload workload;
  nlohmann::json gateObject = input;
  if (input.is_array() && input.size() == 2) {
    gateObject = input[0];
    workload.deployment = input[1];
  }
  GateParseResult parsed = parseGate(gateObject, "fuzz");
  if (parsed.gate.has_value() == !parsed.errors.empty()) {
    violated("gate_json", "parseGate must give a gate or errors, not both or neither");
  }
  // The summary becomes a status condition message.
  requireJsonText("gate_json", parsed.errorSummary());
  if (!parsed.gate) return;
  for (const auto& check : parsed.gate->spec.checks) {
    CheckResult result = checks::evaluateStatic(check, workload);
    requireJsonText("gate_json", result.message);
    requireJsonText("gate_json", result.value);
  }
}

}  // namespace rg::fuzz

RG_FUZZ_ENTRY(rg::fuzz::gateJson)
