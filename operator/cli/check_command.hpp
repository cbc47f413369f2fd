#pragma once
#include <ostream>
#include <string>
#include <vector>

namespace rg::cli {

// `readiness-gate check`: returns the process exit code.
int runCheckCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

extern const char* const kCheckUsage;

}  // namespace rg::cli
