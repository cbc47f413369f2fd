#include <gtest/gtest.h>

#include "tests/unit/checks/check_fixtures.hpp"
#include "tests/unit/checks/spec_fixtures.hpp"

namespace rg::checks {
namespace {

using namespace fixtures;
using namespace spec_fixtures;

Workload withCatalogs(json podSpec) {
  auto workload = workloadWith(std::move(podSpec));
  workload.secrets.add(namedObject("Secret", "app-secrets", {{"API_KEY", "c2VjcmV0"}}));
  workload.configMaps.add(
      namedObject("ConfigMap", "app-config", {{"LEVEL", "debug"}, {"NODE_ENV", "staging"}}));
  return workload;
}

Workload oneContainer(json env, json envFrom = json::array()) {
  return withCatalogs(containersSpec(
      {{{"name", "api"}, {"env", std::move(env)}, {"envFrom", std::move(envFrom)}}}));
}

EnvCheck requiring(std::vector<std::string> names) {
  EnvCheck spec;
  spec.required = std::move(names);
  return spec;
}

EnvCheck expecting(std::map<std::string, std::string> equals) {
  EnvCheck spec;
  spec.equals = std::move(equals);
  return spec;
}

TEST(EnvCheck, RequiredVariablesFromEverySource) {
  auto workload = oneContainer(R"([
      {"name": "NODE_ENV", "value": "production"},
      {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
      {"name": "EMPTY"}])"_json,
                               R"([{"secretRef": {"name": "app-secrets"}},
                                   {"configMapRef": {"name": "app-config"}, "prefix": "LOG_"}])"_json);
  auto result =
      checkEnv(requiring({"NODE_ENV", "POD_NAME", "EMPTY", "API_KEY", "LOG_LEVEL"}), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_EQ(result.message, "1 container: NODE_ENV, POD_NAME, EMPTY, API_KEY, LOG_LEVEL set");
  EXPECT_EQ(result.value, "1/1");
}

TEST(EnvCheck, RequiredVariableMissingInOneContainer) {
  auto workload = withCatalogs(containersSpec(R"([
      {"name": "api", "env": [{"name": "LOG_LEVEL", "value": "info"}]},
      {"name": "worker", "env": [{"name": "OTHER", "value": "x"}]}])"_json));
  auto result = checkEnv(requiring({"LOG_LEVEL"}), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container worker: LOG_LEVEL is not set");
  EXPECT_EQ(result.value, "1/2");
}

TEST(EnvCheck, EnvFromPrefixIsHonoured) {
  auto prefixed = oneContainer(
      json::array(), R"([{"configMapRef": {"name": "app-config"}, "prefix": "APP_"}])"_json);
  auto result = checkEnv(requiring({"LEVEL"}), prefixed);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: LEVEL is not set");
  EXPECT_EQ(checkEnv(requiring({"APP_LEVEL"}), prefixed).outcome, CheckOutcome::Passed);
}

TEST(EnvCheck, UnknownEnvFromSourceMakesRequiredInconclusive) {
  auto workload = oneContainer(json::array(), R"([{"secretRef": {"name": "unknown-env"}}])"_json);
  auto result = checkEnv(requiring({"LOG_LEVEL"}), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(result.message,
            "container api: cannot tell whether LOG_LEVEL is set: envFrom secret unknown-env is "
            "not known");
  EXPECT_EQ(result.value, "0/1");
}

TEST(EnvCheck, UnknownPrefixedSourceOnlyCoversItsPrefix) {
  auto workload = oneContainer(json::array(),
                               R"([{"configMapRef": {"name": "unknown"}, "prefix": "DB_"}])"_json);
  auto result = checkEnv(requiring({"LOG_LEVEL"}), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: LOG_LEVEL is not set");
  EXPECT_EQ(checkEnv(requiring({"DB_HOST"}), workload).outcome, CheckOutcome::Inconclusive);
}

TEST(EnvCheck, MissingOptionalEnvFromSourceAddsNothing) {
  auto workload = oneContainer(
      json::array(), R"([{"secretRef": {"name": "unknown-env", "optional": true}}])"_json);
  auto result = checkEnv(requiring({"LOG_LEVEL"}), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: LOG_LEVEL is not set");
}

TEST(EnvCheck, EqualsLiteralMatches) {
  auto workload = oneContainer(
      R"([{"name": "NODE_ENV", "value": "production"}, {"name": "DEBUG", "value": "false"}])"_json);
  auto result = checkEnv(expecting({{"NODE_ENV", "production"}, {"DEBUG", "false"}}), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_EQ(result.message, "1 container: DEBUG, NODE_ENV as expected");
}

TEST(EnvCheck, EqualsMismatchSaysWhatWasFound) {
  auto workload = oneContainer(R"([{"name": "NODE_ENV", "value": "development"}])"_json);
  auto result = checkEnv(expecting({{"NODE_ENV", "production"}}), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: NODE_ENV is \"development\", expected \"production\"");
  EXPECT_EQ(result.value, "0/1");
}

TEST(EnvCheck, EqualsAgainstValueFromIsInconclusive) {
  auto workload = oneContainer(R"([{"name": "NODE_ENV",
      "valueFrom": {"secretKeyRef": {"name": "app-secrets", "key": "NODE_ENV"}}}])"_json);
  auto result = checkEnv(expecting({{"NODE_ENV", "production"}}), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(result.message,
            "container api: NODE_ENV comes from a secretKeyRef; cannot compare with "
            "\"production\"");
}

TEST(EnvCheck, EqualsAgainstEnvFromIsInconclusive) {
  auto workload = oneContainer(json::array(), R"([{"configMapRef": {"name": "app-config"}}])"_json);
  auto result = checkEnv(expecting({{"NODE_ENV", "production"}}), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(result.message,
            "container api: NODE_ENV comes from envFrom configMap app-config; cannot compare with "
            "\"production\"");
}

TEST(EnvCheck, EqualsMissingVariableFails) {
  auto workload = oneContainer(json::array());
  auto result = checkEnv(expecting({{"NODE_ENV", "production"}}), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: NODE_ENV is not set, expected \"production\"");
}

TEST(EnvCheck, EnvEntryOverridesEnvFrom) {
  auto workload = oneContainer(R"([{"name": "NODE_ENV", "value": "production"}])"_json,
                               R"([{"configMapRef": {"name": "app-config"}}])"_json);
  auto result = checkEnv(expecting({{"NODE_ENV", "production"}}), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
}

TEST(EnvCheck, LaterEnvEntryWins) {
  auto workload = oneContainer(R"([{"name": "NODE_ENV", "value": "production"},
                                   {"name": "NODE_ENV", "value": "test"}])"_json);
  auto result = checkEnv(expecting({{"NODE_ENV", "production"}}), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: NODE_ENV is \"test\", expected \"production\"");
}

TEST(EnvCheck, SecretLikeValuesAreNeverEchoed) {
  auto workload = oneContainer(R"([{"name": "API_TOKEN", "value": "tok-live-123"},
                                   {"name": "DB_PASSWORD", "value": "hunter2"},
                                   {"name": "AUTH_HEADER", "value": "Bearer abc"}])"_json);
  EnvCheck spec =
      expecting({{"API_TOKEN", "tok-expected"}, {"DB_PASSWORD", "pw"}, {"AUTH_HEADER", "x"}});
  spec.rejectLiteralSecrets = true;
  auto result = checkEnv(spec, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  for (const char* secret : {"tok-live-123", "tok-expected", "hunter2", "\"pw\"", "Bearer"})
    EXPECT_EQ(result.message.find(secret), std::string::npos) << secret << " in " << result.message;
  EXPECT_NE(result.message.find("container api: API_TOKEN does not have the expected value"),
            std::string::npos)
      << result.message;
  EXPECT_NE(result.message.find("container api: AUTH_HEADER does not have the expected value"),
            std::string::npos)
      << result.message;
}

TEST(EnvCheck, ForbiddenVariableSetInlineOrViaEnvFrom) {
  auto workload = withCatalogs(containersSpec(R"([
      {"name": "api", "env": [{"name": "YOUR_TEST_NUMBER", "value": "555-0100"}]},
      {"name": "worker", "envFrom": [{"secretRef": {"name": "app-secrets"}}]}])"_json));
  EnvCheck spec;
  spec.forbidden = {"YOUR_TEST_NUMBER", "API_KEY"};
  auto result = checkEnv(spec, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "container api: YOUR_TEST_NUMBER is set but is forbidden; container worker: API_KEY "
            "is set via envFrom secret app-secrets but is forbidden");
  EXPECT_EQ(result.message.find("555-0100"), std::string::npos);
}

TEST(EnvCheck, ForbiddenVariableAbsentPasses) {
  EnvCheck spec;
  spec.forbidden = {"YOUR_TEST_NUMBER"};
  auto result = checkEnv(spec, oneContainer(R"([{"name": "NODE_ENV", "value": "x"}])"_json));
  EXPECT_EQ(result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(result.message, "1 container: YOUR_TEST_NUMBER not set");
}

TEST(EnvCheck, ForbiddenWithUnknownSourceIsInconclusive) {
  EnvCheck spec;
  spec.forbidden = {"YOUR_TEST_NUMBER"};
  auto result =
      checkEnv(spec, oneContainer(json::array(), R"([{"secretRef": {"name": "mystery"}}])"_json));
  EXPECT_EQ(result.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(result.message,
            "container api: cannot tell whether YOUR_TEST_NUMBER is set: envFrom secret mystery "
            "is not known");
}

TEST(EnvCheck, RejectsInlineSecretLookingValues) {
  auto workload = oneContainer(R"([
      {"name": "API_TOKEN", "value": "tok-live-123"},
      {"name": "db_password", "value": "hunter2"},
      {"name": "STRIPE_SECRET", "value": "sk"},
      {"name": "AWS_ACCESS_KEY", "value": "AKIA"},
      {"name": "KEYBOARD_LAYOUT", "value": "us"},
      {"name": "TOKEN_COUNT", "value": "3"},
      {"name": "EMPTY_TOKEN", "value": ""},
      {"name": "REF_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}])"_json);
  EnvCheck spec;
  spec.rejectLiteralSecrets = true;
  auto result = checkEnv(spec, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "container api: API_TOKEN is set inline; use a secretKeyRef; container api: "
            "db_password is set inline; use a secretKeyRef; container api: STRIPE_SECRET is set "
            "inline; use a secretKeyRef; container api: AWS_ACCESS_KEY is set inline; use a "
            "secretKeyRef");
}

TEST(EnvCheck, NoInlineSecretsPasses) {
  EnvCheck spec;
  spec.rejectLiteralSecrets = true;
  auto result = checkEnv(spec, oneContainer(R"([{"name": "API_TOKEN",
      "valueFrom": {"secretKeyRef": {"name": "app-secrets", "key": "API_KEY"}}}])"_json));
  EXPECT_EQ(result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(result.message, "1 container: no secrets set inline");
}

TEST(EnvCheck, FailureOutweighsInconclusive) {
  auto workload = oneContainer(R"([{"name": "NODE_ENV",
      "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}}])"_json);
  EnvCheck spec = expecting({{"NODE_ENV", "production"}});
  spec.required = {"LOG_LEVEL"};
  auto result = checkEnv(spec, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "container api: LOG_LEVEL is not set; container api: NODE_ENV comes from a "
            "configMapKeyRef; cannot compare with \"production\"");
}

TEST(EnvCheck, InitContainersOnlyWhenIncluded) {
  auto workload = withCatalogs(R"({
      "initContainers": [{"name": "migrate"}],
      "containers": [{"name": "api", "env": [{"name": "LOG_LEVEL", "value": "info"}]}]})"_json);
  EnvCheck spec = requiring({"LOG_LEVEL"});
  EXPECT_EQ(checkEnv(spec, workload).outcome, CheckOutcome::Passed);

  spec.includeInitContainers = true;
  auto result = checkEnv(spec, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "init container migrate: LOG_LEVEL is not set");
  EXPECT_EQ(result.value, "1/2");
}

TEST(EnvCheck, MalformedEntriesAreTreatedAsAbsent) {
  auto workload = withCatalogs(containersSpec(R"([{"name": "api",
      "env": ["junk", {"value": "no-name"}, {"name": "DEBUG", "value": false},
              {"name": "LOG_LEVEL", "valueFrom": "nope"}],
      "envFrom": [7, {"secretRef": "x"}, {"configMapRef": {"name": 3}}]}])"_json));
  EnvCheck spec = expecting({{"DEBUG", "false"}});
  spec.required = {"LOG_LEVEL"};
  CheckResult result;
  EXPECT_NO_THROW(result = checkEnv(spec, workload));
  // A non-string value is not a value; a non-object valueFrom leaves the literal (empty).
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: DEBUG is \"\", expected \"false\"");
}

TEST(EnvCheck, NoRulesAndNoContainers) {
  auto passed = checkEnv(EnvCheck{}, oneContainer(json::array()));
  EXPECT_EQ(passed.outcome, CheckOutcome::Passed);
  EXPECT_EQ(passed.message, "no env rules");

  auto failed = checkEnv(requiring({"X"}), withCatalogs(R"({"containers": "api"})"_json));
  EXPECT_EQ(failed.outcome, CheckOutcome::Failed);
  EXPECT_EQ(failed.message, "pod template has no containers");
}

TEST(EnvSpec, EqualsValuesMustBeStrings) {
  // YAML reads an unquoted false as a boolean; an env value is a string.
  EXPECT_EQ(onlyError(withChecks("  - {name: e, env: {equals: {DEBUG: false}}}\n")),
            "spec.checks[0].env.equals.DEBUG: must be a string, got false (quote it: \"false\")");
  EXPECT_EQ(onlyError(withChecks("  - {name: e, env: {forbidden: [A], required: [A]}}\n")),
            "spec.checks[0].env.forbidden: \"A\" is both forbidden and required");
}

}  // namespace
}  // namespace rg::checks
