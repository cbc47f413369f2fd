#pragma once
// The fields a ReadinessGate spec may contain. The parser rejects anything
// else, and a test holds the CRD's schema to exactly this list.
#include <set>
#include <string>
#include <vector>

namespace rg {

// Every accepted path, list items written as "[]": "spec.checks[].resources.cpu.max".
const std::vector<std::string>& specFieldPaths();

// The keys allowed directly below `pattern` (a path as in specFieldPaths()).
const std::set<std::string>& allowedKeys(const std::string& pattern);

}  // namespace rg
