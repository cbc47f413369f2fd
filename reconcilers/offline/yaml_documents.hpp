#pragma once
// Multi-document YAML (or JSON) text -> JSON objects, one per document.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace rg::offline {

struct Document {
  int index = 0;                         // 0-based position in the file
  int firstLine = 1;                     // 1-based line where the document starts
  std::optional<nlohmann::json> object;  // empty documents give null
  std::string error;                     // set when the document does not parse
};

// Splits on `---` lines as kubectl does, so a malformed document does not hide
// the others, and converts each with YAML 1.1 scalar rules (as Kubernetes'
// YAML decoder: unquoted yes/no/on/off are booleans). Merge keys (<<) are applied.
std::vector<Document> parseDocuments(const std::string& text);

// One YAML node tree to JSON; throws std::runtime_error on bad YAML.
nlohmann::json yamlToJson(const std::string& text);

}  // namespace rg::offline
