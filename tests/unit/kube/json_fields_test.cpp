#include "kube/json_fields.hpp"

#include <gtest/gtest.h>

namespace rg::kube {
namespace {

using nlohmann::json;

TEST(JsonFields, AccessorsTreatWrongTypesAsAbsent) {
  auto object = R"({"s": "x", "b": true, "i": 5, "f": 1.5, "n": null, "o": {}, "a": [],
                    "si": "5", "big": 18446744073709551615})"_json;
  EXPECT_EQ(stringAt(object, "s"), "x");
  EXPECT_FALSE(stringAt(object, "i"));
  EXPECT_EQ(boolAt(object, "b"), true);
  EXPECT_FALSE(boolAt(object, "s"));
  EXPECT_EQ(intAt(object, "i"), 5);
  EXPECT_FALSE(intAt(object, "f"));
  EXPECT_FALSE(intAt(object, "si"));
  EXPECT_FALSE(intAt(object, "big"));
  EXPECT_NE(objectAt(object, "o"), nullptr);
  EXPECT_EQ(objectAt(object, "a"), nullptr);
  EXPECT_NE(arrayAt(object, "a"), nullptr);
  EXPECT_EQ(arrayAt(object, "n"), nullptr);
  EXPECT_FALSE(isTrue(object, "s"));
  EXPECT_TRUE(isTrue(object, "b"));
  EXPECT_EQ(textAt(object, "s"), "x");
  EXPECT_EQ(textAt(object, "i"), "");
  EXPECT_EQ(textAt(&object, "s"), "x");
  EXPECT_EQ(textAt(static_cast<const json*>(nullptr), "s"), "");
}

TEST(JsonFields, AccessorsOnNonObjectsReturnNothing) {
  for (const auto& value : {json(), json::array({1}), json("text"), json(3)}) {
    EXPECT_EQ(member(value, "x"), nullptr);
    EXPECT_FALSE(stringAt(value, "x"));
    EXPECT_EQ(objectPath(value, {"spec"}), nullptr);
    EXPECT_TRUE(objectsIn(value, "x").empty());
    EXPECT_EQ(textAt(value, "x"), "");
  }
}

TEST(JsonFields, ObjectPathStopsAtWrongTypedStep) {
  auto object = R"({"spec": {"template": "oops"}})"_json;
  EXPECT_EQ(objectPath(object, {"spec", "template", "spec"}), nullptr);
  EXPECT_NE(objectPath(object, {"spec"}), nullptr);
}

}  // namespace
}  // namespace rg::kube
