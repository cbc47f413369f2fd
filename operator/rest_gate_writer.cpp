#include "operator/rest_gate_writer.hpp"

#include "operator/cluster_cache.hpp"

namespace rg {

nlohmann::json RestGateWriter::patchDeployment(const std::string& ns, const std::string& name,
                                               kube::PatchType type, const nlohmann::json& patch) {
  return client_.patch(resources::kDeployments, ns, name, type, patch);
}

void RestGateWriter::patchPodStatus(const std::string& ns, const std::string& name,
                                    const nlohmann::json& patch) {
  client_.patchStatus(resources::kPods, ns, name, kube::PatchType::StrategicMerge, patch);
}

nlohmann::json RestGateWriter::updateGateStatus(const nlohmann::json& gate) {
  return client_.updateStatus(resources::kReadinessGates, gate);
}

void RestGateWriter::recordEvent(const kube::ObjectReference& object, kube::EventType type,
                                 const std::string& reason, const std::string& message) {
  if (events_) events_->record(object, type, reason, message);
}

}  // namespace rg
