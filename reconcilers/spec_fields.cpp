#include "reconcilers/spec_fields.hpp"

#include <map>

namespace rg {

const std::vector<std::string>& specFieldPaths() {
  static const std::vector<std::string> kPaths = [] {
    std::vector<std::string> paths = {
        "spec.targetRef",      "spec.targetRef.apiVersion",
        "spec.targetRef.kind", "spec.targetRef.name",
        "spec.interval",       "spec.onFailure",
        "spec.suspend",        "spec.podReadinessGate",
        "spec.checks",
    };
    const std::vector<std::string> checkFields = {
        "name",
        "severity",
        "failureLimit",
        "probes",
        "probes.readiness",
        "probes.liveness",
        "probes.startup",
        "resources",
        "resources.requireRequests",
        "resources.requireLimits",
        "resources.includeInitContainers",
        "resources.cpu",
        "resources.cpu.min",
        "resources.cpu.max",
        "resources.memory",
        "resources.memory.min",
        "resources.memory.max",
        "secrets",
        "secrets.required",
        "secrets.required[].name",
        "secrets.required[].keys",
        "secrets.referenced",
        "env",
        "env.required",
        "env.equals",
        "env.forbidden",
        "env.rejectLiteralSecrets",
        "env.includeInitContainers",
        "replicas",
        "replicas.min",
        "replicas.minAvailablePercent",
        "security",
        "security.runAsNonRoot",
        "security.forbidPrivileged",
        "security.forbidLatestTag",
        "security.readOnlyRootFilesystem",
        "security.includeInitContainers",
        "http",
        "http.url",
        "http.method",
        "http.expectedStatus",
        "http.bodyContains",
        "http.timeout",
        "prometheus",
        "prometheus.address",
        "prometheus.query",
        "prometheus.timeout",
        "threshold",
        "threshold.min",
        "threshold.max",
        "threshold.maxIncreasePercent",
        "rollout",
        "rollout.maxRestarts",
        "rollout.readyTimeout",
        "inconclusiveLimit",
        "threshold.baselineWindow",
    };
    for (const auto& field : checkFields) paths.push_back("spec.checks[]." + field);
    return paths;
  }();
  return kPaths;
}

const std::set<std::string>& allowedKeys(const std::string& pattern) {
  static const std::map<std::string, std::set<std::string>> kChildren = [] {
    std::map<std::string, std::set<std::string>> children;
    for (const auto& path : specFieldPaths()) {
      auto dot = path.rfind('.');
      std::string parent = path.substr(0, dot);
      if (parent.size() > 2 && parent.ends_with("[]")) parent.resize(parent.size() - 2);
      children[parent].insert(path.substr(dot + 1));
    }
    return children;
  }();
  static const std::set<std::string> kNone;
  std::string key = pattern;
  if (key.ends_with("[]")) key.resize(key.size() - 2);
  auto it = kChildren.find(key);
  return it == kChildren.end() ? kNone : it->second;
}

}  // namespace rg
