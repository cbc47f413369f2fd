#include "tests/control_plane/scenario_cluster.hpp"

namespace rg::controlplane {

using nlohmann::json;

std::string backendName(Backend backend) {
  return backend == Backend::TestApiServer ? "TestApiServer" : "ControlPlane";
}

std::vector<json> ScenarioCluster::events(const std::string& kind, const std::string& name,
                                          const std::string& reason) {
  std::vector<json> out;
  for (auto& event : list("v1", "Event", ns())) {
    if (event.value("/source/component"_json_pointer, std::string()) != "readiness-gate") continue;
    const json involved = event.value("involvedObject", json::object());
    if (involved.value("kind", "") != kind || involved.value("name", "") != name) continue;
    if (!reason.empty() && event.value("reason", "") != reason) continue;
    out.push_back(std::move(event));
  }
  return out;
}

std::unique_ptr<ScenarioCluster> makeScenarioCluster(Backend backend) {
  return backend == Backend::TestApiServer ? makeTestApiServerCluster() : makeControlPlaneCluster();
}

}  // namespace rg::controlplane
