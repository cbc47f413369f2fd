// The real control plane fixture and the stand-in kubelet on their own: RBAC as the chart
// grants it, the CRD served, pods run and become Ready by the kubelet's rules, the audit log
// tells users apart, and everything is gone after the fixture.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kube/api_error.hpp"
#include "kube/rest_client.hpp"
#include "tests/control_plane/control_plane.hpp"
#include "tests/control_plane/stand_in_kubelet.hpp"
#include "tests/e2e/support/poll.hpp"
#include "tests/providers/loopback.hpp"
#include "tests/support/yaml_json.hpp"

namespace rg::controlplane {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using rg::e2e::eventually;

const rg::kube::ResourceRef kDeployments{"apps", "v1", "deployments", true};
const rg::kube::ResourceRef kPods{"", "v1", "pods", true};

json deployment(const std::string& name, int replicas, const json& readinessGates = nullptr) {
  json spec = {{"containers", {{{"name", "app"}, {"image", "shop/web:1.0"}}}}};
  if (!readinessGates.is_null()) spec["readinessGates"] = readinessGates;
  json podTemplate = {{"metadata", {{"labels", {{"app", name}}}}}, {"spec", spec}};
  json deploymentSpec = {{"replicas", replicas},
                         {"selector", {{"matchLabels", {{"app", name}}}}},
                         {"template", podTemplate}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec", deploymentSpec}};
}

std::string readText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string condition(const json& pod, const std::string& type) {
  for (const auto& c : pod.value("/status/conditions"_json_pointer, json::array()))
    if (c.value("type", "") == type) return c.value("status", "");
  return "";
}

TEST(ControlPlaneTest, MissingBinaryIsAnErrorThatNamesTheScript) {
  ControlPlaneOptions options;
  options.binDir = "/nonexistent/control-plane";
  try {
    ControlPlane cp(options);
    FAIL() << "started without binaries";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("scripts/fetch-control-plane.sh"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("/nonexistent/control-plane/etcd"));
  }
}

TEST(ControlPlaneTest, OperatorRunsWithTheChartsPermissionsAndNoMore) {
  ControlPlane cp;
  const auto config = rg::kube::loadKubeConfig({cp.operatorKubeconfig(), ""});
  EXPECT_TRUE(config.credentials.token.rfind("ey", 0) == 0) << "not a ServiceAccount JWT";
  rg::kube::RestClientOptions options;
  options.maxRetries = 0;
  rg::kube::RestClient asOperator(config, options);

  // What the ClusterRole grants: list/watch Deployments and gates in every namespace.
  EXPECT_NO_THROW(asOperator.list(kDeployments, ""));
  EXPECT_NO_THROW(
      asOperator.list(resourceForKind("gates.readiness.dev/v1alpha1", "ReadinessGate"), ""));
  // What it does not: creating Deployments, reading Secrets' values with GET.
  try {
    asOperator.create(kDeployments, "default", deployment("web", 1));
    FAIL() << "the operator's ServiceAccount created a Deployment";
  } catch (const rg::kube::ApiError& e) {
    EXPECT_EQ(e.code(), 403) << e.what();
  }
  try {
    asOperator.get(resourceForKind("v1", "Secret"), "default", "anything");
    FAIL() << "the operator's ServiceAccount may GET Secrets";
  } catch (const rg::kube::ApiError& e) {
    EXPECT_EQ(e.code(), 403) << e.what();
  }

  // The CRD is served: a gate can be created (by the admin) and read back.
  json checks = json::array({{{"name", "probes"}, {"probes", json::object()}}});
  json gateSpec = {{"targetRef", {{"kind", "Deployment"}, {"name", "web"}}}, {"checks", checks}};
  cp.create({{"apiVersion", "gates.readiness.dev/v1alpha1"},
             {"kind", "ReadinessGate"},
             {"metadata", {{"name", "web"}, {"namespace", "default"}}},
             {"spec", gateSpec}});
  EXPECT_TRUE(cp.get("gates.readiness.dev/v1alpha1", "ReadinessGate", "default", "web"));
  // 1.20 does not know the CRD's CEL rules (x-kubernetes-validations, 1.25+): the server
  // dropped them when the CRD was created, so only the operator's own validation enforces
  // them here.
  const auto crd = cp.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", "",
                          "readinessgates.gates.readiness.dev");
  ASSERT_TRUE(crd);
  EXPECT_EQ(crd->dump().find("x-kubernetes-validations"), std::string::npos);
  EXPECT_NE(rg::testing::yamlToJson(
                readText(RG_SOURCE_DIR "/crds/readinessgates.gates.readiness.dev.yaml"))
                .dump()
                .find("x-kubernetes-validations"),
            std::string::npos)
      << "the CRD has no CEL rules any more: this check is moot";

  // kubectl works against it as the harness user.
  auto version = cp.kubectl({"version", "-o", "json"});
  ASSERT_EQ(version.exitCode, 0) << version.err;
  EXPECT_THAT(version.out, ::testing::HasSubstr("\"gitVersion\": \"v1.20.2"));
}

TEST(ControlPlaneTest, StandInKubeletRunsPodsAndReadyFollowsReadinessGates) {
  ControlPlane cp;
  StandInKubelet kubelet(cp.clientConfig("stand-in-kubelet"));
  const json gates = {{{"conditionType", "example.com/gate"}}};
  cp.create(deployment("web", 2, gates));

  // Bound, Running, containers ready; Ready waits for the readiness gate's condition.
  auto pods = [&] { return cp.list("v1", "Pod", "default"); };
  ASSERT_TRUE(eventually(
      [&] {
        auto all = pods();
        if (all.size() != 2) return false;
        for (const auto& p : all)
          if (p.value("/status/phase"_json_pointer, std::string()) != "Running" ||
              condition(p, "ContainersReady") != "True")
            return false;
        return true;
      },
      60s, 100ms))
      << ::testing::PrintToString(pods().size()) << " pods; kubelet: " << kubelet.lastError();
  for (const auto& p : pods()) {
    EXPECT_EQ(p.value("/spec/nodeName"_json_pointer, std::string()), "stand-in-node");
    EXPECT_EQ(condition(p, "Ready"), "False");
    EXPECT_EQ(p.value("/status/containerStatuses/0/image"_json_pointer, std::string()),
              "shop/web:1.0");
  }
  auto d = cp.get("apps/v1", "Deployment", "default", "web");
  EXPECT_EQ(d->value("/status/readyReplicas"_json_pointer, 0), 0);

  // The gate's condition set True (as the operator does, through pods/status): Ready, and the
  // real deployment controller counts the pods as ready and available.
  for (const auto& p : pods())
    cp.adminClient().patch(
        kPods, "default", p["metadata"]["name"].get<std::string>(),
        rg::kube::PatchType::StrategicMerge,
        {{"status", {{"conditions", {{{"type", "example.com/gate"}, {"status", "True"}}}}}}}, {},
        "status");
  ASSERT_TRUE(eventually(
      [&] {
        d = cp.get("apps/v1", "Deployment", "default", "web");
        return d->value("/status/availableReplicas"_json_pointer, 0) == 2;
      },
      30s, 100ms))
      << d->dump(2);
  for (const auto& p : pods()) {
    EXPECT_EQ(condition(p, "Ready"), "True");
    EXPECT_EQ(condition(p, "example.com/gate"), "True") << "the kubelet dropped it";
  }

  // An image that crash-loops: its pods restart again and again and never become ready.
  kubelet.behaviours().set("shop/web:crash", rg::testing::PodBehaviour::CrashLoop);
  cp.adminClient().patch(kDeployments, "default", "web", rg::kube::PatchType::Json,
                         json::array({{{"op", "replace"},
                                       {"path", "/spec/template/spec/containers/0/image"},
                                       {"value", "shop/web:crash"}}}));
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& p : pods())
          if (p.value("/spec/containers/0/image"_json_pointer, std::string()) == "shop/web:crash" &&
              p.value("/status/containerStatuses/0/restartCount"_json_pointer, 0) >= 2)
            return true;
        return false;
      },
      30s, 100ms));
  for (const auto& p : pods()) {
    if (p.value("/spec/containers/0/image"_json_pointer, std::string()) == "shop/web:crash") {
      EXPECT_EQ(condition(p, "Ready"), "False");
    }
  }

  // Scaled down: the kubelet confirms the deletions, the pods go away.
  cp.adminClient().patch(kDeployments, "default", "web", rg::kube::PatchType::Merge,
                         {{"spec", {{"replicas", 0}}}});
  ASSERT_TRUE(eventually([&] { return pods().empty(); }, 30s, 100ms));
  EXPECT_EQ(kubelet.lastError(), "");

  // The audit log tells the users apart and keeps the bodies: the admin's two Deployment
  // PATCHes (a JSON patch, then a merge patch), none by the kubelet, whose writes are pods.
  std::vector<json> adminPatches;
  size_t kubeletStatusWrites = 0;
  for (const auto& e : cp.auditEvents()) {
    if (e.verb == "patch" && e.resource == "deployments" && e.user == "admin") {
      EXPECT_EQ(e.code, 200);
      adminPatches.push_back(e.requestObject);
    }
    EXPECT_FALSE(e.resource == "deployments" && e.user == "stand-in-kubelet");
    if (e.user == "stand-in-kubelet" && e.resource == "pods" && e.subresource == "status")
      ++kubeletStatusWrites;
  }
  ASSERT_EQ(adminPatches.size(), 2u);
  EXPECT_TRUE(adminPatches[0].is_array());
  EXPECT_EQ(adminPatches[1].value("/spec/replicas"_json_pointer, -1), 0);
  EXPECT_GE(kubeletStatusWrites, 2u);
}

TEST(ControlPlaneTest, PortTakenBeforeTheBindIsRetriedOnOthers) {
  // What happens when another test takes a chosen port first: etcd's client port is busy.
  rg::providers::testing::LoopbackServer squatter([](const rg::providers::testing::SeenRequest&) {
    return rg::providers::testing::Reply{503, "taken"};
  });
  int calls = 0;
  ControlPlaneOptions options;
  options.installOperatorIdentity = false;
  options.pickPort = [&] {
    return ++calls == 1 ? squatter.port() : rg::providers::testing::freeLoopbackPort();
  };
  ControlPlane cp(options);
  EXPECT_NE(cp.etcdUrl(), "http://127.0.0.1:" + std::to_string(squatter.port()));
  EXPECT_GE(calls, 8);  // two rounds of four ports
  std::ifstream firstEtcdLog(cp.dir() + "/etcd-1.log");
  std::stringstream log;
  log << firstEtcdLog.rdbuf();
  EXPECT_THAT(log.str(), ::testing::HasSubstr("address already in use"));
  EXPECT_NO_THROW(cp.list("v1", "Namespace", ""));
}

TEST(ControlPlaneTest, EverythingIsStoppedAndRemovedAfterwards) {
  std::string dir;
  std::string server;
  {
    ControlPlane cp;
    dir = cp.dir();
    server = cp.server();
    ASSERT_TRUE(std::filesystem::exists(dir + "/kube-apiserver-1.log"));
  }
  if (std::getenv("RG_E2E_KEEP")) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/kube-apiserver-1.log"));  // kept, as asked
    std::filesystem::remove_all(dir);
  } else {
    EXPECT_FALSE(std::filesystem::exists(dir));
  }
  rg::kube::ClientConfig config;
  config.server = server;
  config.insecureSkipTlsVerify = true;
  rg::kube::RestClientOptions options;
  options.maxRetries = 0;
  options.requestTimeout = 2s;
  rg::kube::RestClient client(config, options);
  EXPECT_THROW(client.send({"GET", "/readyz", {}, std::nullopt, "application/json"}),
               rg::kube::TransportError);
}

}  // namespace
}  // namespace rg::controlplane
