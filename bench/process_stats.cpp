#include "bench/process_stats.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace rg::bench {
namespace {

int64_t statusKilobytes(const std::string& text, const std::string& key) {
  auto at = text.find(key + ":");
  if (at == std::string::npos) return 0;
  std::istringstream in(text.substr(at + key.size() + 1));
  int64_t kb = 0;
  in >> kb;
  return kb * 1024;
}

}  // namespace

std::optional<ProcessStats> readProcessStats(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  std::ifstream statFile(dir + "/stat");
  std::string stat((std::istreambuf_iterator<char>(statFile)), std::istreambuf_iterator<char>());
  // Fields after the command name, which may contain spaces, start after the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  uint64_t utime = 0, stime = 0;
  for (int index = 3; fields >> field; ++index) {
    if (index == 14) utime = std::stoull(field);
    if (index == 15) {
      stime = std::stoull(field);
      break;
    }
  }
  std::ifstream statusFile(dir + "/status");
  std::string status((std::istreambuf_iterator<char>(statusFile)),
                     std::istreambuf_iterator<char>());
  ProcessStats out;
  out.cpuSeconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  out.rssBytes = statusKilobytes(status, "VmRSS");
  out.peakRssBytes = statusKilobytes(status, "VmHWM");
  return out;
}

}  // namespace rg::bench
