#pragma once
// Renders an offline check report as a Markdown-style checklist or as JSON.
#include <nlohmann/json.hpp>
#include <string>

#include "reconcilers/offline/offline_check.hpp"

namespace rg::offline {

// "- [x] probes — ..." lines per gate, then a summary line.
std::string formatText(const Report& report);
// Input errors, one per line ("error: FILE document N: ..."), for stderr.
std::string formatErrors(const Report& report);
nlohmann::json toJson(const Report& report);
// toJson as text (`check -o json`). Input files need not be UTF-8 (a YAML error quotes the
// offending bytes), so bytes that are not become U+FFFD instead of making the dump throw.
std::string formatJson(const Report& report);
// "gate.yaml" or "gate.yaml (document 2)"; documents are numbered from 1 for people.
std::string describeSource(const Source& source);

}  // namespace rg::offline
