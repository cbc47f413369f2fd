#pragma once
// Resource use of another process, read from /proc (Linux).
#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace rg::bench {

struct ProcessStats {
  double cpuSeconds = 0;     // user + system
  int64_t rssBytes = 0;      // VmRSS
  int64_t peakRssBytes = 0;  // VmHWM
};

std::optional<ProcessStats> readProcessStats(pid_t pid);

}  // namespace rg::bench
