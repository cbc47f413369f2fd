#pragma once
// The reconciler's writes as API requests: Deployment and pod status patches and gate status
// updates through the REST client, Events through the event recorder (optional).
#include "kube/event_recorder.hpp"
#include "kube/rest_client.hpp"
#include "reconcilers/gate_cluster.hpp"

namespace rg {

class RestGateWriter final : public GateClusterWriter {
 public:
  RestGateWriter(kube::RestClient& client, kube::EventRecorder* events)
      : client_(client), events_(events) {}

  nlohmann::json patchDeployment(const std::string& ns, const std::string& name,
                                 kube::PatchType type, const nlohmann::json& patch) override;
  void patchPodStatus(const std::string& ns, const std::string& name,
                      const nlohmann::json& patch) override;
  nlohmann::json updateGateStatus(const nlohmann::json& gate) override;
  void recordEvent(const kube::ObjectReference& object, kube::EventType type,
                   const std::string& reason, const std::string& message) override;

 private:
  kube::RestClient& client_;
  kube::EventRecorder* events_;
};

}  // namespace rg
