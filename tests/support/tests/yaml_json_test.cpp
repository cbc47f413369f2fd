#include "tests/support/yaml_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/api_errors.hpp"

namespace rg::testing {
namespace {

using json = nlohmann::json;

TEST(YamlJsonTest, Yaml11Scalars) {
  const json doc = yamlToJson(R"(
a: yes
b: n
c: "yes"
d: 42
e: -0x1F
f: 0755
g: 1.5
h: 1_000
i: ~
j:
k: 1.2.3
l: '007'
m: nginx:1.25
n: [1, two, false]
)");
  EXPECT_EQ(doc["a"], true);
  EXPECT_EQ(doc["b"], false);
  EXPECT_EQ(doc["c"], "yes");
  EXPECT_EQ(doc["d"], 42);
  EXPECT_EQ(doc["e"], -31);
  EXPECT_EQ(doc["f"], 493);
  EXPECT_EQ(doc["g"], 1.5);
  EXPECT_EQ(doc["h"], 1000);
  EXPECT_TRUE(doc["i"].is_null());
  EXPECT_TRUE(doc["j"].is_null());
  EXPECT_EQ(doc["k"], "1.2.3");
  EXPECT_EQ(doc["l"], "007");
  EXPECT_EQ(doc["m"], "nginx:1.25");
  EXPECT_EQ(doc["n"], json::parse(R"([1, "two", false])"));
}

TEST(YamlJsonTest, MultipleDocumentsAndErrors) {
  const auto docs = yamlDocumentsToJson("a: 1\n---\n---\nb: 2\n");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[1]["b"], 2);
  EXPECT_THROW(yamlToJson("a: [1, 2"), ApiError);
}

}  // namespace
}  // namespace rg::testing
