#pragma once
// The operator's view of the cluster: informers on ReadinessGates, Deployments,
// ReplicaSets, Pods, Secrets and ConfigMaps (in all namespaces, or in the ones
// given), with the indexes that map a change back to the gates it concerns.
// Reconciles read only from here: a steady-state evaluation makes no GET or LIST. Objects other
// than gates are cached trimmed to the fields that are read (cache_transforms.hpp).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kube/informer.hpp"
#include "reconcilers/checks/workload.hpp"
#include "reconcilers/gate_cluster.hpp"

namespace rg {

namespace resources {
extern const kube::ResourceRef kReadinessGates;
extern const kube::ResourceRef kDeployments;
extern const kube::ResourceRef kReplicaSets;
extern const kube::ResourceRef kPods;
extern const kube::ResourceRef kSecrets;
extern const kube::ResourceRef kConfigMaps;
extern const kube::ResourceRef kEvents;
}  // namespace resources

class ClusterCache final : public GateCacheReader {
 public:
  using EnqueueGate = std::function<void(const std::string& gateKey)>;

  // `namespaces` empty: every namespace. Handlers call `enqueue` with each concerned gate's key.
  ClusterCache(kube::RestClient& client, std::vector<std::string> namespaces, EnqueueGate enqueue,
               kube::InformerOptions options = {});
  ~ClusterCache();

  // Called with a gate's key and resourceVersion when a change to its status alone arrives (the
  // operator's own status write, seen by the watch), which enqueues nothing. Set before start().
  using GateStatusSeen =
      std::function<void(const std::string& gateKey, const std::string& resourceVersion)>;
  void onGateStatusSeen(GateStatusSeen seen) { statusSeen_ = std::move(seen); }

  void start();
  void stop();
  bool hasSynced() const;
  bool waitForSync(std::chrono::milliseconds timeout) const;

  kube::ObjectPtr gate(const std::string& key) const override;
  std::vector<kube::ObjectPtr> gates() const;
  kube::ObjectPtr deployment(const std::string& ns, const std::string& name) const override;
  std::optional<Workload> workload(const std::string& ns,
                                   const std::string& deployment) const override;
  std::vector<kube::ObjectPtr> podsOf(const std::string& ns,
                                      const std::string& deployment) const override;

  // The gates a change to these objects concerns (keys).
  std::vector<std::string> gatesForDeployment(const std::string& ns, const std::string& name) const;
  std::vector<std::string> gatesForSecret(const std::string& ns, const std::string& name) const;
  std::vector<std::string> gatesForConfigMap(const std::string& ns, const std::string& name) const;

 private:
  // One resource kind across the watched namespaces.
  struct Kind {
    std::vector<std::unique_ptr<kube::Informer>> informers;
    kube::ObjectPtr get(const std::string& key) const;
    std::vector<kube::ObjectPtr> byIndex(const std::string& index, const std::string& value) const;
    std::vector<kube::ObjectPtr> list() const;
  };
  // An update event is passed on only when the filter (if any) says it is relevant.
  using UpdateFilter = std::function<bool(const nlohmann::json&, const nlohmann::json&)>;
  void makeInformers(Kind& kind, const kube::ResourceRef& ref, const kube::TransformFunc& transform,
                     const std::vector<std::pair<std::string, kube::IndexFunc>>& indexes,
                     const std::function<void(const nlohmann::json&)>& onChange,
                     const UpdateFilter& relevantUpdate = {});
  void enqueueAll(const std::vector<std::string>& keys) const;

  kube::RestClient& client_;
  std::vector<std::string> namespaces_;
  EnqueueGate enqueue_;
  GateStatusSeen statusSeen_;
  kube::InformerOptions options_;
  Kind gates_, deployments_, replicaSets_, pods_, secrets_, configMaps_;
};

}  // namespace rg
