#pragma once
// kubeconfig `exec` credential plugins (client.authentication.k8s.io v1 / v1beta1).
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/kube_config.hpp"

namespace rg::kube {

struct ExecConfig {
  std::string apiVersion = "client.authentication.k8s.io/v1";
  std::string command;  // a PATH name, or a path (relative ones already resolved)
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // added to the process environment
  std::string installHint;
  std::string interactiveMode;  // Never / IfAvailable / Always; we never have a terminal
  bool provideClusterInfo = false;
  nlohmann::json cluster;  // ExecCredential spec.cluster, sent when provideClusterInfo
  std::string origin;      // "<kubeconfig>: users[0].user.exec", prefixes error messages
  std::chrono::milliseconds timeout = std::chrono::seconds(60);
};

// Runs the plugin and caches its credentials until status.expirationTimestamp (forever when it
// sets none); runs it again once expired or after the API server rejected the credentials.
class ExecCredentialProvider : public CredentialProvider {
 public:
  explicit ExecCredentialProvider(ExecConfig config);

  Credentials current() override;
  bool invalidate(const Credentials& used) override;
  const ExecConfig& config() const { return config_; }

 private:
  Credentials run(std::optional<std::chrono::system_clock::time_point>& expiry) const;

  ExecConfig config_;
  std::mutex mutex_;
  std::optional<Credentials> cached_;
  std::optional<std::chrono::system_clock::time_point> expiry_;
};

// RFC 3339 timestamps as Kubernetes writes them ("2024-05-01T10:00:00Z", fractions, offsets).
std::optional<std::chrono::system_clock::time_point> parseRfc3339(const std::string& text);

}  // namespace rg::kube
