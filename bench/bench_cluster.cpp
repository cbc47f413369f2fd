#include "bench/bench_cluster.hpp"

#include <functional>
#include <sstream>

namespace rg::bench {
namespace {

using nlohmann::json;

const char* const kRevision = "deployment.kubernetes.io/revision";

std::string templateHash(const std::string& image) {
  std::ostringstream out;
  out << std::hex << (std::hash<std::string>{}(image)&0xffffffffu);
  return out.str();
}

json podTemplate(const std::string& name, const std::string& image) {
  json container = {
      {"name", "app"},
      {"image", image},
      {"ports", json::array({{{"containerPort", 8080}}})},
      {"env", json::array({{{"name", "DATABASE_URL"},
                            {"valueFrom",
                             {{"secretKeyRef", {{"name", "app-secrets"}, {"key", "url"}}}}}}})},
      {"readinessProbe", {{"httpGet", {{"path", "/ready"}, {"port", 8080}}}}},
      {"livenessProbe", {{"httpGet", {{"path", "/health"}, {"port", 8080}}}}},
      {"resources",
       {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}},
        {"limits", {{"cpu", "500m"}, {"memory", "256Mi"}}}}},
      {"securityContext",
       {{"runAsNonRoot", true}, {"allowPrivilegeEscalation", false}, {"privileged", false}}}};
  return {{"metadata", {{"labels", {{"app", name}}}}},
          {"spec", {{"containers", json::array({container})}}}};
}

void createReplicaSet(testing::ApiServer& server, const json& deployment, const std::string& image,
                      int64_t revision) {
  const std::string ns = deployment["metadata"]["namespace"];
  const std::string name = deployment["metadata"]["name"];
  const std::string hash = templateHash(image);
  json tmpl = podTemplate(name, image);
  tmpl["metadata"]["labels"]["pod-template-hash"] = hash;
  server.create({{"apiVersion", "apps/v1"},
                 {"kind", "ReplicaSet"},
                 {"metadata",
                  {{"name", name + "-" + hash},
                   {"namespace", ns},
                   {"labels", {{"app", name}, {"pod-template-hash", hash}}},
                   {"annotations", {{kRevision, std::to_string(revision)}}},
                   {"ownerReferences", json::array({{{"apiVersion", "apps/v1"},
                                                     {"kind", "Deployment"},
                                                     {"name", name},
                                                     {"uid", deployment["metadata"]["uid"]},
                                                     {"controller", true}}})}}},
                 {"spec",
                  {{"replicas", 2},
                   {"selector", {{"matchLabels", {{"app", name}, {"pod-template-hash", hash}}}}},
                   {"template", tmpl}}},
                 {"status", {{"replicas", 2}, {"readyReplicas", 2}, {"availableReplicas", 2}}}});
}

}  // namespace

json benchGate(const std::string& ns, const std::string& name, const GateOptions& options) {
  json checks =
      json::array({{{"name", "probes"}, {"probes", {{"readiness", true}, {"liveness", true}}}},
                   {{"name", "resources"},
                    {"resources", {{"memory", {{"max", "1Gi"}}}, {"cpu", {{"max", "2"}}}}}},
                   {{"name", "security"}, {"security", json::object()}},
                   {{"name", "replicas"}, {"replicas", {{"min", 2}, {"minAvailablePercent", 50}}}},
                   {{"name", "secret-refs"}, {"secrets", {{"referenced", true}}}}});
  if (options.requiredSecret)
    checks.push_back({{"name", "late-secret"},
                      {"secrets",
                       {{"required", json::array({{{"name", *options.requiredSecret}}})},
                        {"referenced", false}}}});
  if (!options.httpUrl.empty())
    checks.push_back({{"name", "health"},
                      {"failureLimit", options.failureLimit},
                      {"http", {{"url", options.httpUrl}, {"timeout", "1s"}}}});
  if (!options.prometheusAddress.empty())
    checks.push_back({{"name", "error-rate"},
                      {"failureLimit", options.failureLimit},
                      {"threshold", {{"max", 0.1}}},
                      {"prometheus",
                       {{"address", options.prometheusAddress},
                        {"query",
                         "sum(rate(http_requests_total{code=~\"5..\"}[1m])) / "
                         "sum(rate(http_requests_total[1m]))"}}}});
  return {{"apiVersion", "gates.readiness.dev/v1alpha1"},
          {"kind", "ReadinessGate"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"targetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", name}}},
            {"interval", options.interval},
            {"onFailure", options.onFailure},
            {"checks", checks}}}};
}

json benchSecret(const std::string& ns, const std::string& name) {
  // "dmFsdWU=" is base64 of a placeholder: the benchmark never reads it.
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"type", "Opaque"},
          {"data", {{"url", "dmFsdWU="}}}};
}

json benchDeployment(const std::string& ns, const std::string& name, const std::string& image) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"annotations", {{kRevision, "1"}}}}},
          {"spec",
           {{"replicas", 2},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template", podTemplate(name, image)}}},
          {"status",
           {{"observedGeneration", 1},
            {"replicas", 2},
            {"updatedReplicas", 2},
            {"readyReplicas", 2},
            {"availableReplicas", 2}}}};
}

void seedWorkload(testing::ApiServer& server, const std::string& ns, const std::string& name,
                  const std::string& image) {
  json deployment = server.create(benchDeployment(ns, name, image));
  createReplicaSet(server, deployment, image, 1);
}

std::string currentImage(const testing::ApiServer& server, const std::string& ns,
                         const std::string& name) {
  auto deployment = server.get("apps/v1", "Deployment", ns, name);
  if (!deployment) return "";
  const json& containers = (*deployment)["spec"]["template"]["spec"]["containers"];
  return containers.empty() ? "" : containers[0].value("image", "");
}

}  // namespace rg::bench
