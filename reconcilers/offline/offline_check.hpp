#pragma once
// `readiness-gate check`: static checks of ReadinessGates against Deployments
// and Secrets read from YAML/JSON files, without a cluster.
#include <optional>
#include <string>
#include <vector>

#include "reconcilers/checks/check_result.hpp"
#include "reconcilers/spec/gate_spec.hpp"

namespace rg::offline {

// Where an object came from: file and 0-based document index within it.
struct Source {
  std::string file;
  int document = 0;
};

struct InputError {
  Source source;
  std::string message;
};

struct CheckReport {
  std::string name;
  std::string kind;  // "probes", "http", ...
  Severity severity = Severity::Critical;
  CheckResult result;
};

struct GateReport {
  Source source;
  std::string namespace_;
  std::string name;
  std::string target;                // Deployment name
  std::optional<std::string> error;  // invalid spec or missing target: no checks ran
  std::vector<CheckReport> checks;

  bool criticalFailing() const;
};

struct Report {
  std::vector<GateReport> gates;
  std::vector<InputError> errors;  // unreadable files, malformed documents

  // 0: every Critical check passes; 1: a Critical check fails; 2: unusable input.
  int exitCode() const;
};

class ManifestSet;

// Evaluates every ReadinessGate of `manifests` against its target; input errors are copied.
Report checkManifests(const ManifestSet& manifests);

// Reads every path (files, or folders searched recursively for *.yaml, *.yml,
// *.json) and evaluates each ReadinessGate found against its target. Objects
// without metadata.namespace are taken to be in `defaultNamespace`.
Report checkPaths(const std::vector<std::string>& paths,
                  const std::string& defaultNamespace = "default");

}  // namespace rg::offline
