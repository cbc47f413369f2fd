#pragma once
// Kubeconfig files pointing kubectl (or any client) at a test API server.
#include <string>

namespace rg::testing {

struct KubeconfigOptions {
  std::string server;  // https://127.0.0.1:port
  std::string caPem;   // empty: plain http or insecure
  std::string token;
  std::string clientCertPem;
  std::string clientKeyPem;
  std::string ns = "default";
  std::string contextName = "test";
};

// The kubeconfig as JSON (a YAML subset, which kubectl reads).
std::string renderKubeconfig(const KubeconfigOptions& options);
void writeKubeconfig(const std::string& path, const KubeconfigOptions& options);

}  // namespace rg::testing
