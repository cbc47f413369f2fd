// BoxedOptional reads and assigns as std::optional, copies deeply, and is pointer-sized.
#include "reconcilers/spec/boxed_optional.hpp"

#include <string>

#include <gtest/gtest.h>

#include "reconcilers/spec/gate_spec.hpp"

namespace rg {
namespace {

TEST(BoxedOptional, AssignsFromAValueAnOptionalAndNullopt) {
  BoxedOptional<std::string> box;
  EXPECT_FALSE(box);
  box = std::string("cpu");
  ASSERT_TRUE(box.has_value());
  EXPECT_EQ(*box, "cpu");
  EXPECT_EQ(box->size(), 3u);
  box = std::optional<std::string>();
  EXPECT_FALSE(box);
  box = std::optional<std::string>("memory");
  EXPECT_EQ(*box, "memory");
  box = std::nullopt;
  EXPECT_FALSE(box);
  EXPECT_EQ(box.value_or("none"), "none");
}

TEST(BoxedOptional, ACopyIsItsOwnValue) {
  BoxedOptional<std::string> first = std::string("a");
  BoxedOptional<std::string> second = first;
  *second += "b";
  EXPECT_EQ(*first, "a");
  EXPECT_EQ(*second, "ab");
  first = second;
  second.reset();
  EXPECT_EQ(*first, "ab");
  BoxedOptional<std::string> moved = std::move(first);
  EXPECT_EQ(moved.value_or(""), "ab");
}

// What boxing is for: a parsed check is as large as its largest kind, 10 000 gates hold tens of
// thousands of them, and the resources kind's four quantities made each 464 bytes.
TEST(BoxedOptional, KeepsAParsedCheckSmall) {
  EXPECT_EQ(sizeof(BoxedOptional<Threshold>), sizeof(void*));
  EXPECT_LE(sizeof(ResourcesCheck), 40u);
  EXPECT_LE(sizeof(CheckSpec), 256u);
}

}  // namespace
}  // namespace rg
