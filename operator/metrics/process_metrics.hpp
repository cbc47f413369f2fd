#pragma once
// The process_* metrics every Prometheus client library exposes, read from /proc at scrape
// time: memory, CPU time, file descriptors and start time.
#include <optional>
#include <string>

namespace rg::metrics {

class Registry;

struct ProcessStats {
  double residentMemoryBytes = 0;
  double virtualMemoryBytes = 0;
  double cpuSecondsTotal = 0;   // user + system
  double startTimeSeconds = 0;  // since the Unix epoch
  double openFds = 0;
  double maxFds = 0;
};

// Parses the line of /proc/<pid>/stat (the command name may hold spaces and parentheses).
// `ticksPerSecond`: sysconf(_SC_CLK_TCK); `bootTimeSeconds`: btime of /proc/stat.
// Fills memory, CPU and start time; nullopt when the line is malformed.
std::optional<ProcessStats> parseProcStat(const std::string& statLine, double pageSizeBytes,
                                          double ticksPerSecond, double bootTimeSeconds);
// The btime line of /proc/stat; nullopt when absent.
std::optional<double> parseBootTime(const std::string& procStat);

// Reads /proc/self (and /proc/stat); nullopt when /proc is not readable.
std::optional<ProcessStats> readProcessStats();

// Registers process_resident_memory_bytes, process_virtual_memory_bytes,
// process_cpu_seconds_total, process_open_fds, process_max_fds and process_start_time_seconds,
// refreshed on every scrape.
void registerProcessMetrics(Registry& registry);

}  // namespace rg::metrics
