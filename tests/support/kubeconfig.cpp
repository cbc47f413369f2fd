#include "tests/support/kubeconfig.hpp"

#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "tests/support/k8s_util.hpp"

namespace rg::testing {

std::string renderKubeconfig(const KubeconfigOptions& o) {
  nlohmann::json cluster = {{"server", o.server}};
  if (!o.caPem.empty()) cluster["certificate-authority-data"] = base64Encode(o.caPem);
  nlohmann::json user = nlohmann::json::object();
  if (!o.token.empty()) user["token"] = o.token;
  if (!o.clientCertPem.empty()) user["client-certificate-data"] = base64Encode(o.clientCertPem);
  if (!o.clientKeyPem.empty()) user["client-key-data"] = base64Encode(o.clientKeyPem);
  const nlohmann::json config = {
      {"apiVersion", "v1"},
      {"kind", "Config"},
      {"clusters", {{{"name", o.contextName}, {"cluster", cluster}}}},
      {"users", {{{"name", o.contextName}, {"user", user}}}},
      {"contexts",
       {{{"name", o.contextName},
         {"context", {{"cluster", o.contextName}, {"user", o.contextName}, {"namespace", o.ns}}}}}},
      {"current-context", o.contextName},
      {"preferences", nlohmann::json::object()}};
  return config.dump(2) + "\n";
}

void writeKubeconfig(const std::string& path, const KubeconfigOptions& options) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write kubeconfig " + path);
  out << renderKubeconfig(options);
  if (!out) throw std::runtime_error("cannot write kubeconfig " + path);
}

}  // namespace rg::testing
