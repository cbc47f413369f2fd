#include "operator/cluster_cache.hpp"

#include "kube/object_change.hpp"
#include "operator/cache_transforms.hpp"

#include "reconcilers/actions/rollback.hpp"
#include "reconcilers/gate_dependencies.hpp"

namespace rg {

namespace resources {
const kube::ResourceRef kReadinessGates{"gates.readiness.dev", "v1alpha1", "readinessgates", true};
const kube::ResourceRef kDeployments{"apps", "v1", "deployments", true};
const kube::ResourceRef kReplicaSets{"apps", "v1", "replicasets", true};
const kube::ResourceRef kPods{"", "v1", "pods", true};
const kube::ResourceRef kSecrets{"", "v1", "secrets", true};
const kube::ResourceRef kConfigMaps{"", "v1", "configmaps", true};
const kube::ResourceRef kEvents{"", "v1", "events", true};
}  // namespace resources

namespace {

using nlohmann::json;
constexpr const char* kOwnerIndex = "owner";

// "namespace/controller-name" for the controller of the given kind.
kube::IndexFunc ownerIndex(const std::string& kind) {
  return [kind](const json& object) -> std::vector<std::string> {
    std::string owner = controllerName(object, kind);
    if (owner.empty()) return {};
    return {kube::objectNamespace(object) + "/" + owner};
  };
}

}  // namespace

kube::ObjectPtr ClusterCache::Kind::get(const std::string& key) const {
  for (const auto& informer : informers)
    if (auto object = informer->store().get(key)) return object;
  return nullptr;
}

std::vector<kube::ObjectPtr> ClusterCache::Kind::byIndex(const std::string& index,
                                                         const std::string& value) const {
  std::vector<kube::ObjectPtr> out;
  for (const auto& informer : informers) {
    auto part = informer->store().byIndex(index, value);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

std::vector<kube::ObjectPtr> ClusterCache::Kind::list() const {
  std::vector<kube::ObjectPtr> out;
  for (const auto& informer : informers) {
    auto part = informer->store().list();
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

ClusterCache::ClusterCache(kube::RestClient& client, std::vector<std::string> namespaces,
                           EnqueueGate enqueue, kube::InformerOptions options)
    : client_(client),
      namespaces_(std::move(namespaces)),
      enqueue_(std::move(enqueue)),
      options_(std::move(options)) {
  if (namespaces_.empty()) namespaces_.push_back("");
  // Gates keep their spec and status as text (reconcilers/spec/stored_gate.hpp).
  makeInformers(
      gates_, resources::kReadinessGates, cache::trimGate,
      {{kGateTargetIndex, gateTargetIndex}, {kube::kNamespaceIndex, kube::namespaceIndexFunc}},
      [this](const json& gate) { enqueue_(kube::objectKey(gate)); },
      // A gate's own status write comes back as an update: evaluating it again would
      // double the work and status writes of every gate (its interval requeues it).
      [this](const json& before, const json& after) {
        if (!kube::onlyStatusChanged(before, after)) return true;
        if (statusSeen_) statusSeen_(kube::objectKey(after), kube::objectResourceVersion(after));
        return false;
      });
  // Every other kind keeps only what the checks, actions and this mapping read
  // (cache_transforms.hpp).
  makeInformers(deployments_, resources::kDeployments, cache::trimDeployment, {},
                [this](const json& deployment) {
                  enqueueAll(gatesForDeployment(kube::objectNamespace(deployment),
                                                kube::objectName(deployment)));
                });
  makeInformers(
      replicaSets_, resources::kReplicaSets, cache::trimReplicaSet,
      {{kOwnerIndex, ownerIndex("Deployment")}}, [this](const json& rs) {
        enqueueAll(gatesForDeployment(kube::objectNamespace(rs), controllerName(rs, "Deployment")));
      });
  makeInformers(pods_, resources::kPods, cache::trimPod, {{kOwnerIndex, ownerIndex("ReplicaSet")}},
                [this](const json& pod) {
                  std::string ns = kube::objectNamespace(pod);
                  auto rs = replicaSets_.get(kube::makeKey(ns, controllerName(pod, "ReplicaSet")));
                  if (rs) enqueueAll(gatesForDeployment(ns, controllerName(*rs, "Deployment")));
                });
  makeInformers(secrets_, resources::kSecrets, cache::trimSecret, {}, [this](const json& secret) {
    enqueueAll(gatesForSecret(kube::objectNamespace(secret), kube::objectName(secret)));
  });
  makeInformers(
      configMaps_, resources::kConfigMaps, cache::trimConfigMap, {}, [this](const json& configMap) {
        enqueueAll(
            gatesForConfigMap(kube::objectNamespace(configMap), kube::objectName(configMap)));
      });
}

ClusterCache::~ClusterCache() {
  stop();
}

void ClusterCache::makeInformers(
    Kind& kind, const kube::ResourceRef& ref, const kube::TransformFunc& transform,
    const std::vector<std::pair<std::string, kube::IndexFunc>>& indexes,
    const std::function<void(const json&)>& onChange, const UpdateFilter& relevantUpdate) {
  for (const auto& ns : namespaces_) {
    auto lw = std::make_shared<kube::RestListerWatcher>(client_, ref, ns);
    auto options = options_;
    options.name = ref.resource + (ns.empty() ? "" : " in " + ns);
    auto informer = std::make_unique<kube::Informer>(lw, options);
    informer->setTransform(transform);
    for (const auto& [name, fn] : indexes) informer->addIndexer(name, fn);
    informer->addEventHandler(
        {[onChange](const json& o) { onChange(o); },
         [onChange, relevantUpdate](const json& oldObject, const json& newObject) {
           if (relevantUpdate && !relevantUpdate(oldObject, newObject)) return;
           // Owner changes (adoption) concern both old and new gates.
           onChange(oldObject);
           onChange(newObject);
         },
         [onChange](const json& o) { onChange(o); }});
    kind.informers.push_back(std::move(informer));
  }
}

void ClusterCache::start() {
  for (Kind* kind : {&gates_, &deployments_, &replicaSets_, &pods_, &secrets_, &configMaps_})
    for (auto& informer : kind->informers) informer->start();
}

void ClusterCache::stop() {
  for (Kind* kind : {&gates_, &deployments_, &replicaSets_, &pods_, &secrets_, &configMaps_})
    for (auto& informer : kind->informers) informer->stop();
}

bool ClusterCache::hasSynced() const {
  for (const Kind* kind : {&gates_, &deployments_, &replicaSets_, &pods_, &secrets_, &configMaps_})
    for (const auto& informer : kind->informers)
      if (!informer->hasSynced()) return false;
  return true;
}

bool ClusterCache::waitForSync(std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const Kind* kind :
       {&gates_, &deployments_, &replicaSets_, &pods_, &secrets_, &configMaps_}) {
    for (const auto& informer : kind->informers) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !informer->waitForSync(left)) return false;
    }
  }
  return true;
}

kube::ObjectPtr ClusterCache::gate(const std::string& key) const {
  return gates_.get(key);
}

std::vector<kube::ObjectPtr> ClusterCache::gates() const {
  return gates_.list();
}

kube::ObjectPtr ClusterCache::deployment(const std::string& ns, const std::string& name) const {
  return deployments_.get(kube::makeKey(ns, name));
}

std::optional<Workload> ClusterCache::workload(const std::string& ns,
                                               const std::string& deployment) const {
  auto object = this->deployment(ns, deployment);
  if (!object) return std::nullopt;
  Workload out;
  out.now = std::chrono::system_clock::now();
  // Its template as text: the readers of the template parse it (deploymentWithTemplate).
  out.deployment = object;
  for (auto& rs : replicaSets_.byIndex(kOwnerIndex, ns + "/" + deployment))
    out.replicaSets.push_back(std::move(rs));
  for (auto& pod : podsOf(ns, deployment)) out.pods.push_back(std::move(pod));
  // Only the Secrets and ConfigMaps the checks name are read, when they ask.
  out.secrets = KeyCatalog(
      [this, ns](const std::string& name) { return secrets_.get(kube::makeKey(ns, name)); });
  out.configMaps = KeyCatalog(
      [this, ns](const std::string& name) { return configMaps_.get(kube::makeKey(ns, name)); });
  return out;
}

std::vector<kube::ObjectPtr> ClusterCache::podsOf(const std::string& ns,
                                                  const std::string& deployment) const {
  std::vector<kube::ObjectPtr> out;
  for (const auto& rs : replicaSets_.byIndex(kOwnerIndex, ns + "/" + deployment)) {
    auto pods = pods_.byIndex(kOwnerIndex, ns + "/" + kube::objectName(*rs));
    out.insert(out.end(), pods.begin(), pods.end());
  }
  return out;
}

std::vector<std::string> ClusterCache::gatesForDeployment(const std::string& ns,
                                                          const std::string& name) const {
  std::vector<std::string> keys;
  if (name.empty()) return keys;
  for (const auto& gate : gates_.byIndex(kGateTargetIndex, ns + "/" + name))
    keys.push_back(kube::objectKey(*gate));
  return keys;
}

std::vector<std::string> ClusterCache::gatesForSecret(const std::string& ns,
                                                      const std::string& name) const {
  std::vector<std::string> keys;
  for (const auto& gate : gates_.byIndex(kube::kNamespaceIndex, ns)) {
    bool concerned = gateRequiredSecrets(*gate).contains(name);
    if (!concerned) {
      auto targets = gateTargetIndex(*gate);
      auto deployment =
          targets.empty() ? nullptr : actions::withTemplateObject(deployments_.get(targets[0]));
      concerned = deployment && templateSecretNames(*deployment).contains(name);
    }
    if (concerned) keys.push_back(kube::objectKey(*gate));
  }
  return keys;
}

std::vector<std::string> ClusterCache::gatesForConfigMap(const std::string& ns,
                                                         const std::string& name) const {
  std::vector<std::string> keys;
  for (const auto& gate : gates_.byIndex(kube::kNamespaceIndex, ns)) {
    auto targets = gateTargetIndex(*gate);
    auto deployment =
        targets.empty() ? nullptr : actions::withTemplateObject(deployments_.get(targets[0]));
    if (deployment && templateConfigMapNames(*deployment).contains(name))
      keys.push_back(kube::objectKey(*gate));
  }
  return keys;
}

void ClusterCache::enqueueAll(const std::vector<std::string>& keys) const {
  for (const auto& key : keys) enqueue_(key);
}

}  // namespace rg
