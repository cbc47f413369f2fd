#pragma once
// Parsing of the check bodies of spec.checks[].
#include <nlohmann/json.hpp>
#include <optional>

#include "reconcilers/gate_spec.hpp"
#include "reconcilers/spec_reader.hpp"

namespace rg {

// The body keys, in the order of the CheckBody variant.
inline constexpr const char* kCheckBodyKeys[] = {"probes", "resources",  "secrets",
                                                 "env",    "replicas",   "security",
                                                 "http",   "prometheus", "rollout"};

// Parses the body named `key` found at `path`. Returns nullopt (with errors recorded)
// when it is invalid.
std::optional<CheckBody> parseCheckBody(SpecReader& reader, const std::string& key,
                                        const nlohmann::json& body, const FieldPath& path);

std::optional<Threshold> parseThreshold(SpecReader& reader, const nlohmann::json& threshold,
                                        const FieldPath& path);

}  // namespace rg
