#pragma once
// What an end-to-end scenario needs from a cluster, so that one scenario runs against both
// back ends:
// - TestApiServer: the in-process test API server with the simulated deployment controller
//   (tests/e2e/support/test_cluster.hpp);
// - ControlPlane: etcd + kube-apiserver + kube-controller-manager 1.20 with the stand-in
//   kubelet (control_plane.hpp, stand_in_kubelet.hpp); the operator runs with the chart's
//   ServiceAccount and RBAC.
// Writes made through this interface are the harness's (a person's), never counted as the
// operator's.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/pod_lifecycle.hpp"
#include "tests/support/subprocess.hpp"

namespace rg::controlplane {

enum class Backend { TestApiServer, ControlPlane };
std::string backendName(Backend backend);  // "TestApiServer", "ControlPlane"

class ScenarioCluster {
 public:
  virtual ~ScenarioCluster() = default;

  virtual Backend backend() const = 0;
  // The scenario's namespace (created, with the ReadinessGate CRD installed).
  virtual const std::string& ns() const = 0;
  // A private temporary directory for logs and files (removed afterwards unless RG_E2E_KEEP=1).
  virtual const std::string& dir() const = 0;
  // What the operator runs with (the real back end: the chart's ServiceAccount token).
  virtual std::string operatorKubeconfig() const = 0;

  // Creates `object`; a namespaced object without namespace goes to ns(). Returns it as stored.
  virtual nlohmann::json apply(nlohmann::json object) = 0;
  virtual std::optional<nlohmann::json> get(const std::string& apiVersion, const std::string& kind,
                                            const std::string& name, const std::string& ns) = 0;
  virtual std::vector<nlohmann::json> list(const std::string& apiVersion, const std::string& kind,
                                           const std::string& ns) = 0;
  // A rollout: the Deployment's first container image set, as a person would.
  virtual void setImage(const std::string& deployment, const std::string& image,
                        const std::string& ns) = 0;
  // What the containers of pods running `image` do from now on (Healthy for an image never
  // set), on the compressed timeline of rg::testing::PodTimings (defaults on both back ends: a
  // crash every 0.5 s, back-offs of 0.5 s): the simulated controller's podBehaviours() or the
  // stand-in kubelet's behaviours().
  virtual void setPodBehaviour(const std::string& image, rg::testing::PodBehaviour behaviour) = 0;
  // Successful PATCHes of Deployments (not subresources) made by the operator, optionally only
  // those of one content type. The real back end reads them from the audit log, where the
  // body tells a JSON patch (an array) from a merge or strategic-merge patch (an object).
  virtual size_t operatorDeploymentPatches(const std::string& contentType = "") = 0;
  // Successful PATCHes of pods/status made by the operator.
  virtual size_t operatorPodStatusPatches() = 0;
  // kubectl 1.32 as an administrator (not the operator).
  virtual rg::testing::ProcessResult kubectl(const std::vector<std::string>& args) = 0;
  // Waits until the cluster's controllers have seen every write so far where that can be
  // known (the test API server's hooks); a no-op for the real one.
  virtual void settle() = 0;
  // Errors of the simulated controller or the stand-in kubelet ("" when none).
  virtual std::string problems() const = 0;
  // Logs for a failure message.
  virtual std::string diagnostics() const = 0;

  // Readers in ns().
  std::optional<nlohmann::json> deployment(const std::string& name) {
    return get("apps/v1", "Deployment", name, ns());
  }
  std::optional<nlohmann::json> gate(const std::string& name) {
    return get("gates.readiness.dev/v1alpha1", "ReadinessGate", name, ns());
  }
  std::vector<nlohmann::json> replicaSets() { return list("apps/v1", "ReplicaSet", ns()); }
  std::vector<nlohmann::json> pods() { return list("v1", "Pod", ns()); }
  // Events the operator reported (source.component readiness-gate) about `kind`/`name`,
  // optionally with `reason`; other components' Events (the deployment controller's) are not
  // the operator's doing.
  std::vector<nlohmann::json> events(const std::string& kind, const std::string& name,
                                     const std::string& reason = "");
};

std::unique_ptr<ScenarioCluster> makeScenarioCluster(Backend backend);
// The two implementations (test_api_server_cluster.cpp, control_plane_cluster.cpp).
std::unique_ptr<ScenarioCluster> makeTestApiServerCluster();
std::unique_ptr<ScenarioCluster> makeControlPlaneCluster();

}  // namespace rg::controlplane
