#pragma once
// YAML to JSON with the YAML 1.1 scalar rules Kubernetes' sigs.k8s.io/yaml applies
// (unquoted yes/no/on/off/y/n are booleans; quoted scalars stay strings).
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace rg::testing {

// Parses one document; throws ApiError 400 on malformed YAML.
nlohmann::json yamlToJson(const std::string& text);
// Parses every non-empty document of a multi-document stream.
std::vector<nlohmann::json> yamlDocumentsToJson(const std::string& text);

}  // namespace rg::testing
