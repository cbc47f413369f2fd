// A gate as the cache keeps it (spec and status as packed text) reads as the gate it was.
#include "reconcilers/spec/stored_gate.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reconcilers/gate_dependencies.hpp"
#include "reconcilers/spec/packed_text.hpp"
#include "reconcilers/spec/spec_parser.hpp"
#include "reconcilers/status/gate_status.hpp"

namespace rg {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;

json gateObject() {
  return {{"apiVersion", "gates.readiness.dev/v1alpha1"},
          {"kind", "ReadinessGate"},
          {"metadata", {{"name", "web"}, {"namespace", "shop"}, {"uid", "u1"}, {"generation", 2}}},
          {"spec",
           {{"targetRef", {{"name", "web"}}},
            {"interval", "10s"},
            {"checks", json::array({{{"name", "creds"},
                                     {"secrets", {{"required", json::array({{{"name", "db"}}})}}}},
                                    {{"name", "probes"}, {"probes", json::object()}}})}}},
          {"status", {{"phase", "Passing"}, {"observedGeneration", 2}}}};
}

TEST(StoredGate, SpecAndStatusKeptAsTextReadAsTheyWere) {
  const json whole = gateObject();
  json stored = whole;
  compactStoredGate(stored);
  ASSERT_TRUE(isPackedText(stored["spec"]));
  ASSERT_TRUE(isPackedText(stored["status"]));
  EXPECT_EQ(stored["metadata"], whole["metadata"]);
  EXPECT_EQ(storedSpec(stored), whole["spec"]);
  EXPECT_EQ(storedSpec(whole), whole["spec"]);
  EXPECT_EQ(storedStatus(stored), storedStatus(whole));
  EXPECT_EQ(storedStatus(stored).phase, Phase::Passing);
  EXPECT_EQ(withStoredSpec(stored)["spec"], whole["spec"]);
  EXPECT_EQ(withStoredSpec(whole), whole);

  // Parsed, indexed and mapped to Secrets alike.
  auto fromText = parseGate(withStoredSpec(stored));
  auto fromTree = parseGate(whole);
  ASSERT_TRUE(fromText.gate.has_value()) << fromText.errorSummary();
  EXPECT_EQ(fromText.gate->spec.checks.size(), fromTree.gate->spec.checks.size());
  EXPECT_EQ(fromText.gate->spec.interval, fromTree.gate->spec.interval);
  EXPECT_THAT(gateTargetIndex(stored), ElementsAre("shop/web"));
  EXPECT_EQ(gateTargetIndex(stored), gateTargetIndex(whole));
  EXPECT_THAT(gateRequiredSecrets(stored), ElementsAre("db"));
}

TEST(StoredGate, ASpecThatIsNotAnObjectStaysWhatItWasForTheParserToReport) {
  json noSpec = gateObject();
  noSpec.erase("spec");
  compactStoredGate(noSpec);
  EXPECT_TRUE(storedSpec(noSpec).is_null());
  EXPECT_TRUE(gateTargetIndex(noSpec).empty());

  json wrongType = gateObject();
  wrongType["spec"] = json::array({1});
  compactStoredGate(wrongType);
  EXPECT_EQ(wrongType["spec"], json::array({1}));
  EXPECT_THAT(parseGate(withStoredSpec(wrongType)).errorSummary(),
              ::testing::HasSubstr("must be an object"));

  // A string spec is a string, not text to read: the parser reports it.
  json text = gateObject();
  text["spec"] = gateObject()["spec"].dump();
  compactStoredGate(text);
  EXPECT_TRUE(storedSpec(text).is_string());
  EXPECT_THAT(parseGate(withStoredSpec(text)).errorSummary(),
              ::testing::HasSubstr("must be an object"));
  EXPECT_TRUE(gateTargetIndex(text).empty());

  json unreadable = gateObject();
  unreadable["spec"] = packText("{not json");
  EXPECT_TRUE(storedSpec(unreadable).is_null());
  EXPECT_THAT(parseGate(withStoredSpec(unreadable)).errorSummary(),
              ::testing::HasSubstr("spec: is required"));
  EXPECT_TRUE(gateRequiredSecrets(unreadable).empty());
}

}  // namespace
}  // namespace rg
