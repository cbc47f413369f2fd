#include "reconcilers/spec/stored_gate.hpp"

#include "reconcilers/status/gate_status.hpp"

namespace rg {

using nlohmann::json;

void compactStoredGate(json& gate) {
  if (!gate.is_object()) return;
  auto spec = gate.find("spec");
  if (spec != gate.end() && spec->is_object()) *spec = spec->dump();
  compactStoredStatus(gate);
}

json storedSpec(const json& gate) {
  if (!gate.is_object()) return json();
  auto spec = gate.find("spec");
  if (spec == gate.end()) return json();
  if (!spec->is_string()) return *spec;
  json parsed = json::parse(spec->get_ref<const std::string&>(), nullptr, false);
  return parsed.is_discarded() ? json() : parsed;
}

json withStoredSpec(const json& gate) {
  json out = gate;
  auto spec = out.is_object() ? out.find("spec") : out.end();
  if (spec != out.end() && spec->is_string()) *spec = storedSpec(gate);
  return out;
}

}  // namespace rg
