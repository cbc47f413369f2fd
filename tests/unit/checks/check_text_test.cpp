#include "reconcilers/checks/check_text.hpp"

#include <gtest/gtest.h>

namespace rg::checks {
namespace {

TEST(CheckText, TextHelpers) {
  EXPECT_EQ(join({"a", "b", "c"}), "a; b; c");
  EXPECT_EQ(join({}), "");
  EXPECT_EQ(ratio(1, 2), "1/2");
  EXPECT_EQ(countOf(1, "container"), "1 container");
  EXPECT_EQ(countOf(0, "container"), "0 containers");
  EXPECT_EQ(quotedText("say \"hi\""), R"("say \"hi\"")");
  EXPECT_EQ(quotedText(std::string("\xff")), "\"\xEF\xBF\xBD\"");  // invalid UTF-8 never throws
}

TEST(CheckText, NoContainers) {
  const auto result = noContainersResult();
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "pod template has no containers");
  EXPECT_EQ(result.value, "0/0");
}

}  // namespace
}  // namespace rg::checks
