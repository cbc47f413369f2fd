#include "reconcilers/offline/offline_check.hpp"

#include <algorithm>

#include "kube/object_views.hpp"
#include "reconcilers/checks/static_checks.hpp"
#include "reconcilers/offline/manifest_set.hpp"
#include "reconcilers/providers/revision_variables.hpp"
#include "reconcilers/spec/spec_parser.hpp"

namespace rg::offline {
namespace {

// What a runtime check would run, its `{{...}}` variables expanded where the manifests give a
// value (the revision and pod-template-hash usually exist only in a cluster: shown as written).
std::string expandedRuntimeText(const CheckSpec& check, const Gate& gate,
                                const Workload& workload) {
  const auto* http = std::get_if<HttpCheck>(&check.body);
  const auto* prom = std::get_if<PrometheusCheck>(&check.body);
  const std::string* text = http ? &http->url : prom ? &prom->query : nullptr;
  if (!text || !providers::usesVariables(*text)) return "";
  providers::RevisionVariables values = providers::revisionVariables(gate, workload);
  for (auto [value, name] : {std::pair{&values.revision, "revision"},
                             std::pair{&values.podTemplateHash, "podTemplateHash"}}) {
    if (value->empty()) *value = std::string("{{") + name + "}}";
  }
  return std::string(http ? " (url: " : " (query: ") + providers::expandVariables(*text, values) +
         ")";
}

GateReport evaluateGate(const ManifestSet& manifests, const SourcedObject& sourced) {
  GateReport report;
  report.source = sourced.source;
  report.name = kube::ObjectMetaView(sourced.object).name();
  report.namespace_ = manifests.namespaceOf(sourced.object);

  auto parsed = parseGate(sourced.object, manifests.defaultNamespace());
  if (!parsed.gate) {
    report.error = "invalid spec: " + parsed.errorSummary();
    return report;
  }
  const Gate& gate = *parsed.gate;
  report.target = gate.spec.targetRef.name;
  auto workload = manifests.workload(gate.namespace_, gate.spec.targetRef.name);
  if (!workload) {
    report.error = "target Deployment " + gate.namespace_ + "/" + gate.spec.targetRef.name +
                   " is not among the inputs";
    return report;
  }
  for (const auto& check : gate.spec.checks) {
    CheckResult result = checks::evaluateStatic(check, *workload);
    result.message += expandedRuntimeText(check, gate, *workload);
    report.checks.push_back({check.name, checkKindName(check.body), check.severity, result});
  }
  return report;
}

}  // namespace

bool GateReport::criticalFailing() const {
  return std::any_of(checks.begin(), checks.end(), [](const CheckReport& c) {
    return c.severity == Severity::Critical && c.result.outcome == CheckOutcome::Failed;
  });
}

int Report::exitCode() const {
  bool unusable = !errors.empty() || gates.empty() ||
                  std::any_of(gates.begin(), gates.end(),
                              [](const GateReport& g) { return g.error.has_value(); });
  if (unusable) return 2;
  bool failing = std::any_of(gates.begin(), gates.end(),
                             [](const GateReport& g) { return g.criticalFailing(); });
  return failing ? 1 : 0;
}

Report checkPaths(const std::vector<std::string>& paths, const std::string& defaultNamespace) {
  ManifestSet manifests(defaultNamespace);
  for (const auto& path : paths) manifests.addPath(path);
  return checkManifests(manifests);
}

Report checkManifests(const ManifestSet& manifests) {
  Report report;
  report.errors = manifests.errors();
  for (const auto& gate : manifests.gates()) report.gates.push_back(evaluateGate(manifests, gate));
  return report;
}

}  // namespace rg::offline
