#pragma once
// Pause/resume decisions for onFailure: Pause. Pure: the reconciler sends the merge patches
// (application/merge-patch+json) to the Deployment.
//
// Who paused a Deployment is recorded on the Deployment itself, in the annotation
// gates.readiness.dev/paused-by, written in the same patch as spec.paused. A restart of the
// operator (or a status write lost between the patch and the status update) therefore never
// makes the gate forget that it paused the target, nor think it paused a target someone else
// paused. status.pausedByGate mirrors the annotation for users.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace rg::actions {

inline constexpr std::string_view kPausedByAnnotation = "gates.readiness.dev/paused-by";

enum class PauseDecision { None, Pause, Resume };
const char* toString(PauseDecision decision);

// {"spec":{"paused":<paused>}}
nlohmann::json pausePatch(bool paused);
// With the paused-by record for `gateName`: pauseByGatePatch(gateName) or resumeByGatePatch().
nlohmann::json pausePatch(bool paused, std::string_view gateName);

// spec.paused is true.
bool isPaused(const nlohmann::json& deployment);
// The paused-by annotation, when it is a string.
std::optional<std::string> pausedBy(const nlohmann::json& deployment);
// The Deployment is paused and the annotation names this gate.
bool pausedByGate(const nlohmann::json& deployment, std::string_view gateName);

// Pause when a Critical check is failing and the Deployment runs; resume only when nothing is
// failing and this gate paused it. A Deployment someone else paused is never unpaused.
PauseDecision decidePause(bool criticalFailing, bool pausedNow, bool pausedByThisGate);
// The same, reading spec.paused and the paused-by annotation of the Deployment (a separate
// name: json converts implicitly to bool, which would make an overload ambiguous).
PauseDecision decidePauseFor(bool criticalFailing, const nlohmann::json& deployment,
                             std::string_view gateName);

// {"metadata":{"annotations":{"gates.readiness.dev/paused-by":<gate>}},"spec":{"paused":true}}
nlohmann::json pauseByGatePatch(std::string_view gateName);
// {"metadata":{"annotations":{"gates.readiness.dev/paused-by":null}},"spec":{"paused":false}}
nlohmann::json resumeByGatePatch();
// The same with the Deployment's metadata.resourceVersion (when it has one): the API server then
// refuses the resume (409) if the Deployment changed since it was read, e.g. someone resumed and
// paused it again meanwhile. On 409: re-read and decide again.
nlohmann::json resumeByGatePatch(const nlohmann::json& deployment);
// The patch carrying out `decision` (none for PauseDecision::None).
std::optional<nlohmann::json> pauseDecisionPatch(PauseDecision decision,
                                                 const nlohmann::json& deployment,
                                                 std::string_view gateName);

// A running Deployment whose annotation still names this gate: someone resumed it by hand, or a
// rollback copied the annotation back. Left alone, a later manual pause would look like the
// gate's own and the gate would undo it; clear it with clearPauseMarkerPatch().
bool hasStalePauseMarker(const nlohmann::json& deployment, std::string_view gateName);
// {"metadata":{"annotations":{"gates.readiness.dev/paused-by":null}}}
nlohmann::json clearPauseMarkerPatch();

}  // namespace rg::actions
