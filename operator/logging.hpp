#pragma once
// Process logging: spdlog, as text or as one JSON object per line. The gate a
// worker is reconciling is attached to its log lines through a scoped context.
#include <string>

namespace rg::logging {

// level: trace, debug, info, warn, error; format: text or json. Throws std::invalid_argument.
void configure(const std::string& level, const std::string& format);

// Attaches namespace/name to the log lines of this thread while in scope.
class GateScope {
 public:
  GateScope(std::string ns, std::string name);
  ~GateScope();
  GateScope(const GateScope&) = delete;
  GateScope& operator=(const GateScope&) = delete;
};

// The JSON line for one record (exposed for tests): time, level, logger, msg, and the gate.
std::string jsonLine(const std::string& time, const std::string& level, const std::string& logger,
                     const std::string& message);

}  // namespace rg::logging
