// The shared text helpers: what HTTP calls optional whitespace, and ASCII case.
#include "kube/text.hpp"

#include <gtest/gtest.h>

namespace rg::kube {
namespace {

TEST(Text, TrimBlanksTakesSpacesAndTabsFromBothEndsOnly) {
  EXPECT_EQ(trimBlanks(" \tgzip ;q=1\t "), "gzip ;q=1");
  EXPECT_EQ(trimBlanks("   "), "");
  EXPECT_EQ(trimBlanks(""), "");
  // A line break is not optional whitespace: it stays, and what holds it is not a token.
  EXPECT_EQ(trimBlanks("\nname "), "\nname");
}

TEST(Text, EqualsIgnoringAsciiCaseComparesLettersWithoutCaseAndNothingElse) {
  EXPECT_TRUE(equalsIgnoringAsciiCase("GZip", "gzip"));
  EXPECT_TRUE(equalsIgnoringAsciiCase("+INF", "+Inf"));
  EXPECT_TRUE(equalsIgnoringAsciiCase("", ""));
  EXPECT_FALSE(equalsIgnoringAsciiCase("gzip", "gzip2"));
  EXPECT_FALSE(equalsIgnoringAsciiCase("NaN", "Na"));
  EXPECT_FALSE(equalsIgnoringAsciiCase("[", "{"));  // '[' is 'Z' + 1: not a letter
}

}  // namespace
}  // namespace rg::kube
