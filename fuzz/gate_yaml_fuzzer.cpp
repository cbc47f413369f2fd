// `readiness-gate check` on one multi-document YAML file: gates, Deployments, ReplicaSets, Pods,
// Secrets, ConfigMaps in any mix; the text and JSON reports are rendered as the command does.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_targets.hpp"
#include "reconcilers/offline/manifest_set.hpp"
#include "reconcilers/offline/offline_check.hpp"
#include "reconcilers/offline/report_format.hpp"

namespace rg::fuzz {

void gateYaml(std::string_view data) {
  offline::ManifestSet manifests("fuzz");
  manifests.addText(std::string(data), "fuzz.yaml");
  offline::Report report = offline::checkManifests(manifests);
  (void)offline::formatText(report);
  (void)offline::formatErrors(report);
  // `check -o json` prints this: it must be JSON whatever bytes the input held.
  std::string json = offline::formatJson(report);
  if (!nlohmann::json::accept(json)) violated("gate_yaml", "the JSON report is not JSON");
}

}  // namespace rg::fuzz

RG_FUZZ_ENTRY(rg::fuzz::gateYaml)
