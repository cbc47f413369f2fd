#include "reconcilers/checks/probes_check.hpp"

#include "kube/object_views.hpp"
#include "reconcilers/checks/check_text.hpp"
#include "reconcilers/checks/workload.hpp"
#include "reconcilers/spec/spec_reader.hpp"

namespace rg {
namespace {

using nlohmann::json;

constexpr const char* kProbesFields[] = {"readiness", "liveness", "startup"};

ProbesCheck parseProbes(SpecReader& r, const json& body, const FieldPath& path) {
  ProbesCheck out;
  SpecReader::assign(out.readiness, r.boolean(body, path, "readiness"));
  SpecReader::assign(out.liveness, r.boolean(body, path, "liveness"));
  SpecReader::assign(out.startup, r.boolean(body, path, "startup"));
  if (!out.readiness && !out.liveness && !out.startup)
    r.error(path, "requires no probe: set at least one of readiness, liveness, startup");
  return out;
}

}  // namespace
}  // namespace rg

namespace rg::checks {

CheckResult checkProbes(const ProbesCheck& spec, const Workload& workload) {
  // Init containers run to completion before probes start, so only regular containers count.
  auto containers =
      kube::DeploymentView(workload.deploymentWithTemplate()).podTemplateView().containers(false);
  if (containers.empty()) return noContainersResult();

  std::vector<std::string> wanted;
  if (spec.readiness) wanted.push_back("readinessProbe");
  if (spec.liveness) wanted.push_back("livenessProbe");
  if (spec.startup) wanted.push_back("startupProbe");

  std::vector<std::string> findings;
  size_t compliant = 0;
  for (const auto& container : containers) {
    bool ok = true;
    for (const auto& probe : wanted) {
      if (container.probe(probe)) continue;
      findings.push_back(container.label() + ": no " + probe);
      ok = false;
    }
    if (ok) ++compliant;
  }

  auto value = ratio(compliant, containers.size());
  if (!findings.empty()) return CheckResult::failed(join(findings), value);
  if (wanted.empty()) return CheckResult::passed("no probes required", value);
  auto subject = countOf(containers.size(), "container");
  return CheckResult::passed(
      subject + (containers.size() == 1 ? " defines " : " define ") + join(wanted, ", "), value);
}

}  // namespace rg::checks

namespace rg {

constinit const CheckKind<ProbesCheck> kProbesKind{
    .info = {.name = "probes", .fields = kProbesFields},
    .parse = parseProbes,
    .evaluate = checks::checkProbes,
};

}  // namespace rg
