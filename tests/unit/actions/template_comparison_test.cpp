#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reconcilers/actions/rollback.hpp"
#include "tests/unit/actions/rollback_fixtures.hpp"

namespace rg::actions {
namespace {

using nlohmann::json;
using namespace fixtures;

TEST(RollbackPlan, TemplateComparisonIgnoresHashAndEmptyValues) {
  auto rsTemplate = podTemplate("v2", "7f6d5c4b3");
  auto deploymentTemplate = podTemplate("v2");
  EXPECT_TRUE(templatesEqualIgnoringHash(rsTemplate, deploymentTemplate));
  // Nil and empty maps/slices are equal in Go's semantic equality; the server omits them.
  deploymentTemplate["metadata"].erase("creationTimestamp");
  deploymentTemplate["spec"]["volumes"] = json::array();
  deploymentTemplate["spec"]["nodeSelector"] = json::object();
  EXPECT_TRUE(templatesEqualIgnoringHash(rsTemplate, deploymentTemplate));
  // Different hash values are ignored too.
  EXPECT_TRUE(templatesEqualIgnoringHash(podTemplate("v2", "aaa"), podTemplate("v2", "bbb")));
  // Anything else counts.
  EXPECT_FALSE(templatesEqualIgnoringHash(rsTemplate, podTemplate("v3")));
  auto relabelled = podTemplate("v2");
  relabelled["metadata"]["labels"]["tier"] = "frontend";
  EXPECT_FALSE(templatesEqualIgnoringHash(rsTemplate, relabelled));
  auto annotated = podTemplate("v2");
  annotated["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] = "2026-11-22T10:00Z";
  EXPECT_FALSE(templatesEqualIgnoringHash(rsTemplate, annotated));
}

TEST(RollbackPlan, TemplateComparisonIgnoresOnlyTheHashLabelAndOnlyAbsentValues) {
  // Labels holding only the hash are no labels at all.
  json hashOnly = {{"metadata", {{"labels", {{"pod-template-hash", "aaa"}}}}},
                   {"spec", {{"containers", json::array({{{"name", "app"}}})}}}};
  json unlabelled = {{"spec", {{"containers", json::array({{{"name", "app"}}})}}}};
  EXPECT_TRUE(templatesEqualIgnoringHash(hashOnly, unlabelled));
  EXPECT_TRUE(templatesEqualIgnoringHash(unlabelled, hashOnly));
  // The same key anywhere else counts.
  json selected = unlabelled;
  selected["spec"]["nodeSelector"] = {{"pod-template-hash", "aaa"}};
  EXPECT_FALSE(templatesEqualIgnoringHash(selected, unlabelled));
  // Objects that hold only absent values are absent; array elements keep their place.
  json nested = unlabelled;
  nested["spec"]["affinity"] = {{"nodeAffinity", json::object()}, {"podAffinity", nullptr}};
  EXPECT_TRUE(templatesEqualIgnoringHash(nested, unlabelled));
  json two = unlabelled;
  two["spec"]["containers"].push_back(json::object());
  json twoNull = unlabelled;
  twoNull["spec"]["containers"].push_back(nullptr);
  EXPECT_TRUE(templatesEqualIgnoringHash(two, twoNull));
  EXPECT_FALSE(templatesEqualIgnoringHash(two, unlabelled));
  json notAnArray = unlabelled;
  notAnArray["spec"]["containers"] = {{"name", "app"}};
  EXPECT_FALSE(templatesEqualIgnoringHash(notAnArray, unlabelled));
  EXPECT_TRUE(templatesEqualIgnoringHash(json(), json::object()));
  EXPECT_FALSE(templatesEqualIgnoringHash(json("a"), json("b")));
}

// The cache compares ReplicaSets by canonical text: it must agree with the comparison on every
// pair.
TEST(RollbackPlan, CanonicalTemplateTextsAreEqualExactlyWhenTemplatesAreEqualIgnoringHash) {
  json unlabelled = {{"spec", {{"containers", json::array({{{"name", "app"}}})}}}};
  std::vector<json> templates = {podTemplate("v2", "7f6d5c4b3"),
                                 podTemplate("v2"),
                                 podTemplate("v2", "aaa"),
                                 podTemplate("v3"),
                                 unlabelled,
                                 json(),
                                 json::object(),
                                 json("a"),
                                 json(1),
                                 json(1.0),
                                 json(1.5)};
  json emptied = podTemplate("v2");
  emptied["metadata"].erase("creationTimestamp");
  emptied["spec"]["volumes"] = json::array();
  emptied["spec"]["nodeSelector"] = json::object();
  templates.push_back(emptied);
  json relabelled = podTemplate("v2");
  relabelled["metadata"]["labels"]["tier"] = "frontend";
  templates.push_back(relabelled);
  json hashOnly = unlabelled;
  hashOnly["metadata"] = {{"labels", {{"pod-template-hash", "aaa"}}}};
  templates.push_back(hashOnly);
  json selected = unlabelled;
  selected["spec"]["nodeSelector"] = {{"pod-template-hash", "aaa"}};
  templates.push_back(selected);
  json nested = unlabelled;
  nested["spec"]["affinity"] = {{"nodeAffinity", json::object()}, {"podAffinity", nullptr}};
  templates.push_back(nested);
  json two = unlabelled;
  two["spec"]["containers"].push_back(json::object());
  templates.push_back(two);
  json twoNull = unlabelled;
  twoNull["spec"]["containers"].push_back(nullptr);
  templates.push_back(twoNull);
  json twoArrays = unlabelled;
  twoArrays["spec"]["containers"].push_back(json::array());
  templates.push_back(twoArrays);
  json notAnArray = unlabelled;
  notAnArray["spec"]["containers"] = {{"name", "app"}};
  templates.push_back(notAnArray);
  json integral = podTemplate("v2");
  integral["spec"]["terminationGracePeriodSeconds"] = 30;
  templates.push_back(integral);
  json floating = podTemplate("v2");
  floating["spec"]["terminationGracePeriodSeconds"] = 30.0;
  templates.push_back(floating);

  for (const json& a : templates) {
    for (const json& b : templates) {
      EXPECT_EQ(canonicalTemplateText(a) == canonicalTemplateText(b),
                templatesEqualIgnoringHash(a, b))
          << a.dump() << " vs " << b.dump();
      EXPECT_EQ(canonicalTemplateDigest(a) == canonicalTemplateDigest(b),
                templatesEqualIgnoringHash(a, b));
    }
  }
  EXPECT_EQ(canonicalTemplateDigest(json::object()).size(), 64u);
}

}  // namespace
}  // namespace rg::actions
