// The operator's Deployment, metrics Service and optional objects as the chart renders them:
// locked-down security context, probes on the health port, flags the binary accepts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "reconcilers/spec/spec_parser.hpp"
#include "tests/install/chart_render.hpp"

namespace rg::install {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

json podSpec(const std::vector<json>& objects) {
  return theObject(objects, "Deployment", "readiness-gate", kNamespace)["spec"]["template"]["spec"];
}

json container(const std::vector<json>& objects) {
  auto containers = podSpec(objects).at("containers");
  if (containers.size() != 1) throw std::runtime_error("expected one container");
  return containers[0];
}

std::vector<std::string> args(const std::vector<json>& objects) {
  return container(objects).at("args").get<std::vector<std::string>>();
}

std::string appVersion() {
  return YAML::LoadFile(chartDir() + "/Chart.yaml")["appVersion"].as<std::string>();
}

const std::vector<std::string> kBaseArgs = {"--metrics-bind-address=:8080",
                                            "--health-probe-bind-address=:8081",
                                            "--log-format=json",
                                            "--log-level=info",
                                            "--workers=2",
                                            "--runtime-check-workers=8",
                                            "--runtime-check-workers-per-namespace=4"};

TEST(ChartDeployment, RunsAsNonRootWithAReadOnlyRootAndNoCapabilities) {
  auto objects = render();
  EXPECT_EQ(podSpec(objects)["securityContext"],
            (json{{"runAsNonRoot", true},
                  {"runAsUser", 65532},
                  {"runAsGroup", 65532},
                  {"seccompProfile", {{"type", "RuntimeDefault"}}}}));
  EXPECT_EQ(container(objects)["securityContext"], (json{{"allowPrivilegeEscalation", false},
                                                         {"privileged", false},
                                                         {"readOnlyRootFilesystem", true},
                                                         {"capabilities", {{"drop", {"ALL"}}}}}));
}

TEST(ChartDeployment, SetsRequestsAndLimits) {
  auto resources = container(render())["resources"];
  for (const char* part : {"requests", "limits"})
    for (const char* resource : {"cpu", "memory"})
      EXPECT_TRUE(resources[part].contains(resource)) << part << "." << resource;
  auto custom = container(render({"--set", "resources.limits.memory=1Gi"}))["resources"];
  EXPECT_EQ(custom["limits"]["memory"], "1Gi");
}

TEST(ChartDeployment, ProbesUseHealthzAndReadyzOnTheHealthPort) {
  auto c = container(render());
  EXPECT_EQ(c["livenessProbe"]["httpGet"], (json{{"path", "/healthz"}, {"port", "health"}}));
  EXPECT_EQ(c["readinessProbe"]["httpGet"], (json{{"path", "/readyz"}, {"port", "health"}}));
  EXPECT_EQ(c["ports"],
            (json::array({{{"name", "metrics"}, {"containerPort", 8080}, {"protocol", "TCP"}},
                          {{"name", "health"}, {"containerPort", 8081}, {"protocol", "TCP"}}})));
}

TEST(ChartDeployment, OneReplicaRunsWithoutLeaderElection) {
  auto objects = render();
  EXPECT_EQ(theObject(objects, "Deployment", "readiness-gate", kNamespace)["spec"]["replicas"], 1);
  EXPECT_THAT(args(objects), ElementsAreArray(kBaseArgs));
}

TEST(ChartDeployment, SeveralReplicasElectALeaderAndWatchedNamespacesBecomeFlags) {
  auto objects = render({"--set", "watchNamespaces={a,b}", "--set", "replicas=3"});
  EXPECT_EQ(theObject(objects, "Deployment", "readiness-gate", kNamespace)["spec"]["replicas"], 3);
  auto expected = kBaseArgs;
  expected.insert(expected.end(),
                  {"--leader-elect", "--leader-election-namespace=readiness-gate-system",
                   "--leader-election-id=readiness-gate-leader", "--namespace=a", "--namespace=b"});
  EXPECT_THAT(args(objects), ElementsAreArray(expected));
}

TEST(ChartDeployment, WatchedNamespacesAloneDoNotElectALeader) {
  auto expected = kBaseArgs;
  expected.push_back("--namespace=shop");
  EXPECT_THAT(args(render({"--set", "watchNamespaces={shop}"})), ElementsAreArray(expected));
}

TEST(ChartDeployment, LogSettingsAndExtraArgsReachTheCommandLine) {
  auto rendered =
      args(render({"--set", "logFormat=text", "--set", "logLevel=debug", "--set", "workers=4",
                   "--set", "runtimeCheckWorkers=16", "--set", "runtimeCheckWorkersPerNamespace=0",
                   "--set", "extraArgs={--context=prod}"}));
  EXPECT_THAT(rendered,
              ElementsAre("--metrics-bind-address=:8080", "--health-probe-bind-address=:8081",
                          "--log-format=text", "--log-level=debug", "--workers=4",
                          "--runtime-check-workers=16", "--runtime-check-workers-per-namespace=0",
                          "--context=prod"));
}

// `run ... --help` parses every flag first and exits 2 on one it does not know.
TEST(ChartDeployment, TheBinaryAcceptsEveryRenderedFlag) {
  for (const auto& values : std::vector<std::vector<std::string>>{
           {}, {"--set", "watchNamespaces={a,b}", "--set", "replicas=3"}}) {
    std::vector<std::string> argv{RG_OPERATOR_BINARY, "run"};
    auto rendered = args(render(values));
    argv.insert(argv.end(), rendered.begin(), rendered.end());
    argv.push_back("--help");
    auto result = testing::runProcess(argv, kToolTimeout);
    EXPECT_EQ(result.exitCode, 0) << result.err;
  }
}

TEST(ChartDeployment, ImageTagDefaultsToTheAppVersion) {
  EXPECT_EQ(container(render())["image"], "readiness-gate:" + appVersion());
  auto custom = container(render({"--set", "image.repository=registry.example/rg", "--set",
                                  "image.tag=1.2.3", "--set", "image.pullPolicy=Always"}));
  EXPECT_EQ(custom["image"], "registry.example/rg:1.2.3");
  EXPECT_EQ(custom["imagePullPolicy"], "Always");
}

TEST(ChartDeployment, SchedulingAndPodMetadataValuesAreApplied) {
  auto objects =
      render({"--set", "nodeSelector.pool=system", "--set", "tolerations[0].key=dedicated", "--set",
              "tolerations[0].operator=Exists", "--set", "podAnnotations.team=platform"});
  auto deployment = theObject(objects, "Deployment", "readiness-gate", kNamespace);
  auto spec = deployment["spec"]["template"]["spec"];
  EXPECT_EQ(spec["nodeSelector"], (json{{"pool", "system"}}));
  EXPECT_EQ(spec["tolerations"], (json::array({{{"key", "dedicated"}, {"operator", "Exists"}}})));
  EXPECT_EQ(deployment["spec"]["template"]["metadata"]["annotations"],
            (json{{"team", "platform"}}));
  EXPECT_FALSE(podSpec(render()).contains("nodeSelector"));
}

TEST(ChartDeployment, SelectorMatchesThePodLabels) {
  auto deployment = theObject(render(), "Deployment", "readiness-gate", kNamespace);
  auto labels = deployment["spec"]["template"]["metadata"]["labels"];
  for (const auto& [key, value] : deployment["spec"]["selector"]["matchLabels"].items())
    EXPECT_EQ(labels[key], value) << key;
}

TEST(ChartMetrics, ServiceExposesTheMetricsPortOfTheOperatorPods) {
  auto objects = render();
  auto service = theObject(objects, "Service", "readiness-gate-metrics", kNamespace);
  EXPECT_EQ(service["spec"]["ports"], (json::array({{{"name", "metrics"},
                                                     {"port", 8080},
                                                     {"targetPort", "metrics"},
                                                     {"protocol", "TCP"}}})));
  auto podLabels = theObject(objects, "Deployment", "readiness-gate",
                             kNamespace)["spec"]["template"]["metadata"]["labels"];
  for (const auto& [key, value] : service["spec"]["selector"].items())
    EXPECT_EQ(podLabels[key], value) << key;
}

TEST(ChartMetrics, ServiceMonitorOnlyWhenEnabled) {
  EXPECT_THAT(ofKind(render(), "ServiceMonitor"), IsEmpty());
  auto objects = render({"--set", "serviceMonitor.enabled=true", "--set",
                         "serviceMonitor.labels.release=prometheus"});
  auto monitor = theObject(objects, "ServiceMonitor", "readiness-gate", kNamespace);
  EXPECT_EQ(monitor["metadata"]["labels"]["release"], "prometheus");
  EXPECT_EQ(monitor["spec"]["endpoints"][0]["port"], "metrics");
  EXPECT_EQ(monitor["spec"]["endpoints"][0]["path"], "/metrics");
  auto service = theObject(objects, "Service", "readiness-gate-metrics", kNamespace);
  for (const auto& [key, value] : monitor["spec"]["selector"]["matchLabels"].items())
    EXPECT_EQ(service["metadata"]["labels"][key], value) << key;
}

TEST(ChartDisruptionBudget, OnlyWhenEnabled) {
  EXPECT_THAT(ofKind(render(), "PodDisruptionBudget"), IsEmpty());
  auto objects = render({"--set", "podDisruptionBudget.enabled=true", "--set", "replicas=2"});
  auto pdb = theObject(objects, "PodDisruptionBudget", "readiness-gate", kNamespace);
  EXPECT_EQ(pdb["apiVersion"], "policy/v1");
  EXPECT_EQ(pdb["spec"]["minAvailable"], 1);
  EXPECT_EQ(pdb["spec"]["selector"]["matchLabels"],
            theObject(objects, "Deployment", "readiness-gate",
                      kNamespace)["spec"]["selector"]["matchLabels"]);
}

// helm 3 cannot render NOTES.txt without a cluster (`install --dry-run` still contacts one), so
// a copy of the chart gets a template that includes NOTES.txt as a string.
std::string renderNotes(const std::vector<std::string>& values) {
  TempDir dir;
  const std::string chart = dir.path() + "/readiness-gate";
  std::filesystem::copy(chartDir(), chart, std::filesystem::copy_options::recursive);
  std::ofstream(chart + "/templates/notes-rendered.yaml")
      << "text: {{ include \"readiness-gate/templates/NOTES.txt\" . | toJson }}\n";
  std::vector<std::string> args{"template",
                                kRelease,
                                chart,
                                "--namespace",
                                kNamespace,
                                "--show-only",
                                "templates/notes-rendered.yaml"};
  args.insert(args.end(), values.begin(), values.end());
  auto result = runHelm(args);
  if (result.exitCode != 0) throw std::runtime_error("rendering NOTES.txt: " + result.err);
  return parseObjects(result.out, "NOTES.txt").at(0).at("text").get<std::string>();
}

// The gate NOTES.txt shows between `cat <<'YAML'` and `YAML`, unindented.
json notesGate(const std::string& notes) {
  auto begin = notes.find("<<'YAML'");
  auto end = notes.find("\n  YAML\n");
  if (begin == std::string::npos || end == std::string::npos)
    throw std::runtime_error("no YAML example in NOTES.txt:\n" + notes);
  std::istringstream in(notes.substr(notes.find('\n', begin) + 1, end - notes.find('\n', begin)));
  std::string yaml;
  for (std::string line; std::getline(in, line);)
    yaml += (line.starts_with("  ") ? line.substr(2) : line) + "\n";
  return parseObjects(yaml, "NOTES.txt example").at(0);
}

TEST(ChartNotes, TellTheUserToApplyAValidReadinessGateNext) {
  auto notes = renderNotes({});
  EXPECT_THAT(notes, HasSubstr("watching every namespace"));
  EXPECT_THAT(notes, HasSubstr("kubectl apply -f -"));
  EXPECT_THAT(notes, HasSubstr("kubectl get rgate -A"));
  auto gate = notesGate(notes);
  auto parsed = parseGate(gate);
  EXPECT_TRUE(parsed.gate.has_value()) << parsed.errorSummary();
  EXPECT_EQ(gate["metadata"]["namespace"], "default");
}

TEST(ChartNotes, PutTheExampleGateInAWatchedNamespace) {
  auto notes = renderNotes({"--set", "watchNamespaces={shop,payments}"});
  EXPECT_THAT(notes, HasSubstr("watching shop, payments"));
  auto gate = notesGate(notes);
  EXPECT_TRUE(parseGate(gate).gate.has_value());
  EXPECT_EQ(gate["metadata"]["namespace"], "shop");
}

}  // namespace
}  // namespace rg::install
