#include "tests/e2e/support/test_cluster.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/yaml_json.hpp"

namespace rg::e2e {

using nlohmann::json;

TestCluster::TestCluster(const std::string& crdPath, const std::string& ns) : ns_(ns) {
  std::string pattern = (std::filesystem::temp_directory_path() / "rg-e2e-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  api_ = std::make_unique<rg::testing::ApiServer>();
  kubeconfig_ = dir_ + "/kubeconfig";
  api_->writeKubeconfig(kubeconfig_);
  std::ifstream in(crdPath);
  if (!in) throw std::runtime_error("cannot read the CRD " + crdPath);
  std::stringstream text;
  text << in.rdbuf();
  for (const auto& document : rg::testing::yamlDocumentsToJson(text.str())) api_->create(document);
  api_->create({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns_}}}});
  controller_ = std::make_unique<rg::testing::DeploymentController>(*api_);
}

TestCluster::~TestCluster() {
  controller_.reset();
  api_.reset();
  std::error_code ec;
  if (!std::getenv("RG_E2E_KEEP")) std::filesystem::remove_all(dir_, ec);
}

json TestCluster::apply(json object) {
  if (!object["metadata"].contains("namespace") && object.value("kind", "") != "Namespace")
    object["metadata"]["namespace"] = ns_;
  return api_->create(object);
}

json TestCluster::applyYaml(const std::string& yaml) {
  return apply(rg::testing::yamlToJson(yaml));
}

std::optional<json> TestCluster::deployment(const std::string& name) const {
  return api_->get("apps/v1", "Deployment", ns_, name);
}

std::optional<json> TestCluster::gate(const std::string& name) const {
  return api_->get("gates.readiness.dev/v1alpha1", "ReadinessGate", ns_, name);
}

std::vector<json> TestCluster::replicaSets() const {
  return api_->list("apps/v1", "ReplicaSet", ns_);
}

std::vector<json> TestCluster::pods() const {
  return api_->list("v1", "Pod", ns_);
}

std::vector<json> TestCluster::events(const std::string& kind, const std::string& name,
                                      const std::string& reason) const {
  std::vector<json> out;
  for (auto& event : api_->list("v1", "Event", ns_)) {
    const json involved = event.value("involvedObject", json::object());
    if (involved.value("kind", "") != kind || involved.value("name", "") != name) continue;
    if (!reason.empty() && event.value("reason", "") != reason) continue;
    out.push_back(std::move(event));
  }
  return out;
}

size_t TestCluster::deploymentPatches(const std::string& contentType) const {
  size_t count = 0;
  for (const auto& request : api_->requests()) {
    if (request.method != "PATCH" || request.path.find("/deployments/") == std::string::npos)
      continue;
    if (request.code < 200 || request.code > 299) continue;  // refused: changed nothing
    if (!contentType.empty() && request.contentType.rfind(contentType, 0) != 0) continue;
    ++count;
  }
  return count;
}

void TestCluster::setImage(const std::string& deployment, const std::string& image) {
  api_->mutate("apps/v1", "Deployment", ns_, deployment,
               [&](json& d) { d["spec"]["template"]["spec"]["containers"][0]["image"] = image; });
}

std::string gatePhase(const json& gate) {
  return gate.value("/status/phase"_json_pointer, std::string());
}

json gateCheck(const json& gate, const std::string& check) {
  for (const auto& c : gate.value("/status/checks"_json_pointer, json::array()))
    if (c.value("name", "") == check) return c;
  return nullptr;
}

json gateCondition(const json& gate, const std::string& type) {
  for (const auto& c : gate.value("/status/conditions"_json_pointer, json::array()))
    if (c.value("type", "") == type) return c;
  return nullptr;
}

std::string annotationOf(const json& object, const std::string& key) {
  const json annotations = object.value("/metadata/annotations"_json_pointer, json::object());
  auto it = annotations.find(key);
  return it != annotations.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace rg::e2e
