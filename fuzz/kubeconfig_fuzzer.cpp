// kubeconfig files read from text. Relative paths resolve under a folder that does not exist, so
// inputs cannot reach into the machine's files by accident; exec plugins are configured, not run.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_targets.hpp"
#include "kube/kube_config.hpp"

namespace rg::fuzz {

void kubeconfig(std::string_view data) {
  // ConfigError is the documented failure; any other exception escapes and is reported.
  try {
    kube::ClientConfig config =
        kube::parseKubeConfig(std::string(data), "/nonexistent/rg-fuzz/config");
    if (config.server.rfind("https://", 0) != 0 && config.server.rfind("http://", 0) != 0) {
      violated("kubeconfig", "accepted server \"" + config.server + "\"");
    }
  } catch (const kube::ConfigError&) {
  }
}

}  // namespace rg::fuzz

RG_FUZZ_ENTRY(rg::fuzz::kubeconfig)
