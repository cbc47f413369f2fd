#include <gtest/gtest.h>

#include "tests/unit/checks/check_fixtures.hpp"
#include "tests/unit/checks/spec_fixtures.hpp"

namespace rg::checks {
namespace {

using namespace fixtures;
using namespace spec_fixtures;

// Secret values that must never show up in a message.
constexpr const char* kDbUrl = "postgres://admin:hunter2@db:5432/shop";

Workload withSecrets(json podSpec) {
  auto workload = workloadWith(std::move(podSpec));
  json db = {{"metadata", {{"name", "checkout-db"}}},
             {"stringData", {{"DATABASE_URL", kDbUrl}, {"PASSWORD", "hunter2"}}}};
  workload.secrets.add(db);
  workload.secrets.add(namedObject("Secret", "tls", {{"tls.crt", "Y3J0"}, {"tls.key", "a2V5"}}));
  return workload;
}

json api(json extra = json::object()) {
  json c = {{"name", "api"}, {"image", "api:1"}};
  c.update(extra);
  return c;
}

SecretsCheck referencedOnly() {
  return SecretsCheck{{}, true};
}

TEST(SecretsCheck, RequiredSecretWithAllKeysPasses) {
  auto workload = withSecrets(containersSpec({api()}));
  auto result =
      checkSecrets(SecretsCheck{{{"checkout-db", {"DATABASE_URL", "PASSWORD"}}}, false}, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_EQ(result.message, "1 required secret present with its keys");
  EXPECT_EQ(result.value, "1/1");
}

TEST(SecretsCheck, RequiredSecretMissingKey) {
  auto workload = withSecrets(containersSpec({api()}));
  auto result =
      checkSecrets(SecretsCheck{{{"checkout-db", {"DATABASE_URL", "REDIS_URL"}}}, false}, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "secret checkout-db: missing key REDIS_URL");
  EXPECT_EQ(result.value, "0/1");
}

TEST(SecretsCheck, RequiredSecretMissingSeveralKeys) {
  auto workload = withSecrets(containersSpec({api()}));
  auto result =
      checkSecrets(SecretsCheck{{{"checkout-db", {"REDIS_URL", "API_KEY"}}}, false}, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "secret checkout-db: missing keys REDIS_URL, API_KEY");
}

TEST(SecretsCheck, RequiredSecretNotFound) {
  auto workload = withSecrets(containersSpec({api()}));
  auto result = checkSecrets(
      SecretsCheck{{{"payments", {"TOKEN"}}, {"checkout-db", {"DATABASE_URL"}}}, false}, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "secret payments not found");
  EXPECT_EQ(result.value, "1/2");
}

TEST(SecretsCheck, EnvSecretKeyRefResolves) {
  auto workload = withSecrets(containersSpec({api(R"({"env": [
      {"name": "DATABASE_URL",
       "valueFrom": {"secretKeyRef": {"name": "checkout-db", "key": "DATABASE_URL"}}},
      {"name": "PLAIN", "value": "x"}]})"_json)}));
  auto result = checkSecrets(referencedOnly(), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_EQ(result.message, "1 secret reference resolved");
  EXPECT_EQ(result.value, "1/1");
}

TEST(SecretsCheck, EnvSecretKeyRefToMissingSecretOrKey) {
  auto workload = withSecrets(containersSpec({api(R"({"env": [
      {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-creds", "key": "pw"}}},
      {"name": "REDIS_URL",
       "valueFrom": {"secretKeyRef": {"name": "checkout-db", "key": "REDIS_URL"}}}]})"_json)}));
  auto result = checkSecrets(referencedOnly(), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "container api: env DB_PASSWORD: secret db-creds not found; container api: env "
            "REDIS_URL: secret checkout-db has no key REDIS_URL");
  EXPECT_EQ(result.value, "0/2");
}

TEST(SecretsCheck, OptionalReferencesMayBeMissing) {
  auto workload = withSecrets(R"({
    "containers": [{"name": "api",
      "env": [{"name": "A", "valueFrom": {"secretKeyRef":
                 {"name": "nope", "key": "k", "optional": true}}},
              {"name": "B", "valueFrom": {"secretKeyRef":
                 {"name": "checkout-db", "key": "nope", "optional": true}}}],
      "envFrom": [{"secretRef": {"name": "nope", "optional": true}}]}],
    "volumes": [{"name": "extra", "secret": {"secretName": "nope", "optional": true}},
                {"name": "bundle", "projected": {"sources": [
                  {"secret": {"name": "nope", "optional": true}}]}}]})"_json);
  auto result = checkSecrets(referencedOnly(), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_EQ(result.message, "5 secret references resolved");
}

TEST(SecretsCheck, EnvFromSecretRefMustExist) {
  auto workload =
      withSecrets(containersSpec({api(R"({"envFrom": [{"secretRef": {"name": "checkout-db"}},
                           {"configMapRef": {"name": "not-checked"}},
                           {"prefix": "X_", "secretRef": {"name": "app-env"}}]})"_json)}));
  auto result = checkSecrets(referencedOnly(), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: envFrom: secret app-env not found");
  EXPECT_EQ(result.value, "1/2");
}

TEST(SecretsCheck, SecretVolumesAndTheirItems) {
  auto workload = withSecrets(R"({
    "containers": [{"name": "api"}],
    "volumes": [
      {"name": "certs", "secret": {"secretName": "tls",
                                   "items": [{"key": "tls.crt", "path": "c"},
                                             {"key": "ca.crt", "path": "ca"}]}},
      {"name": "missing", "secret": {"secretName": "gone"}},
      {"name": "config", "configMap": {"name": "ignored"}},
      {"name": "scratch", "emptyDir": {}}]})"_json);
  auto result = checkSecrets(referencedOnly(), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "volume certs: secret tls has no key ca.crt; volume missing: secret gone not found");
  EXPECT_EQ(result.value, "0/2");
}

TEST(SecretsCheck, ProjectedSecretSources) {
  auto workload = withSecrets(R"({
    "containers": [{"name": "api"}],
    "volumes": [{"name": "bundle", "projected": {"sources": [
      {"secret": {"name": "tls", "items": [{"key": "tls.key", "path": "k"}]}},
      {"configMap": {"name": "ignored"}},
      {"secret": {"name": "gone"}},
      {"secret": {"name": "checkout-db", "items": [{"key": "NOPE", "path": "n"}]}}]}}]})"_json);
  auto result = checkSecrets(referencedOnly(), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "volume bundle (projected): secret gone not found; volume bundle (projected): secret "
            "checkout-db has no key NOPE");
  EXPECT_EQ(result.value, "1/3");
}

TEST(SecretsCheck, InitContainerReferencesAlwaysCount) {
  auto workload = withSecrets(R"({
    "initContainers": [{"name": "migrate", "env": [{"name": "DB",
       "valueFrom": {"secretKeyRef": {"name": "migrations", "key": "url"}}}]}],
    "containers": [{"name": "api"}]})"_json);
  auto result = checkSecrets(referencedOnly(), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "init container migrate: env DB: secret migrations not found");
}

TEST(SecretsCheck, ReferencesWithoutNameOrKeyFail) {
  auto workload = withSecrets(containersSpec({api(R"({
    "env": [{"name": "A", "valueFrom": {"secretKeyRef": {"key": "k"}}},
            {"name": "B", "valueFrom": {"secretKeyRef": {"name": "checkout-db"}}}],
    "envFrom": [{"secretRef": {}}]})"_json)}));
  auto result = checkSecrets(referencedOnly(), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "container api: env A: secret reference has no name; container api: env B: reference "
            "to secret checkout-db names no key; container api: envFrom: secret reference has no "
            "name");
}

TEST(SecretsCheck, ReferencedFalseIgnoresThePodTemplate) {
  auto workload = withSecrets(containersSpec({api(R"({"envFrom": [
      {"secretRef": {"name": "gone"}}]})"_json)}));
  auto result = checkSecrets(SecretsCheck{{}, false}, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(result.message, "no secrets required");
  EXPECT_EQ(result.value, "0/0");
}

TEST(SecretsCheck, TemplateWithoutSecretReferences) {
  auto result = checkSecrets(referencedOnly(), withSecrets(containersSpec({api()})));
  EXPECT_EQ(result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(result.message, "no secret references in the pod template");
}

TEST(SecretsCheck, ReferencedNeedsContainers) {
  auto result = checkSecrets(referencedOnly(), withSecrets(json::object()));
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "pod template has no containers");
}

TEST(SecretsCheck, MalformedReferencesDoNotThrow) {
  auto workload = withSecrets(R"({
    "containers": [{"name": "api", "env": ["junk", {"name": "A", "valueFrom": "x"},
                                           {"name": "B", "valueFrom": {"secretKeyRef": 3}}],
                    "envFrom": {"secretRef": {"name": "gone"}}}],
    "volumes": [{"name": "v", "secret": "gone"},
                {"name": "p", "projected": {"sources": "gone"}}, 7]})"_json);
  SecretsCheck spec = referencedOnly();
  CheckResult result;
  EXPECT_NO_THROW(result = checkSecrets(spec, workload));
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
}

TEST(SecretsCheck, SecretValuesNeverAppearInMessages) {
  auto workload = withSecrets(containersSpec({api(R"({"env": [
      {"name": "DATABASE_URL",
       "valueFrom": {"secretKeyRef": {"name": "checkout-db", "key": "MISSING"}}}]})"_json)}));
  auto result = checkSecrets(
      SecretsCheck{{{"checkout-db", {"DATABASE_URL", "PASSWORD", "OTHER"}}}, true}, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message.find("hunter2"), std::string::npos) << result.message;
  EXPECT_EQ(result.message.find(kDbUrl), std::string::npos) << result.message;
  EXPECT_EQ(result.message,
            "secret checkout-db: missing key OTHER; container api: env DATABASE_URL: secret "
            "checkout-db has no key MISSING");
}

TEST(SecretsSpec, RequiredSecretsAreNamedOnce) {
  auto result = parseGate(withCheck("{name: s, secrets: {required: [{name: db, keys: [URL]}]}}"));
  ASSERT_TRUE(result.gate) << result.errorSummary();
  const auto& secrets = std::get<SecretsCheck>(result.gate->spec.checks[0].body);
  ASSERT_EQ(secrets.required.size(), 1u);
  EXPECT_EQ(secrets.required[0].name, "db");
  EXPECT_EQ(secrets.required[0].keys, std::vector<std::string>{"URL"});
  EXPECT_TRUE(secrets.referenced);

  EXPECT_EQ(onlyError(withCheck("{name: s, secrets: {required: [{name: db}, {name: db}]}}")),
            "spec.checks[0].secrets.required[1].name: secret \"db\" is listed twice");
  EXPECT_EQ(onlyError(withCheck("{name: s, secrets: {required: [db]}}")),
            "spec.checks[0].secrets.required[0]: must be an object with name and keys, got \"db\"");
  EXPECT_EQ(onlyError(withCheck("{name: s, secrets: {required: [{keys: [URL]}]}}")),
            "spec.checks[0].secrets.required[0].name: is required");
}

}  // namespace
}  // namespace rg::checks
