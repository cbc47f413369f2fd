#include "kube/quantity.hpp"

#include <gtest/gtest.h>

namespace rg::kube {
namespace {

__int128 nanoOf(const char* text) {
  auto q = Quantity::parse(text);
  EXPECT_TRUE(q.has_value()) << text;
  return q ? q->nano() : -1;
}

constexpr __int128 kG = 1'000'000'000;  // nano-units per unit

TEST(Quantity, PlainIntegersAndDecimals) {
  EXPECT_EQ(nanoOf("1"), kG);
  EXPECT_EQ(nanoOf("0"), 0);
  EXPECT_EQ(nanoOf("0.5"), kG / 2);
  EXPECT_EQ(nanoOf(".5"), kG / 2);
  EXPECT_EQ(nanoOf("1."), kG);
  EXPECT_EQ(nanoOf("+2"), 2 * kG);
  EXPECT_EQ(nanoOf("-2"), -2 * kG);
}

TEST(Quantity, DecimalSuffixes) {
  EXPECT_EQ(nanoOf("500m"), kG / 2);
  EXPECT_EQ(nanoOf("1k"), 1000 * kG);
  EXPECT_EQ(nanoOf("1M"), 1'000'000 * kG);
  EXPECT_EQ(nanoOf("1G"), kG * kG);
  EXPECT_EQ(nanoOf("2T"), 2 * kG * kG * 1000);
  EXPECT_EQ(nanoOf("1P"), kG * kG * 1'000'000);
  EXPECT_EQ(nanoOf("1E"), kG * kG * kG);
  EXPECT_EQ(nanoOf("1n"), 1);
  EXPECT_EQ(nanoOf("3u"), 3000);
}

TEST(Quantity, BinarySuffixes) {
  EXPECT_EQ(nanoOf("1Ki"), 1024 * kG);
  EXPECT_EQ(nanoOf("512Mi"), static_cast<__int128>(512) * 1024 * 1024 * kG);
  EXPECT_EQ(nanoOf("1Gi"), (static_cast<__int128>(1) << 30) * kG);
  EXPECT_EQ(nanoOf("1.5Gi"), (static_cast<__int128>(3) << 29) * kG);
  EXPECT_EQ(nanoOf("1Ti"), (static_cast<__int128>(1) << 40) * kG);
  EXPECT_EQ(nanoOf("1Pi"), (static_cast<__int128>(1) << 50) * kG);
  EXPECT_EQ(nanoOf("1Ei"), (static_cast<__int128>(1) << 60) * kG);
}

TEST(Quantity, DecimalExponents) {
  EXPECT_EQ(nanoOf("1e3"), 1000 * kG);
  EXPECT_EQ(nanoOf("1E3"), 1000 * kG);
  EXPECT_EQ(nanoOf("12e-3"), 12 * kG / 1000);
  EXPECT_EQ(nanoOf("1.5e+2"), 150 * kG);
}

TEST(Quantity, EqualValuesInDifferentFormsCompareEqual) {
  EXPECT_EQ(*Quantity::parse("1"), *Quantity::parse("1000m"));
  EXPECT_EQ(*Quantity::parse("1Gi"), *Quantity::parse("1073741824"));
  EXPECT_EQ(*Quantity::parse("1G"), *Quantity::parse("1e9"));
  EXPECT_EQ(*Quantity::parse("0.1"), *Quantity::parse("100m"));
  EXPECT_LT(*Quantity::parse("1G"), *Quantity::parse("1Gi"));
  EXPECT_GT(*Quantity::parse("2Gi"), *Quantity::parse("1Gi"));
  EXPECT_LT(*Quantity::parse("999m"), *Quantity::parse("1"));
}

TEST(Quantity, NoFloatingPointSurprises) {
  // 0.1 + 0.2 style sums are exact because values are integers in nano-units.
  auto a = Quantity::parse("0.1")->nano() + Quantity::parse("0.2")->nano();
  EXPECT_EQ(a, Quantity::parse("0.3")->nano());
  EXPECT_EQ(*Quantity::parse("1.0000000001"), *Quantity::parse("1.000000001"))
      << "sub-nano precision rounds up to the next nano-unit";
}

TEST(Quantity, SubNanoValuesRoundUp) {
  EXPECT_EQ(nanoOf("1e-10"), 1);
  EXPECT_EQ(nanoOf("0.0000000001"), 1);
  EXPECT_EQ(nanoOf("1.5e-9"), 2);
}

TEST(Quantity, MilliValueRoundsUp) {
  EXPECT_EQ(Quantity::parse("1")->milliValue(), 1000);
  EXPECT_EQ(Quantity::parse("250m")->milliValue(), 250);
  EXPECT_EQ(Quantity::parse("0.0001")->milliValue(), 1);
  EXPECT_EQ(Quantity::fromMilli(1500), *Quantity::parse("1.5"));
}

TEST(Quantity, KeepsOriginalText) {
  EXPECT_EQ(Quantity::parse("512Mi")->text(), "512Mi");
  EXPECT_DOUBLE_EQ(Quantity::parse("1.5")->toDouble(), 1.5);
}

TEST(Quantity, RejectsMalformed) {
  for (const char* bad : {"", "abc", "1.5.0", "Mi", "1 Gi", "1gi", "1Gii", "1KI", "--1", "1e",
                          "1e3.5", ".", "+", "1m1", "1.2.3Gi", "0x10", "1e1000", "1Zi"}) {
    EXPECT_FALSE(Quantity::parse(bad).has_value()) << bad;
  }
}

TEST(Quantity, RejectsOutOfRange) {
  EXPECT_FALSE(Quantity::parse("99999999999999999999999999999999").has_value());
  EXPECT_FALSE(Quantity::parse("1e40").has_value());
  EXPECT_TRUE(Quantity::parse("8Ei").has_value());
}

}  // namespace
}  // namespace rg::kube
