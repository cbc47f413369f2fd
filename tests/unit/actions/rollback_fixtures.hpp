#pragma once
// A Deployment with three revisions of ReplicaSets, as the API server returns them: the inputs
// of the rollback tests.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rg::actions::fixtures {

using nlohmann::json;

inline constexpr const char* kUid = "6f1c2a9e-0d3b-4c55-9a1e-2b7d8c9e0f11";
inline constexpr const char* kLastApplied =
    R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"checkout-api"}})";

inline json podTemplate(const std::string& image, const std::string& hash = "") {
  json labels = {{"app", "checkout-api"}, {"tier", "backend"}};
  if (!hash.empty()) labels["pod-template-hash"] = hash;
  return {{"metadata",
           {{"creationTimestamp", nullptr},
            {"labels", labels},
            {"annotations", {{"prometheus.io/scrape", "true"}}}}},
          {"spec",
           {{"containers",
             json::array({{{"name", "api"},
                           {"image", "registry.example.com/checkout-api:" + image},
                           {"ports", json::array({{{"containerPort", 8080}, {"protocol", "TCP"}}})},
                           {"resources", {{"limits", {{"cpu", "1"}, {"memory", "1Gi"}}}}},
                           {"terminationMessagePath", "/dev/termination-log"},
                           {"imagePullPolicy", "IfNotPresent"}}})},
            {"restartPolicy", "Always"},
            {"terminationGracePeriodSeconds", 30},
            {"dnsPolicy", "ClusterFirst"},
            {"securityContext", json::object()},
            {"schedulerName", "default-scheduler"}}}};
}

// A live Deployment on revision `revision` running `image`.
inline json deployment(const std::string& revision, const std::string& image) {
  json annotations = {{"kubectl.kubernetes.io/last-applied-configuration", kLastApplied},
                      {"kubernetes.io/change-cause", "release " + image},
                      {"team", "payments"}};
  if (!revision.empty()) annotations["deployment.kubernetes.io/revision"] = revision;
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata",
           {{"name", "checkout-api"},
            {"namespace", "shop"},
            {"uid", kUid},
            {"generation", 4},
            {"resourceVersion", "81234"},
            {"annotations", annotations}}},
          {"spec",
           {{"replicas", 3},
            {"selector", {{"matchLabels", {{"app", "checkout-api"}}}}},
            {"template", podTemplate(image)}}},
          {"status", {{"observedGeneration", 4}, {"replicas", 3}}}};
}

inline json ownerRef(const std::string& uid, const std::string& name = "checkout-api",
                     bool controller = true, const std::string& kind = "Deployment") {
  return {{"apiVersion", "apps/v1"},
          {"kind", kind},
          {"name", name},
          {"uid", uid},
          {"controller", controller},
          {"blockOwnerDeletion", true}};
}

// A ReplicaSet of the Deployment, as the deployment controller writes it.
inline json replicaSet(const std::string& hash, const std::string& revision,
                       const std::string& image, json owner = ownerRef(kUid)) {
  json annotations = {{"deployment.kubernetes.io/desired-replicas", "3"},
                      {"deployment.kubernetes.io/max-replicas", "4"},
                      {"kubernetes.io/change-cause", "release " + image},
                      {"team", "payments"}};
  if (!revision.empty()) annotations["deployment.kubernetes.io/revision"] = revision;
  return {{"apiVersion", "apps/v1"},
          {"kind", "ReplicaSet"},
          {"metadata",
           {{"name", "checkout-api-" + hash},
            {"namespace", "shop"},
            {"uid", "rs-" + hash},
            {"labels", {{"app", "checkout-api"}, {"pod-template-hash", hash}}},
            {"annotations", annotations},
            {"ownerReferences", json::array({std::move(owner)})}}},
          {"spec",
           {{"replicas", 0},
            {"selector", {{"matchLabels", {{"app", "checkout-api"}, {"pod-template-hash", hash}}}}},
            {"template", podTemplate(image, hash)}}}};
}

// Revisions 1..3 of checkout-api, on revision 3 (v3).
inline std::vector<json> history() {
  return {replicaSet("6b5a4c3d2", "1", "v1"), replicaSet("7f6d5c4b3", "2", "v2"),
          replicaSet("5d9c8f7b6", "3", "v3")};
}

}  // namespace rg::actions::fixtures
