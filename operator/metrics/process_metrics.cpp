#include "operator/metrics/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "operator/metrics/metric_registry.hpp"

namespace rg::metrics {
namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<double> toNumber(const std::string& text) {
  try {
    std::size_t used = 0;
    double value = std::stod(text, &used);
    if (used != text.size()) return std::nullopt;
    return value;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::optional<ProcessStats> parseProcStat(const std::string& statLine, double pageSizeBytes,
                                          double ticksPerSecond, double bootTimeSeconds) {
  // "pid (comm) state ppid ...": fields after the last ')' start at field 3 (state).
  auto close = statLine.rfind(')');
  if (close == std::string::npos || ticksPerSecond <= 0) return std::nullopt;
  std::istringstream rest(statLine.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  // proc(5) numbers fields from 1: utime 14, stime 15, starttime 22, vsize 23, rss 24.
  auto field = [&](int number) {
    return toNumber(fields.at(static_cast<std::size_t>(number - 3)));
  };
  if (fields.size() < 22) return std::nullopt;
  auto utime = field(14), stime = field(15), start = field(22), vsize = field(23), rss = field(24);
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  ProcessStats stats;
  stats.cpuSecondsTotal = (*utime + *stime) / ticksPerSecond;
  stats.startTimeSeconds = bootTimeSeconds + *start / ticksPerSecond;
  stats.virtualMemoryBytes = *vsize;
  stats.residentMemoryBytes = *rss * pageSizeBytes;
  return stats;
}

std::optional<double> parseBootTime(const std::string& procStat) {
  std::istringstream lines(procStat);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("btime ")) continue;
    return toNumber(line.substr(6));
  }
  return std::nullopt;
}

std::optional<ProcessStats> readProcessStats() {
  auto bootTime = parseBootTime(readFile("/proc/stat"));
  std::string statLine = readFile("/proc/self/stat");
  if (!bootTime || statLine.empty()) return std::nullopt;
  while (!statLine.empty() && statLine.back() == '\n') statLine.pop_back();
  auto stats = parseProcStat(statLine, static_cast<double>(sysconf(_SC_PAGESIZE)),
                             static_cast<double>(sysconf(_SC_CLK_TCK)), *bootTime);
  if (!stats) return std::nullopt;
  std::error_code ec;
  std::size_t fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++fds;
  // The iterator's own descriptor is among those listed; it is closed again at once.
  stats->openFds = static_cast<double>(fds > 0 ? fds - 1 : 0);
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0)
    stats->maxFds = limit.rlim_cur == RLIM_INFINITY ? 0 : static_cast<double>(limit.rlim_cur);
  return stats;
}

void registerProcessMetrics(Registry& registry) {
  auto& resident =
      registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes.");
  auto& virtualMemory =
      registry.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.");
  auto& cpu = registry.counter("process_cpu_seconds_total",
                               "Total user and system CPU time spent in seconds.");
  auto& openFds = registry.gauge("process_open_fds", "Number of open file descriptors.");
  auto& maxFds = registry.gauge("process_max_fds", "Maximum number of open file descriptors.");
  auto& start = registry.gauge("process_start_time_seconds",
                               "Start time of the process since unix epoch in seconds.");
  registry.addCollector([&] {
    auto stats = readProcessStats();
    if (!stats) return;
    resident.set({}, stats->residentMemoryBytes);
    virtualMemory.set({}, stats->virtualMemoryBytes);
    cpu.set({}, stats->cpuSecondsTotal);
    openFds.set({}, stats->openFds);
    maxFds.set({}, stats->maxFds);
    start.set({}, stats->startTimeSeconds);
  });
}

}  // namespace rg::metrics
