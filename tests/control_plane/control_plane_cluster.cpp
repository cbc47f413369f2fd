// ScenarioCluster on a real control plane with the stand-in kubelet. The operator's writes are
// counted from the API server's audit log, by the operator's ServiceAccount user.
#include <optional>

#include "tests/control_plane/control_plane.hpp"
#include "tests/control_plane/scenario_cluster.hpp"
#include "tests/control_plane/stand_in_kubelet.hpp"
#include "tests/e2e/support/poll.hpp"

namespace rg::controlplane {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class ControlPlaneCluster final : public ScenarioCluster {
 public:
  ControlPlaneCluster() {
    kubelet_.emplace(cp_.clientConfig("stand-in-kubelet"));
    apply({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns_}}}});
    // Pods are refused until the namespace's default ServiceAccount exists.
    if (!rg::e2e::eventually(
            [&] { return get("v1", "ServiceAccount", "default", ns_).has_value(); }, 30s, 50ms))
      throw std::runtime_error("no default ServiceAccount in namespace " + ns_);
  }

  ~ControlPlaneCluster() override {
    kubelet_.reset();  // before the API server goes
  }

  Backend backend() const override { return Backend::ControlPlane; }
  const std::string& ns() const override { return ns_; }
  const std::string& dir() const override { return cp_.dir(); }
  std::string operatorKubeconfig() const override { return cp_.operatorKubeconfig(); }

  json apply(json object) override {
    if (!object["metadata"].contains("namespace") && object.value("kind", "") != "Namespace")
      object["metadata"]["namespace"] = ns_;
    if (object.value("kind", "") == "Namespace") object["metadata"].erase("namespace");
    return cp_.create(std::move(object));
  }

  std::optional<json> get(const std::string& apiVersion, const std::string& kind,
                          const std::string& name, const std::string& ns) override {
    return cp_.get(apiVersion, kind, ns, name);
  }

  std::vector<json> list(const std::string& apiVersion, const std::string& kind,
                         const std::string& ns) override {
    return cp_.list(apiVersion, kind, ns);
  }

  void setImage(const std::string& deployment, const std::string& image,
                const std::string& ns) override {
    const json patch = json::array({{{"op", "replace"},
                                     {"path", "/spec/template/spec/containers/0/image"},
                                     {"value", image}}});
    cp_.adminClient().patch(resourceForKind("apps/v1", "Deployment"), ns, deployment,
                            rg::kube::PatchType::Json, patch);
  }

  void setPodBehaviour(const std::string& image, rg::testing::PodBehaviour behaviour) override {
    kubelet_->behaviours().set(image, behaviour);
  }

  size_t operatorDeploymentPatches(const std::string& contentType) override {
    const bool jsonPatch = contentType.rfind("application/json-patch+json", 0) == 0;
    size_t count = 0;
    for (const auto& e : cp_.auditEvents()) {
      if (e.user != ControlPlane::operatorUser() || e.verb != "patch" ||
          e.resource != "deployments" || !e.subresource.empty() || e.code < 200 || e.code > 299)
        continue;
      if (!contentType.empty() && e.requestObject.is_array() != jsonPatch) continue;
      ++count;
    }
    return count;
  }

  size_t operatorPodStatusPatches() override {
    size_t count = 0;
    for (const auto& e : cp_.auditEvents())
      if (e.user == ControlPlane::operatorUser() && e.verb == "patch" && e.resource == "pods" &&
          e.subresource == "status" && e.code >= 200 && e.code <= 299)
        ++count;
    return count;
  }

  rg::testing::ProcessResult kubectl(const std::vector<std::string>& args) override {
    return cp_.kubectl(args);
  }

  void settle() override {}
  std::string problems() const override { return kubelet_ ? kubelet_->lastError() : ""; }
  std::string diagnostics() const override { return cp_.logTails(); }

 private:
  std::string ns_ = "e2e";
  ControlPlane cp_;
  std::optional<StandInKubelet> kubelet_;
};

}  // namespace

std::unique_ptr<ScenarioCluster> makeControlPlaneCluster() {
  return std::make_unique<ControlPlaneCluster>();
}

}  // namespace rg::controlplane
