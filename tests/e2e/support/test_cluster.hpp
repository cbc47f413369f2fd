#pragma once
// What an end-to-end test runs against: a test API server with the ReadinessGate CRD and the
// simulated deployment controller, a private temporary directory, a kubeconfig for the
// operator, and readers for the outcomes (objects, Events, requests).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/api_server.hpp"
#include "tests/support/deployment_controller.hpp"

namespace rg::e2e {

class TestCluster {
 public:
  // `crdPath`: crds/readinessgates.gates.readiness.dev.yaml. Creates namespace `ns`.
  TestCluster(const std::string& crdPath, const std::string& ns = "e2e");
  ~TestCluster();  // removes the temporary directory
  TestCluster(const TestCluster&) = delete;
  TestCluster& operator=(const TestCluster&) = delete;

  rg::testing::ApiServer& api() { return *api_; }
  rg::testing::DeploymentController& controller() { return *controller_; }
  const std::string& ns() const { return ns_; }
  const std::string& dir() const { return dir_; }
  const std::string& kubeconfig() const { return kubeconfig_; }

  // Creates any object (apiVersion/kind decide); a namespaced one without namespace goes to ns().
  nlohmann::json apply(nlohmann::json object);
  nlohmann::json applyYaml(const std::string& yaml);

  std::optional<nlohmann::json> deployment(const std::string& name) const;
  std::optional<nlohmann::json> gate(const std::string& name) const;
  std::vector<nlohmann::json> replicaSets() const;
  std::vector<nlohmann::json> pods() const;
  // Events in ns() about the object of `kind`/`name`, optionally with `reason`.
  std::vector<nlohmann::json> events(const std::string& kind, const std::string& name,
                                     const std::string& reason = "") const;
  // Successful PATCH requests to Deployments over HTTP (the operator's; tests and the
  // controller write through the direct API),
  // optionally only those of one content type ("application/json-patch+json").
  size_t deploymentPatches(const std::string& contentType = "") const;

  // Sets the Deployment's first container image (a rollout) through the direct API.
  void setImage(const std::string& deployment, const std::string& image);

 private:
  std::string ns_;
  std::string dir_;
  std::string kubeconfig_;
  std::unique_ptr<rg::testing::ApiServer> api_;
  std::unique_ptr<rg::testing::DeploymentController> controller_;
};

// Status helpers for a ReadinessGate object.
std::string gatePhase(const nlohmann::json& gate);
// The status.checks[] entry named `check`; null when absent.
nlohmann::json gateCheck(const nlohmann::json& gate, const std::string& check);
// The status.conditions[] entry of `type`; null when absent.
nlohmann::json gateCondition(const nlohmann::json& gate, const std::string& type);
// The value of annotation `key` ("" when absent).
std::string annotationOf(const nlohmann::json& object, const std::string& key);

}  // namespace rg::e2e
