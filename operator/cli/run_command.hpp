#pragma once
#include <ostream>
#include <string>
#include <vector>

#include "operator/manager.hpp"

namespace rg::cli {

extern const char* const kRunUsage;

// Parses `readiness-gate run` flags; returns an error message, or empty. Sets `help` for -h.
std::string parseRunArgs(const std::vector<std::string>& args, ManagerOptions& options,
                         std::string& logLevel, std::string& logFormat, bool& help);

// `readiness-gate run`: returns the process exit code.
int runRunCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace rg::cli
