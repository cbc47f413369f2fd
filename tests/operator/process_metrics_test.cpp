#include "operator/metrics/process_metrics.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

#include "operator/metrics/metric_registry.hpp"

namespace rg::metrics {
namespace {

// A /proc/<pid>/stat line whose command name holds a space and a parenthesis: fields must be
// counted from the last ')'. utime 150, stime 50, starttime 1000, vsize 8192000, rss 300.
const char* kStatLine =
    "4242 (readiness (gate) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 7 0 1000 "
    "8192000 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";

TEST(ProcessMetrics, ParsesStatCountingFieldsAfterTheCommandName) {
  auto stats = parseProcStat(kStatLine, 4096, 100, 1'700'000'000);
  ASSERT_TRUE(stats);
  EXPECT_DOUBLE_EQ(stats->cpuSecondsTotal, 2.0);  // (150 + 50) / 100
  EXPECT_DOUBLE_EQ(stats->startTimeSeconds, 1'700'000'010.0);
  EXPECT_DOUBLE_EQ(stats->virtualMemoryBytes, 8192000);
  EXPECT_DOUBLE_EQ(stats->residentMemoryBytes, 300 * 4096.0);
}

TEST(ProcessMetrics, RejectsMalformedStat) {
  EXPECT_FALSE(parseProcStat("", 4096, 100, 0));
  EXPECT_FALSE(parseProcStat("1 (x) S 1 2 3", 4096, 100, 0));
  EXPECT_FALSE(parseProcStat(kStatLine, 4096, 0, 0));
}

TEST(ProcessMetrics, ReadsBootTime) {
  EXPECT_EQ(parseBootTime("cpu  1 2 3\nbtime 1699999000\nprocesses 5\n"), 1699999000.0);
  EXPECT_FALSE(parseBootTime("cpu 1 2 3\n"));
}

TEST(ProcessMetrics, ReadsThisProcess) {
  auto stats = readProcessStats();
  ASSERT_TRUE(stats);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_GT(stats->residentMemoryBytes, 0);
  EXPECT_GE(stats->virtualMemoryBytes, stats->residentMemoryBytes);
  EXPECT_GE(stats->openFds, 3);  // stdin, stdout, stderr at least
  EXPECT_GT(stats->maxFds, stats->openFds);
  EXPECT_LE(stats->startTimeSeconds, now + 1);
  EXPECT_GT(stats->startTimeSeconds, now - 3600);  // this test process started recently
  EXPECT_GE(stats->cpuSecondsTotal, 0);
}

TEST(ProcessMetrics, RegistersTheStandardFamilies) {
  Registry registry;
  registerProcessMetrics(registry);
  const std::string text = registry.render();
  for (const char* family : {"process_resident_memory_bytes", "process_virtual_memory_bytes",
                             "process_cpu_seconds_total", "process_open_fds", "process_max_fds",
                             "process_start_time_seconds"}) {
    EXPECT_NE(text.find(std::string("# TYPE ") + family), std::string::npos) << family;
  }
  ASSERT_NE(registry.find("process_open_fds"), nullptr);
  EXPECT_GE(registry.find("process_open_fds")->value({}).value_or(0), 3);
}

}  // namespace
}  // namespace rg::metrics
