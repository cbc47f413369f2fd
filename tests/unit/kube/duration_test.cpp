#include "kube/duration.hpp"

#include <gtest/gtest.h>

namespace rg::kube {
namespace {

using namespace std::chrono_literals;

std::chrono::nanoseconds parsed(const char* text) {
  auto d = Duration::parse(text);
  EXPECT_TRUE(d.has_value()) << text;
  return d ? d->value() : std::chrono::nanoseconds(-1);
}

TEST(Duration, GoUnits) {
  EXPECT_EQ(parsed("30s"), 30s);
  EXPECT_EQ(parsed("500ms"), 500ms);
  EXPECT_EQ(parsed("2m"), 2min);
  EXPECT_EQ(parsed("1h"), 1h);
  EXPECT_EQ(parsed("10us"), 10us);
  EXPECT_EQ(parsed("10\xc2\xb5s"), 10us);
  EXPECT_EQ(parsed("10\xce\xbcs"), 10us);
  EXPECT_EQ(parsed("7ns"), 7ns);
}

TEST(Duration, CompoundAndFractional) {
  EXPECT_EQ(parsed("1h2m3.5s"), 1h + 2min + 3500ms);
  EXPECT_EQ(parsed("1.5h"), 90min);
  EXPECT_EQ(parsed(".5s"), 500ms);
  EXPECT_EQ(parsed("1.s"), 1s);
  EXPECT_EQ(parsed("2h45m"), 2h + 45min);
  EXPECT_EQ(parsed("1.000000001s"), 1s + 1ns);
  EXPECT_EQ(parsed("0.0000000001s"), 0ns) << "below nanosecond precision truncates, as Go";
}

TEST(Duration, ZeroAndSigns) {
  EXPECT_EQ(parsed("0"), 0ns);
  EXPECT_EQ(parsed("0s"), 0ns);
  EXPECT_EQ(parsed("-1.5s"), -1500ms);
  EXPECT_EQ(parsed("+3s"), 3s);
}

TEST(Duration, RejectsMalformed) {
  for (const char* bad : {"", "30", "s", "1x", "1.2.3s", "-", "1 s", "1S", "ms", ".s", "1h-2m",
                          "3000000h", "9223372036854775808ns"}) {
    EXPECT_FALSE(Duration::parse(bad).has_value()) << bad;
  }
}

TEST(Duration, AcceptsTheLargestGoDuration) {
  EXPECT_EQ(parsed("9223372036854775807ns").count(), 9223372036854775807LL);
  EXPECT_EQ(parsed("2562047h"), 2562047h);
}

TEST(Duration, FormatsLikeGo) {
  EXPECT_EQ(Duration(0ns).toString(), "0s");
  EXPECT_EQ(Duration(1h + 2min + 3500ms).toString(), "1h2m3.5s");
  EXPECT_EQ(Duration(30s).toString(), "30s");
  EXPECT_EQ(Duration(90min).toString(), "1h30m0s");
  EXPECT_EQ(Duration(500ms).toString(), "500ms");
  EXPECT_EQ(Duration(1500us).toString(), "1.5ms");
  EXPECT_EQ(Duration(2us).toString(), "2\xc2\xb5s");
  EXPECT_EQ(Duration(7ns).toString(), "7ns");
  EXPECT_EQ(Duration(-2s).toString(), "-2s");
}

TEST(Duration, RoundTrips) {
  for (const char* text : {"1h2m3.5s", "500ms", "45s", "2h0m0s", "1.5ms"})
    EXPECT_EQ(Duration::parse(text)->toString(), text);
}

}  // namespace
}  // namespace rg::kube
