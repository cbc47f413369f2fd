// The test API server checked with the real kubectl (1.32.3, pinned by scripts/fetch-tools.sh)
// as its client: if kubectl works against it, the server speaks the protocol.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/support/api_server.hpp"
#include "tests/support/subprocess.hpp"

namespace rg::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

std::string kubectlPath() {
  if (const char* env = std::getenv("RG_KUBECTL"); env != nullptr && *env != '\0') return env;
  return RG_DEFAULT_KUBECTL;
}

std::string testdata(const std::string& name) {
  return std::string(RG_SOURCE_DIR) + "/tests/support/testdata/" + name;
}

// The ReadinessGate CRD of the project; the minimal one in testdata only if it is missing.
std::string readinessGateCrd() {
  const std::string real =
      std::string(RG_SOURCE_DIR) + "/crds/readinessgates.gates.readiness.dev.yaml";
  return fs::exists(real) ? real : testdata("readinessgates-minimal-crd.yaml");
}

class KubectlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kubectl_ = kubectlPath();
    // Not a skip: ctest runs after scripts/fetch-tools.sh, so a missing binary is a failure.
    ASSERT_EQ(::access(kubectl_.c_str(), X_OK), 0)
        << "kubectl not found at " << kubectl_
        << ": run scripts/fetch-tools.sh (or point RG_KUBECTL at a kubectl 1.32 binary)";
    char tmpl[] = "/tmp/rg-kubectl-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    server_ = std::make_unique<ApiServer>(serverOptions());
    kubeconfig_ = dir_ + "/kubeconfig";
    server_->writeKubeconfig(kubeconfig_, withClientCert());
  }

  void TearDown() override {
    server_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  virtual ApiServerOptions serverOptions() { return {}; }
  virtual bool withClientCert() { return false; }

  std::vector<std::string> argv(const std::vector<std::string>& args) {
    // A fresh discovery/HTTP cache per test, and no user config from $HOME.
    std::vector<std::string> out = {kubectl_, "--kubeconfig", kubeconfig_, "--cache-dir",
                                    dir_ + "/cache"};
    out.insert(out.end(), args.begin(), args.end());
    return out;
  }

  ProcessOptions processOptions() {
    ProcessOptions o;
    o.env["HOME"] = dir_;
    o.env["KUBECONFIG"] = kubeconfig_;
    return o;
  }

  ProcessResult kubectl(const std::vector<std::string>& args) {
    auto r = runProcess(argv(args), 60s, processOptions());
    EXPECT_FALSE(r.timedOut) << "kubectl timed out: " << ::testing::PrintToString(args);
    return r;
  }

  // Runs kubectl and expects success; returns stdout.
  std::string ok(const std::vector<std::string>& args) {
    auto r = kubectl(args);
    EXPECT_EQ(r.exitCode, 0) << ::testing::PrintToString(args) << "\nstdout: " << r.out
                             << "\nstderr: " << r.err;
    return r.out;
  }

  std::vector<RequestRecord> requests(const std::string& verb, const std::string& resource) {
    std::vector<RequestRecord> out;
    for (const auto& r : server_->requests()) {
      if (r.verb == verb && r.resource == resource) out.push_back(r);
    }
    return out;
  }

  ApiServer& server() { return *server_; }

  std::string kubectl_;
  std::string dir_;
  std::string kubeconfig_;
  std::unique_ptr<ApiServer> server_;
};

TEST_F(KubectlTest, ApplyCreatesThenSendsAStrategicMergePatch) {
  EXPECT_THAT(ok({"apply", "-f", testdata("deployment.yaml")}),
              HasSubstr("deployment.apps/web created"));
  auto created = server().get("apps/v1", "Deployment", "default", "web");
  ASSERT_TRUE(created);
  EXPECT_TRUE((*created)["metadata"]["annotations"].contains(
      "kubectl.kubernetes.io/last-applied-configuration"));
  EXPECT_EQ(requests("create", "deployments").size(), 1u);

  server().resetRequests();
  EXPECT_THAT(ok({"apply", "-f", testdata("deployment-updated.yaml")}),
              HasSubstr("deployment.apps/web configured"));
  const auto patches = requests("patch", "deployments");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0].contentType, "application/strategic-merge-patch+json");
  const json patch = json::parse(patches[0].body);
  const auto& podSpec = patch["spec"]["template"]["spec"];
  EXPECT_TRUE(podSpec.contains("$setElementOrder/containers")) << patch.dump();

  auto updated = server().get("apps/v1", "Deployment", "default", "web");
  const auto containers = (*updated)["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(containers[0]["image"], "nginx:1.26");
  EXPECT_EQ(containers[0]["env"].size(), 2u);
  EXPECT_EQ(containers[0]["ports"][0]["containerPort"], 8080);
  EXPECT_EQ(containers[1]["name"], "sidecar");
  EXPECT_EQ((*updated)["metadata"]["generation"], 2);

  EXPECT_THAT(ok({"apply", "-f", testdata("deployment-updated.yaml")}),
              HasSubstr("deployment.apps/web unchanged"));
}

TEST_F(KubectlTest, ServerSideApply) {
  EXPECT_THAT(ok({"apply", "--server-side", "-f", testdata("deployment.yaml")}),
              HasSubstr("deployment.apps/web serverside-applied"));
  EXPECT_EQ(requests("patch", "deployments").at(0).contentType, "application/apply-patch+yaml");
  EXPECT_THAT(ok({"apply", "--server-side", "-f", testdata("deployment-updated.yaml")}),
              HasSubstr("serverside-applied"));
  auto d = server().get("apps/v1", "Deployment", "default", "web");
  EXPECT_EQ((*d)["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.26");
}

TEST_F(KubectlTest, GetPatchLabelDelete) {
  ok({"apply", "-f", testdata("deployment.yaml")});

  const json obj = json::parse(ok({"get", "deployment", "web", "-o", "json"}));
  EXPECT_EQ(obj["kind"], "Deployment");
  EXPECT_EQ(obj["metadata"]["name"], "web");

  const std::string table = ok({"get", "deployments"});
  EXPECT_THAT(table, HasSubstr("NAME"));
  EXPECT_THAT(table, HasSubstr("UP-TO-DATE"));
  EXPECT_THAT(table, HasSubstr("web"));

  EXPECT_THAT(
      ok({"patch", "deployment", "web", "--type=merge", "-p", R"({"spec":{"replicas":5}})"}),
      HasSubstr("deployment.apps/web patched"));
  EXPECT_EQ(requests("patch", "deployments").back().contentType, "application/merge-patch+json");
  EXPECT_EQ((*server().get("apps/v1", "Deployment", "default", "web"))["spec"]["replicas"], 5);

  EXPECT_THAT(ok({"label", "deployment", "web", "tier=front"}),
              HasSubstr("deployment.apps/web labeled"));
  EXPECT_EQ(
      (*server().get("apps/v1", "Deployment", "default", "web"))["metadata"]["labels"]["tier"],
      "front");
  EXPECT_THAT(ok({"get", "deployments", "-l", "tier=front", "-o", "name"}),
              HasSubstr("deployment.apps/web"));

  EXPECT_THAT(ok({"delete", "deployment", "web"}), HasSubstr("deployment.apps \"web\" deleted"));
  EXPECT_FALSE(server().get("apps/v1", "Deployment", "default", "web"));
  EXPECT_THAT(kubectl({"get", "pods"}).err, HasSubstr("No resources found in default namespace."));
}

TEST_F(KubectlTest, ReadinessGateCrdPrinterColumnsAndShortName) {
  EXPECT_THAT(ok({"apply", "-f", readinessGateCrd()}),
              HasSubstr("customresourcedefinition.apiextensions.k8s.io/"
                        "readinessgates.gates.readiness.dev created"));
  EXPECT_THAT(ok({"apply", "-f", testdata("readinessgate.yaml")}),
              HasSubstr("readinessgate.gates.readiness.dev/web-gate created"));
  server().mutate("gates.readiness.dev/v1alpha1", "ReadinessGate", "default", "web-gate",
                  [](json& gate) {
                    gate["status"] = {{"phase", "Passing"}, {"targetRevision", "3"}};
                  });

  const auto table = ::testing::MatchesRegex(
      "NAME +TARGET +PHASE +REVISION +AGE\nweb-gate +web +Passing +3 +[0-9]+s\n");
  EXPECT_THAT(ok({"get", "readinessgates"}), table);
  EXPECT_THAT(ok({"get", "rgate"}), table);

  // Applying again computes a JSON merge patch (no strategic merge for custom resources).
  server().resetRequests();
  ok({"apply", "-f", readinessGateCrd()});
  EXPECT_THAT(ok({"apply", "-f", testdata("readinessgate.yaml")}), HasSubstr("unchanged"));
}

TEST_F(KubectlTest, GetWatchSeesAnUpdate) {
  ok({"apply", "-f", testdata("deployment.yaml")});
  // Bounded twice: kubectl's own request timeout and the Process deadline/kill.
  Process watch(argv({"get", "deployment", "web", "--watch", "--request-timeout=30s"}),
                processOptions());
  ASSERT_TRUE(watch.waitForStdout("0/2", 20s)) << watch.stdoutText() << watch.stderrText();
  // kubectl prints the GET result, then watches from resourceVersion 0 and drops that watch's
  // initial event as a duplicate: change the object only once the watch is open.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (server().openWatchCount() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(server().openWatchCount(), 1u);
  server().mutate("apps/v1", "Deployment", "default", "web", [](json& d) {
    d["status"] = {{"replicas", 2}, {"readyReplicas", 1}, {"updatedReplicas", 2}};
  });
  EXPECT_TRUE(watch.waitForStdout("1/2", 20s)) << watch.stdoutText() << watch.stderrText();
  watch.kill();
  EXPECT_EQ(requests("watch", "deployments").size(), 1u);
}

TEST_F(KubectlTest, RolloutUndoSendsTheJsonPatchOfThePreviousRevision) {
  auto d = server().create(json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "default",
                 "annotations": {"deployment.kubernetes.io/revision": "2"}},
    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "app", "image": "nginx:1.26"}]}}}})"));
  auto replicaSet = [&](const std::string& hash, const std::string& revision,
                        const std::string& image) {
    json rs = {{"apiVersion", "apps/v1"},
               {"kind", "ReplicaSet"},
               {"metadata",
                {{"name", "web-" + hash},
                 {"namespace", "default"},
                 {"labels", {{"app", "web"}, {"pod-template-hash", hash}}},
                 {"annotations", {{"deployment.kubernetes.io/revision", revision}}},
                 {"ownerReferences",
                  {{{"apiVersion", "apps/v1"},
                    {"kind", "Deployment"},
                    {"name", "web"},
                    {"uid", d["metadata"]["uid"]},
                    {"controller", true},
                    {"blockOwnerDeletion", true}}}}}},
               {"spec",
                {{"replicas", 0},
                 {"selector", {{"matchLabels", {{"app", "web"}, {"pod-template-hash", hash}}}}},
                 {"template",
                  {{"metadata", {{"labels", {{"app", "web"}, {"pod-template-hash", hash}}}}},
                   {"spec", {{"containers", {{{"name", "app"}, {"image", image}}}}}}}}}}};
    server().create(rs);
  };
  replicaSet("6d4b75cb6d", "1", "nginx:1.25");
  replicaSet("7f9c8d7b5c", "2", "nginx:1.26");

  EXPECT_THAT(ok({"rollout", "undo", "deployment/web"}),
              HasSubstr("deployment.apps/web rolled back"));

  const auto patches = requests("patch", "deployments");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0].contentType, "application/json-patch+json");
  const json ops = json::parse(patches[0].body);
  ASSERT_EQ(ops.size(), 2u) << ops.dump();
  EXPECT_EQ(ops[0]["op"], "replace");
  EXPECT_EQ(ops[0]["path"], "/spec/template");
  EXPECT_EQ(ops[0]["value"]["spec"]["containers"][0]["image"], "nginx:1.25");
  // The template is the ReplicaSet's minus its pod-template-hash label.
  EXPECT_EQ(ops[0]["value"]["metadata"]["labels"], json({{"app", "web"}}));
  EXPECT_EQ(ops[1]["op"], "replace");
  EXPECT_EQ(ops[1]["path"], "/metadata/annotations");
  EXPECT_EQ(ops[1]["value"]["deployment.kubernetes.io/revision"], "2");

  auto after = server().get("apps/v1", "Deployment", "default", "web");
  EXPECT_EQ((*after)["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.25");
  // kubectl read the ReplicaSets with the Deployment's selector.
  const auto lists = requests("list", "replicasets");
  ASSERT_FALSE(lists.empty());
  EXPECT_THAT(lists[0].query, HasSubstr("labelSelector=app=web"));
}

class KubectlTlsTest : public KubectlTest {
 protected:
  ApiServerOptions serverOptions() override {
    ApiServerOptions o;
    o.tls = true;
    o.bearerToken = "kubectl-token";
    return o;
  }
};

TEST_F(KubectlTlsTest, HttpsWithCaAndBearerToken) {
  EXPECT_THAT(ok({"get", "namespaces"}), HasSubstr("default"));
  EXPECT_THAT(ok({"apply", "-f", testdata("deployment.yaml")}), HasSubstr("created"));
  // Without the token: 401, reported by kubectl as a missing login.
  auto r = kubectl({"get", "namespaces", "--token", "wrong"});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_THAT(r.err, HasSubstr("Unauthorized"));
}

class KubectlClientCertTest : public KubectlTest {
 protected:
  ApiServerOptions serverOptions() override {
    ApiServerOptions o;
    o.tls = true;
    o.requireClientCert = true;
    return o;
  }
  bool withClientCert() override { return true; }
};

TEST_F(KubectlClientCertTest, ClientCertificateAuthentication) {
  EXPECT_THAT(ok({"get", "namespaces"}), HasSubstr("kube-system"));
}

}  // namespace
}  // namespace rg::testing
