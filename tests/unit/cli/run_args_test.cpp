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

}  // namespace
}  // namespace rg::cli
