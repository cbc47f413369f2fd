#include "reconcilers/checks/pod_template.hpp"

#include <gtest/gtest.h>

#include "tests/unit/checks/check_fixtures.hpp"

namespace rg::checks {
namespace {

using namespace fixtures;

TEST(PodTemplate, PodSpecOnNonObjectsIsNull) {
  for (const auto& value : {json(), json::array({1}), json("text"), json(3)})
    EXPECT_EQ(podSpec(value), nullptr);
  EXPECT_EQ(podSpec(R"({"spec": {"template": "oops"}})"_json), nullptr);
}

TEST(PodTemplate, ContainersListInitFirstOnlyWhenAsked) {
  auto deployment = deploymentWith(R"({
    "initContainers": [{"name": "migrate"}],
    "containers": [{"name": "api"}, "junk", {"image": "worker:1"}]})"_json);
  auto regular = templateContainers(deployment, false);
  ASSERT_EQ(regular.size(), 2u);
  EXPECT_EQ(regular[0].label(), "container api");
  EXPECT_EQ(regular[1].label(), "container [2]");  // index in the manifest's list
  auto all = templateContainers(deployment, true);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].label(), "init container migrate");
  EXPECT_TRUE(hasRegularContainers(all));
}

TEST(PodTemplate, InitContainersAloneAreNotRegularContainers) {
  auto deployment = deploymentWith(R"({"initContainers": [{"name": "migrate"}]})"_json);
  auto containers = templateContainers(deployment, true);
  EXPECT_EQ(containers.size(), 1u);
  EXPECT_FALSE(hasRegularContainers(containers));
}

TEST(PodTemplate, TextHelpers) {
  EXPECT_EQ(join({"a", "b", "c"}), "a; b; c");
  EXPECT_EQ(join({}), "");
  EXPECT_EQ(ratio(1, 2), "1/2");
  EXPECT_EQ(countOf(1, "container"), "1 container");
  EXPECT_EQ(countOf(0, "container"), "0 containers");
  EXPECT_EQ(quotedText("say \"hi\""), R"("say \"hi\"")");
  EXPECT_EQ(quotedText(std::string("\xff")), "\"\xEF\xBF\xBD\"");  // invalid UTF-8 never throws
}

}  // namespace
}  // namespace rg::checks
