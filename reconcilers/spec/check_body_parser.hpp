#pragma once
// Parsing of a check's body (by its kind, see checks/check_kinds.hpp) and threshold.
#include <nlohmann/json.hpp>
#include <optional>

#include "reconcilers/spec/gate_spec.hpp"
#include "reconcilers/spec/spec_reader.hpp"

namespace rg {

// Parses the body of the kind named `key` (see check_kinds.hpp) found at `path`. Returns nullopt
// (with errors recorded) when it is invalid.
std::optional<CheckBody> parseCheckBody(SpecReader& reader, const std::string& key,
                                        const nlohmann::json& body, const FieldPath& path);

std::optional<Threshold> parseThreshold(SpecReader& reader, const nlohmann::json& threshold,
                                        const FieldPath& path);

}  // namespace rg
