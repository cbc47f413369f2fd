#include "reconcilers/spec/stored_gate.hpp"

#include "reconcilers/spec/packed_text.hpp"
#include "reconcilers/status/gate_status.hpp"

namespace rg {

using nlohmann::json;

void compactStoredGate(json& gate) {
  if (!gate.is_object()) return;
  auto spec = gate.find("spec");
  if (spec != gate.end() && spec->is_object()) *spec = packText(spec->dump());
  compactStoredStatus(gate);
}

json storedSpec(const json& gate) {
  if (!gate.is_object()) return json();
  auto spec = gate.find("spec");
  if (spec == gate.end()) return json();
  if (!isPackedText(*spec)) return *spec;
  const auto text = unpackText(*spec);
  json parsed = text ? json::parse(*text, nullptr, false) : json();
  return parsed.is_discarded() ? json() : parsed;
}

json withStoredSpec(const json& gate) {
  json out = gate;
  auto spec = out.is_object() ? out.find("spec") : out.end();
  if (spec != out.end() && isPackedText(*spec)) *spec = storedSpec(gate);
  return out;
}

}  // namespace rg
