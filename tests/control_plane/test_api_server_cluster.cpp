// ScenarioCluster on the in-process test API server with the simulated deployment controller.
#include <unistd.h>

#include "tests/control_plane/scenario_cluster.hpp"
#include "tests/e2e/support/test_cluster.hpp"

namespace rg::controlplane {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class TestApiServerCluster final : public ScenarioCluster {
 public:
  TestApiServerCluster()
      : cluster_(std::string(RG_SOURCE_DIR) + "/crds/readinessgates.gates.readiness.dev.yaml") {}

  Backend backend() const override { return Backend::TestApiServer; }
  const std::string& ns() const override { return cluster_.ns(); }
  const std::string& dir() const override { return cluster_.dir(); }
  std::string operatorKubeconfig() const override { return cluster_.kubeconfig(); }

  json apply(json object) override { return cluster_.apply(std::move(object)); }

  std::optional<json> get(const std::string& apiVersion, const std::string& kind,
                          const std::string& name, const std::string& ns) override {
    return cluster_.api().get(apiVersion, kind, ns, name);
  }

  std::vector<json> list(const std::string& apiVersion, const std::string& kind,
                         const std::string& ns) override {
    return cluster_.api().list(apiVersion, kind, ns);
  }

  void setImage(const std::string& deployment, const std::string& image,
                const std::string& ns) override {
    cluster_.api().mutate("apps/v1", "Deployment", ns, deployment, [&](json& d) {
      d["spec"]["template"]["spec"]["containers"][0]["image"] = image;
    });
  }

  void setPodBehaviour(const std::string& image, rg::testing::PodBehaviour behaviour) override {
    cluster_.controller().podBehaviours().set(image, behaviour);
  }

  // Every HTTP PATCH is the operator's until a scenario runs kubectl (writes of the harness
  // and the controller go through the direct API).
  size_t operatorDeploymentPatches(const std::string& contentType) override {
    return cluster_.deploymentPatches(contentType);
  }

  size_t operatorPodStatusPatches() override {
    return cluster_.api().requestCount("patch", "pods/status");
  }

  rg::testing::ProcessResult kubectl(const std::vector<std::string>& args) override {
    const std::string binary = std::string(RG_SOURCE_DIR) + "/.tools/bin/kubectl";
    if (::access(binary.c_str(), X_OK) != 0)
      throw std::runtime_error(binary + " is missing: run scripts/fetch-tools.sh");
    std::vector<std::string> argv = {binary, "--kubeconfig", cluster_.kubeconfig(), "--cache-dir",
                                     cluster_.dir() + "/kube-cache"};
    argv.insert(argv.end(), args.begin(), args.end());
    rg::testing::ProcessOptions options;
    options.env["HOME"] = cluster_.dir();
    return rg::testing::runProcess(argv, 60s, options);
  }

  void settle() override { cluster_.api().waitForHooks(); }
  std::string problems() const override {
    return const_cast<rg::e2e::TestCluster&>(cluster_).controller().lastError();
  }
  std::string diagnostics() const override { return ""; }

 private:
  rg::e2e::TestCluster cluster_;
};

}  // namespace

std::unique_ptr<ScenarioCluster> makeTestApiServerCluster() {
  return std::make_unique<TestApiServerCluster>();
}

}  // namespace rg::controlplane
