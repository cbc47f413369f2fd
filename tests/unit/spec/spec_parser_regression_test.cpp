// Findings of the gate_json and gate_yaml fuzzers (fuzz/regressions/gate_json/, gate_yaml/).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reconcilers/spec/spec_parser.hpp"

namespace rg {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json minimalGate() {
  return json::parse(R"({"apiVersion": "gates.readiness.dev/v1alpha1", "kind": "ReadinessGate",
    "metadata": {"name": "g"}, "spec": {"targetRef": {"name": "d"},
    "checks": [{"name": "p", "probes": {}}]}})");
}

// json::value("apiVersion", "") throws when the field is there with another type.
TEST(SpecParserRegression, ApiVersionAndKindOfAnotherTypeAreErrors) {
  json gate = minimalGate();
  gate["apiVersion"] = {{"targetce", "n"}};
  gate["kind"] = true;
  GateParseResult result;
  ASSERT_NO_THROW(result = parseGate(gate));
  EXPECT_FALSE(result.gate);
  EXPECT_THAT(result.errorSummary(), HasSubstr("apiVersion: must be gates.readiness.dev/v1alpha1"));
  EXPECT_THAT(result.errorSummary(), HasSubstr("kind: must be ReadinessGate"));
}

// A value quoted in a message may hold bytes that are not UTF-8 (offline YAML input): the message
// must still be writable as JSON, and json::dump used to throw while writing it.
TEST(SpecParserRegression, InvalidBytesInAQuotedValueAreReplaced) {
  json gate = minimalGate();
  gate["spec"]["interval"] =
      "5 minut\xff\xff"
      "es";
  gate["spec"]["checks"].push_back({{"name", "e"}, {"env", {{"equals", {{"MODE", 7}}}}}});
  GateParseResult result;
  ASSERT_NO_THROW(result = parseGate(gate));
  EXPECT_FALSE(result.gate);
  EXPECT_THAT(result.errorSummary(), HasSubstr("spec.interval"));
  EXPECT_THAT(result.errorSummary(), HasSubstr("\"5 minut\xef\xbf\xbd\xef\xbf\xbd"
                                               "es\""));
  EXPECT_THAT(result.errorSummary(), HasSubstr("must be a string, got 7 (quote it: \"7\")"));
  EXPECT_NO_THROW((void)json(result.errorSummary()).dump());
}

}  // namespace
}  // namespace rg
