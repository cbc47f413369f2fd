#include <gtest/gtest.h>

#include "tests/unit/checks/check_fixtures.hpp"
#include "tests/unit/checks/spec_fixtures.hpp"

namespace rg::checks {
namespace {

using namespace fixtures;
using namespace spec_fixtures;

// A container that satisfies every default rule, with `context` merged into its securityContext.
json container(const std::string& name, json context = json::object(),
               const std::string& image = "registry.local/app:1.2.3") {
  json securityContext = {{"runAsNonRoot", true}};
  securityContext.update(context);
  return {{"name", name}, {"image", image}, {"securityContext", securityContext}};
}

CheckResult check(const SecurityCheck& spec, json podSpec) {
  return checkSecurity(spec, workloadWith(std::move(podSpec)));
}

SecurityCheck onlyNonRoot() {
  return SecurityCheck{true, false, false, false, false};
}
SecurityCheck onlyTags() {
  return SecurityCheck{false, false, true, false, false};
}

TEST(SecurityCheck, CompliantContainersPass) {
  auto result = check(SecurityCheck{}, containersSpec({container("api"), container("worker")}));
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_EQ(result.message,
            "2 containers: run as non-root, not privileged, images pinned to a tag or digest");
  EXPECT_EQ(result.value, "2/2");
}

TEST(SecurityCheck, PodLevelRunAsNonRootApplies) {
  auto spec = R"({"securityContext": {"runAsNonRoot": true},
                  "containers": [{"name": "api", "image": "app:1"}]})"_json;
  auto result = check(onlyNonRoot(), spec);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
}

TEST(SecurityCheck, ContainerFalseOverridesPodTrue) {
  auto spec = R"({"securityContext": {"runAsNonRoot": true},
                  "containers": [{"name": "api", "securityContext": {"runAsNonRoot": false}}]})"_json;
  auto result = check(onlyNonRoot(), spec);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "container api: runAsNonRoot is false and no non-zero runAsUser is set");
}

TEST(SecurityCheck, NonZeroRunAsUserIsEnough) {
  auto podUser = R"({"securityContext": {"runAsUser": 1000},
                     "containers": [{"name": "api", "securityContext": {"runAsNonRoot": false}}]})"_json;
  EXPECT_EQ(check(onlyNonRoot(), podUser).outcome, CheckOutcome::Passed);

  auto containerOverridesRootPod = R"({"securityContext": {"runAsUser": 0},
      "containers": [{"name": "api", "securityContext": {"runAsUser": 1000}}]})"_json;
  EXPECT_EQ(check(onlyNonRoot(), containerOverridesRootPod).outcome, CheckOutcome::Passed);
}

TEST(SecurityCheck, RunAsUserZeroFailsEvenWithRunAsNonRoot) {
  auto containerRoot = containersSpec({container("api", {{"runAsUser", 0}})});
  auto result = check(onlyNonRoot(), containerRoot);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: runs as root (runAsUser 0)");

  auto podRoot = R"({"securityContext": {"runAsUser": 0, "runAsNonRoot": true},
                     "containers": [{"name": "api"}]})"_json;
  result = check(onlyNonRoot(), podRoot);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: runs as root (runAsUser 0)");
}

TEST(SecurityCheck, NothingSetMayRunAsRoot) {
  auto spec = R"({"securityContext": {"runAsUser": "1000", "runAsNonRoot": "true"},
                  "containers": [{"name": "api", "securityContext": "strict"}]})"_json;
  auto result = check(onlyNonRoot(), spec);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "container api: may run as root: runAsNonRoot not set and no non-zero runAsUser");
  EXPECT_EQ(result.value, "0/1");
}

TEST(SecurityCheck, PrivilegedContainerFails) {
  auto result =
      check(SecurityCheck{}, containersSpec({container("api", {{"privileged", true}}),
                                             container("sidecar", {{"privileged", "true"}}),
                                             container("worker", {{"privileged", false}})}));
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: privileged");
  EXPECT_EQ(result.value, "2/3");
}

TEST(SecurityCheck, LatestAndMissingTagsFail) {
  auto result =
      check(onlyTags(), containersSpec({container("a", json::object(), "nginx:latest"),
                                        container("b", json::object(), "nginx"),
                                        container("c", json::object(), "registry.local:5000/app"),
                                        container("d", json::object(), "ghcr.io/org/app:"),
                                        container("e", json::object(), "app@sha256")}));
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "container a: image nginx:latest uses the latest tag; container b: image nginx has no "
            "tag or digest (resolves to latest); container c: image registry.local:5000/app has "
            "no tag or digest (resolves to latest); container d: image ghcr.io/org/app: has no "
            "tag or digest (resolves to latest); container e: image app@sha256 has no tag or "
            "digest (resolves to latest)");
  EXPECT_EQ(result.value, "0/5");
}

TEST(SecurityCheck, TaggedAndDigestImagesPass) {
  const std::string digest =
      "sha256:4b1f4e1f0d5e8a3c2b7d9e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b";
  auto result = check(
      onlyTags(), containersSpec({container("a", json::object(), "registry.local:5000/app:1.4"),
                                  container("b", json::object(), "app@" + digest),
                                  container("c", json::object(), "app:1.2@" + digest),
                                  container("d", json::object(), "app:latest@" + digest),
                                  container("e", json::object(), "docker.io/library/redis:7")}));
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_EQ(result.message, "5 containers: images pinned to a tag or digest");
  EXPECT_EQ(result.value, "5/5");
}

TEST(SecurityCheck, MissingImageFailsTagRule) {
  auto result =
      check(onlyTags(), containersSpec(R"([{"name": "api"}, {"name": "b", "image": 3}])"_json));
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: no image; container b: no image");
}

TEST(SecurityCheck, ReadOnlyRootFilesystemWhenAsked) {
  SecurityCheck spec{false, false, false, true, false};
  auto result = check(spec, containersSpec({container("api", {{"readOnlyRootFilesystem", true}}),
                                            container("worker")}));
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "container worker: root filesystem is writable (readOnlyRootFilesystem not true)");
  EXPECT_EQ(result.value, "1/2");
}

TEST(SecurityCheck, FindingsArePerContainerAndPerRule) {
  SecurityCheck spec{true, true, true, true, false};
  auto bad = R"({"name": "api", "image": "app:latest",
                 "securityContext": {"runAsUser": 0, "privileged": true}})"_json;
  auto result = check(spec, containersSpec({bad}));
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "container api: runs as root (runAsUser 0); container api: privileged; container api: "
            "image app:latest uses the latest tag; container api: root filesystem is writable "
            "(readOnlyRootFilesystem not true)");
}

TEST(SecurityCheck, InitContainersOnlyWhenIncluded) {
  auto spec = containersSpec({container("api")});
  spec["initContainers"] = R"([{"name": "migrate", "image": "migrate"}])"_json;
  SecurityCheck rules;
  EXPECT_EQ(check(rules, spec).outcome, CheckOutcome::Passed);

  rules.includeInitContainers = true;
  auto result = check(rules, spec);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "init container migrate: may run as root: runAsNonRoot not set and no non-zero "
            "runAsUser; init container migrate: image migrate has no tag or digest (resolves to "
            "latest)");
  EXPECT_EQ(result.value, "1/2");
}

TEST(SecurityCheck, NoRulesAndNoContainers) {
  auto passed = check(SecurityCheck{false, false, false, false, false},
                      containersSpec(R"([{"name": "api"}])"_json));
  EXPECT_EQ(passed.outcome, CheckOutcome::Passed);
  EXPECT_EQ(passed.message, "no security rules");

  auto failed = check(SecurityCheck{}, R"({"containers": null})"_json);
  EXPECT_EQ(failed.outcome, CheckOutcome::Failed);
  EXPECT_EQ(failed.message, "pod template has no containers");
}

TEST(SecuritySpec, ReadsFlagsOverDefaults) {
  auto result = parseGate(
      withCheck("{name: s, security: {forbidLatestTag: false, readOnlyRootFilesystem: true}}"));
  ASSERT_TRUE(result.gate) << result.errorSummary();
  const auto& security = std::get<SecurityCheck>(result.gate->spec.checks[0].body);
  EXPECT_TRUE(security.runAsNonRoot);
  EXPECT_TRUE(security.forbidPrivileged);
  EXPECT_FALSE(security.forbidLatestTag);
  EXPECT_TRUE(security.readOnlyRootFilesystem);
  EXPECT_FALSE(security.includeInitContainers);

  EXPECT_EQ(onlyError(withCheck("{name: s, security: {runAsNonRoot: maybe}}")),
            "spec.checks[0].security.runAsNonRoot: must be true or false, got \"maybe\"");
}

}  // namespace
}  // namespace rg::checks
