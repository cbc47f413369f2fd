#include "operator/cli/run_command.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rg::cli {
namespace {

using namespace std::chrono_literals;

std::string parse(const std::vector<std::string>& args, ManagerOptions& options) {
  std::string level, format;
  bool help = false;
  return parseRunArgs(args, options, level, format, help);
}

TEST(RunArgs, StatusHeartbeatDefaultsToFiveMinutes) {
  ManagerOptions options;
  EXPECT_EQ(parse({}, options), "");
  EXPECT_EQ(options.statusHeartbeat, 5min);
}

TEST(RunArgs, StatusHeartbeatTakesADurationAndZeroMeansEveryRound) {
  ManagerOptions options;
  EXPECT_EQ(parse({"--status-heartbeat", "90s"}, options), "");
  EXPECT_EQ(options.statusHeartbeat, 90s);
  EXPECT_EQ(parse({"--status-heartbeat=0s"}, options), "");
  EXPECT_EQ(options.statusHeartbeat, 0s);
}

TEST(RunArgs, AStatusHeartbeatThatIsNoDurationNamesTheFlag) {
  ManagerOptions options;
  EXPECT_THAT(parse({"--status-heartbeat", "often"}, options),
              ::testing::AllOf(::testing::HasSubstr("--status-heartbeat"),
                               ::testing::HasSubstr("\"often\"")));
  EXPECT_THAT(parse({"--status-heartbeat"}, options), ::testing::HasSubstr("--status-heartbeat"));
}

TEST(RunArgs, RuntimeCheckWorkersDefaultToEightWithFourPerNamespace) {
  ManagerOptions options;
  EXPECT_EQ(parse({}, options), "");
  EXPECT_EQ(options.runtimeCheckWorkers, 8);
  EXPECT_EQ(options.runtimeCheckWorkersPerNamespace, 4);
  EXPECT_EQ(
      parse({"--runtime-check-workers", "0", "--runtime-check-workers-per-namespace=2"}, options),
      "");
  EXPECT_EQ(options.runtimeCheckWorkers, 0);
  EXPECT_EQ(options.runtimeCheckWorkersPerNamespace, 2);
}

TEST(RunArgs, AWorkerCountOutOfRangeNamesTheFlagAndTheRange) {
  ManagerOptions options;
  EXPECT_EQ(parse({"--runtime-check-workers", "-1"}, options),
            "--runtime-check-workers must be an integer from 0 to 256, got \"-1\"");
  EXPECT_EQ(parse({"--runtime-check-workers-per-namespace", "4x"}, options),
            "--runtime-check-workers-per-namespace must be an integer from 0 to 256, got \"4x\"");
  EXPECT_EQ(parse({"--workers", "0"}, options),
            "--workers must be an integer from 1 to 256, got \"0\"");
  EXPECT_EQ(options.runtimeCheckWorkers, 8);
  EXPECT_EQ(options.workers, 2);
}

}  // namespace
}  // namespace rg::cli
