#pragma once
// A ReadinessGate as the operator's cache keeps it: its spec and status as their JSON text,
// deflated (packed_text.hpp), not as trees. Both are read only when the gate changes (the
// reconciler keeps what it parsed and decoded from each snapshot), and as trees they were nine
// tenths of a cached gate's memory. The readers here take either form: a gate the operator has
// just written comes back whole. A spec or status that is a JSON string stays one (the API
// server's schema refuses it, but if one came it would read as a string, not as text to parse).
#include <nlohmann/json.hpp>

namespace rg {

// .spec and .status, when objects, become their packed text.
void compactStoredGate(nlohmann::json& gate);

// The gate's spec as an object: parsed from its packed text, or a copy; null when it has none (or
// its text does not read).
nlohmann::json storedSpec(const nlohmann::json& gate);

// The gate with its spec as an object, as parseGate reads it (`gate` unchanged when it is one).
nlohmann::json withStoredSpec(const nlohmann::json& gate);

}  // namespace rg
