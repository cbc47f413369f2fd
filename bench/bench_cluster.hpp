#pragma once
// Objects for the operator benchmark, seeded straight into the test API server's state: settled
// Deployments with their ReplicaSet, so that thousands of gates need no controller.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "tests/support/api_server.hpp"

namespace rg::bench {

struct GateOptions {
  std::string interval = "10s";
  std::string onFailure = "Report";
  std::string httpUrl;            // adds an `http` check when set
  std::string prometheusAddress;  // adds a `prometheus` error-ratio check when set
  int failureLimit = 1;
  std::optional<std::string> requiredSecret;  // adds a `secrets` check requiring it
};

nlohmann::json benchGate(const std::string& ns, const std::string& name,
                         const GateOptions& options);
nlohmann::json benchSecret(const std::string& ns, const std::string& name);

// A Deployment at revision 1 whose template passes every check of benchGate(), with status
// 2/2 available.
nlohmann::json benchDeployment(const std::string& ns, const std::string& name,
                               const std::string& image);
// Creates a Deployment at revision 1 (with status: 2/2 available) and its ReplicaSet.
void seedWorkload(testing::ApiServer& server, const std::string& ns, const std::string& name,
                  const std::string& image);
// The image of the Deployment's first container; empty when absent.
std::string currentImage(const testing::ApiServer& server, const std::string& ns,
                         const std::string& name);

}  // namespace rg::bench
