#include "reconcilers/checks/replicas_check.hpp"

#include "kube/object_views.hpp"
#include "reconcilers/checks/check_text.hpp"
#include "reconcilers/checks/workload.hpp"
#include "reconcilers/spec/spec_reader.hpp"

namespace rg {
namespace {

using nlohmann::json;

constexpr const char* kReplicasFields[] = {"min", "minAvailablePercent"};

ReplicasCheck parseReplicas(SpecReader& r, const json& body, const FieldPath& path) {
  ReplicasCheck out;
  out.min = r.integer(body, path, "min");
  out.minAvailablePercent = r.integer(body, path, "minAvailablePercent");
  if (out.min && *out.min < 0) r.error(path.child("min"), "must not be negative");
  if (out.minAvailablePercent && (*out.minAvailablePercent < 0 || *out.minAvailablePercent > 100))
    r.error(path.child("minAvailablePercent"), "must be between 0 and 100");
  if (!body.contains("min") && !body.contains("minAvailablePercent"))
    r.error(path, "needs at least one of min, minAvailablePercent");
  return out;
}

}  // namespace
}  // namespace rg

namespace rg::checks {

CheckResult checkReplicas(const ReplicasCheck& spec, const Workload& workload) {
  const kube::DeploymentView deployment(workload.deployment);
  const int64_t replicas = deployment.desiredReplicas();
  // A manifest has no status; a live Deployment always has one (possibly empty, before the
  // controller's first sync: nothing is available then).
  const bool live = deployment.hasStatus();
  const int64_t available = deployment.availableReplicas();
  const int64_t updated = deployment.updatedReplicas();
  // Pods of every revision; above `updated` while old pods remain.
  const int64_t existing = deployment.statusReplicas();

  std::vector<std::string> failures;
  std::vector<std::string> notes;
  const auto replicasText = std::to_string(replicas) + (replicas == 1 ? " replica" : " replicas");

  if (spec.min) {
    if (replicas < *spec.min)
      failures.push_back(replicasText + ", expected at least " + std::to_string(*spec.min));
    else
      notes.push_back(replicasText + ", at least " + std::to_string(*spec.min));
  }

  // availableReplicas counts old pods too: during a rollout, say how far the new revision got.
  const std::string availableText =
      std::to_string(available) + " of " + replicasText + " available";
  std::string rolloutText;
  if (live && replicas > 0 && (updated < replicas || existing > updated))
    rolloutText = "; rollout in progress: " + std::to_string(updated) + " of " +
                  std::to_string(replicas) + " updated";
  if (spec.minAvailablePercent) {
    const auto percentText = std::to_string(*spec.minAvailablePercent) + "%";
    if (!live) {
      notes.push_back("availability not observed (no status)");
    } else if (replicas <= 0) {
      notes.push_back("0 replicas requested; availability satisfied");
    } else {
      // available/replicas*100 >= percent, in integers; 128 bits cannot overflow here.
      const __int128 lhs = static_cast<__int128>(available) * 100;
      const __int128 rhs = static_cast<__int128>(*spec.minAvailablePercent) * replicas;
      if (lhs < rhs)
        failures.push_back(availableText + " (" +
                           std::to_string(static_cast<int64_t>(lhs / replicas)) + "%), at least " +
                           percentText + " required" + rolloutText);
      else
        notes.push_back(availableText + ", at least " + percentText + " required" + rolloutText);
    }
  }

  const auto value = live
                         ? std::to_string(available) + "/" + std::to_string(replicas) + " available"
                         : replicasText;
  if (!failures.empty()) {
    failures.insert(failures.end(), notes.begin(), notes.end());
    return CheckResult::failed(join(failures), value);
  }
  if (notes.empty()) notes.push_back(live ? availableText + rolloutText : replicasText);
  return CheckResult::passed(join(notes), value);
}

}  // namespace rg::checks

namespace rg {

constinit const CheckKind<ReplicasCheck> kReplicasKind{
    .info = {.name = "replicas", .fields = kReplicasFields},
    .parse = parseReplicas,
    .evaluate = checks::checkReplicas,
};

}  // namespace rg
