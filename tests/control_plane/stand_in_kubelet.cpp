#include "tests/control_plane/stand_in_kubelet.hpp"

#include "kube/api_error.hpp"
#include "kube/informer.hpp"
#include "kube/rest_client.hpp"
#include "tests/support/k8s_util.hpp"
#include "tests/support/pod_lifecycle.hpp"

namespace rg::controlplane {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const rg::kube::ResourceRef kNodes{"", "v1", "nodes", false};
const rg::kube::ResourceRef kPods{"", "v1", "pods", true};

// The conditions a kubelet writes; any other (a readiness gate's) belongs to someone else.
bool kubeletOwns(const std::string& conditionType) {
  return conditionType == "PodScheduled" || conditionType == "Initialized" ||
         conditionType == "ContainersReady" || conditionType == "Ready";
}

}  // namespace

StandInKubelet::StandInKubelet(rg::kube::ClientConfig config, StandInKubeletOptions options)
    : options_(std::move(options)) {
  rg::kube::RestClientOptions clientOptions;
  clientOptions.requestTimeout = 10s;
  clientOptions.userAgent = "rg-stand-in-kubelet";
  client_ = std::make_unique<rg::kube::RestClient>(std::move(config), clientOptions);
  registerNode();
  rg::kube::InformerOptions informerOptions;
  informerOptions.name = "stand-in kubelet pods";
  informerOptions.minWatchTimeout = 60s;
  informer_ = std::make_unique<rg::kube::Informer>(
      std::make_shared<rg::kube::RestListerWatcher>(*client_, kPods), informerOptions);
  auto wake = [this] {
    std::lock_guard lock(mu_);
    dirty_ = true;
    cv_.notify_all();
  };
  informer_->addEventHandler(
      {[wake](const json&) { wake(); }, [wake](const json&, const json&) { wake(); }, nullptr});
  informer_->start();
  worker_ = std::thread([this] { run(); });
}

StandInKubelet::~StandInKubelet() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (worker_.joinable()) worker_.join();
  informer_->stop();
}

void StandInKubelet::registerNode() {
  const json node = {
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata",
       {{"name", options_.nodeName}, {"labels", {{"kubernetes.io/hostname", options_.nodeName}}}}}};
  try {
    client_->create(kNodes, "", node);
  } catch (const rg::kube::AlreadyExistsError&) {
  }
  const std::string now = rg::testing::nowRfc3339();
  const json status = {{"status",
                        {{"conditions",
                          {{{"type", "Ready"},
                            {"status", "True"},
                            {"reason", "KubeletReady"},
                            {"message", "stand-in kubelet is posting ready status"},
                            {"lastHeartbeatTime", now},
                            {"lastTransitionTime", now}}}},
                         {"addresses", {{{"type", "InternalIP"}, {"address", "127.0.0.1"}}}},
                         {"capacity", {{"cpu", "64"}, {"memory", "256Gi"}, {"pods", "500"}}},
                         {"allocatable", {{"cpu", "64"}, {"memory", "256Gi"}, {"pods", "500"}}}}}};
  client_->patch(kNodes, "", options_.nodeName, rg::kube::PatchType::StrategicMerge, status, {},
                 "status");
}

void StandInKubelet::run() {
  while (!stopping_) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, options_.resync, [&] { return dirty_ || stopping_.load(); });
      dirty_ = false;
    }
    if (stopping_) break;
    if (!informer_->hasSynced()) continue;
    for (const auto& pod : informer_->store().list()) {
      if (stopping_) break;
      try {
        syncPod(*pod);
      } catch (const std::exception& e) {
        // Conflicts and vanished pods are normal races: the next round sees the new state.
        if (dynamic_cast<const rg::kube::NotFoundError*>(&e) ||
            dynamic_cast<const rg::kube::ConflictError*>(&e))
          continue;
        recordError(pod->value("/metadata/name"_json_pointer, std::string()) + ": " + e.what());
      }
    }
  }
}

void StandInKubelet::syncPod(const json& pod) {
  const std::string ns = pod.value("/metadata/namespace"_json_pointer, std::string());
  const std::string name = pod.value("/metadata/name"_json_pointer, std::string());
  const std::string nodeName = pod.value("/spec/nodeName"_json_pointer, std::string());
  if (!nodeName.empty() && nodeName != options_.nodeName) return;  // another node's

  if (pod.contains("/metadata/deletionTimestamp"_json_pointer)) {
    // Containers "stopped": confirm the deletion as the kubelet does.
    rg::kube::DeleteOptions del;
    del.gracePeriodSeconds = 0;
    del.preconditionUid = pod.value("/metadata/uid"_json_pointer, std::string());
    client_->remove(kPods, ns, name, del);
    return;
  }
  if (nodeName.empty()) {
    const json binding = {
        {"apiVersion", "v1"},
        {"kind", "Binding"},
        {"metadata", {{"name", name}, {"namespace", ns}}},
        {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", options_.nodeName}}}};
    client_->call(
        {"POST", kPods.itemPath(ns, name, "binding"), {}, binding.dump(), "application/json"});
    return;  // its status is written on the next round, from the bound pod
  }

  const auto now = std::chrono::system_clock::now();
  json desired =
      rg::testing::kubeletPodStatus(pod, *options_.behaviours, options_.timings, now).status;
  json conditions = json::array();
  for (const auto& c : desired.value("conditions", json::array()))
    if (kubeletOwns(c.value("type", ""))) conditions.push_back(c);
  desired["conditions"] = conditions;

  const json current = pod.value("status", json::object());
  bool same = true;
  for (const auto& [key, value] : desired.items()) {
    if (key != "conditions") {
      same = same && current.value(key, json()) == value;
      continue;
    }
    for (const auto& c : value) {
      bool found = false;
      for (const auto& e : current.value("conditions", json::array()))
        if (e.value("type", "") == c["type"])
          found = e.value("status", "") == c.value("status", "") &&
                  e.value("reason", "") == c.value("reason", "");
      same = same && found;
    }
  }
  if (same) return;
  client_->patch(kPods, ns, name, rg::kube::PatchType::StrategicMerge, {{"status", desired}}, {},
                 "status");
  ++statusWrites_;
}

void StandInKubelet::recordError(const std::string& message) {
  std::lock_guard lock(mu_);
  lastError_ = message;
}

std::string StandInKubelet::lastError() const {
  std::lock_guard lock(mu_);
  return lastError_;
}

}  // namespace rg::controlplane
