#pragma once
// Rollback planning: what `kubectl rollout undo deployment/<name>` would send, computed from the
// informer cache. Pure: the reconciler sends the patch (application/json-patch+json).
//
// Reference: kubectl pkg/polymorphichelpers/rollback.go (DeploymentRollbacker.Rollback,
// deploymentRevision, equalIgnoreHash, annotationsToSkip, getDeploymentPatch) and
// pkg/util/deployment/deployment.go (Revision, listReplicaSets).
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "kube/shared_objects.hpp"
#include "reconcilers/status/gate_status.hpp"

namespace rg::actions {

// Annotations under this prefix are the gates' own bookkeeping on the Deployment.
inline constexpr std::string_view kGateAnnotationPrefix = "gates.readiness.dev/";
// Where the template hashes the gates rolled back are recorded on the Deployment (comma-separated,
// sorted), so the record survives operator restarts and is written atomically with the rollback.
inline constexpr std::string_view kBadTemplateHashesAnnotation =
    "gates.readiness.dev/bad-template-hashes";

// kubectl's annotationsToSkip: the Deployment keeps its own values of these on rollback.
const std::vector<std::string>& rollbackPreservedAnnotations();
// True for kubectl's annotationsToSkip and for the gates' own annotations (kGateAnnotationPrefix).
bool keptFromDeployment(std::string_view annotation);

// The ReplicaSets whose controller ownerReference (the first with controller: true, as
// metav1.GetControllerOf) has the Deployment's uid. A Deployment without uid (offline manifests)
// matches controller references of kind Deployment with its name, in its namespace.
std::vector<std::reference_wrapper<const nlohmann::json>> controlledReplicaSets(
    const nlohmann::json& deployment, const kube::SharedObjects& replicaSets);

// equalIgnoreHash: pod templates equal once pod-template-hash labels are removed. Nulls and empty
// arrays/objects count as absent, as Go's semantic equality treats nil and empty maps/slices
// alike and the API server omits them.
bool templatesEqualIgnoringHash(const nlohmann::json& template1, const nlohmann::json& template2);

// The template without its pod-template-hash label and without absent values, as one text: two
// templates are equal ignoring the hash (templatesEqualIgnoringHash) exactly when their canonical
// texts are. The digest is its SHA-256, in hex.
std::string canonicalTemplateText(const nlohmann::json& podTemplate);
std::string canonicalTemplateDigest(const nlohmann::json& podTemplate);

// The operator's cache keeps the pod templates of Deployments and ReplicaSets as text, packed
// (reconcilers/spec/packed_text.hpp): as trees they were most of the cache's memory. A ReplicaSet's
// template is read only to compare it with the Deployment's and at a rollback; a Deployment's is
// read by the checks, from a copy of the Deployment with its template parsed again
// (withTemplateObject) for each evaluation. addTemplateDigest records spec.templateDigest, the
// canonicalTemplateDigest of an object's spec.template, so that the comparison on every evaluation
// is one of two digests. compactTemplate adds the digest and turns an object spec.template into its
// packed JSON text, as written (a rollback restores it); compactReplicaSetTemplate also makes the
// template's pod-template-hash label the ReplicaSet's own label, which
// ReplicaSetView::podTemplateHash falls back to. The readers below take either form.
void addTemplateDigest(nlohmann::json& object);
void compactTemplate(nlohmann::json& object);
void compactReplicaSetTemplate(nlohmann::json& replicaSet);
// Whether the object (a Deployment or a ReplicaSet) has a spec.template, as an object or as its
// packed text; a template of any other type is none.
bool hasTemplate(const nlohmann::json& object);
// The object's spec.template as an object (parsed from its text, or a copy); nullopt when it has
// none.
std::optional<nlohmann::json> templateObject(const nlohmann::json& object);
// The object with spec.template as an object: `object` itself when it is one (or absent), else a
// copy with the text parsed (a template whose text is not a JSON object is left out).
kube::ObjectPtr withTemplateObject(const kube::ObjectPtr& object);
// Whether the ReplicaSet's template equals the Deployment's ignoring the hash; nullopt when
// either has none.
std::optional<bool> replicaSetTemplateMatches(const nlohmann::json& replicaSet,
                                              const nlohmann::json& deployment);

enum class RollbackRefusal {
  None,                    // possible
  RolloutNotObserved,      // status.observedGeneration < metadata.generation
  NoPreviousRevision,      // nothing below the current revision
  Paused,                  // kubectl refuses paused Deployments
  TemplateAlreadyMatches,  // kubectl: "skipped rollback"
  NoTemplate,              // the target ReplicaSet has no spec.template
  TargetIsBad,             // the target's template hash was rolled back before
};
const char* toString(RollbackRefusal refusal);

struct RollbackPlan {
  bool possible = false;
  RollbackRefusal refusal = RollbackRefusal::NoPreviousRevision;
  std::string reason;           // why not possible; "" when possible
  int64_t fromRevision = 0;     // the current revision (0 when unknown)
  int64_t toRevision = 0;       // the target's revision (0 when there is no target)
  std::string toReplicaSet;     // the target ReplicaSet's name
  std::string toTemplateHash;   // the target ReplicaSet's pod-template-hash
  std::string badTemplateHash;  // pod-template-hash of the revision being rolled back
  // [{"op":"replace","path":"/spec/template",...},{"op":"replace","path":"/metadata/annotations",
  // ...}] when possible; null otherwise.
  nlohmann::json jsonPatch;
};

// Plans `kubectl rollout undo` (to the previous revision). `replicaSets` may hold any
// ReplicaSets of the namespace: only the controlled ones are considered. The target is the
// ReplicaSet with the highest revision below the Deployment's revision; without a readable
// Deployment revision, kubectl's rule (second-highest revision) applies. Checks in kubectl's order
// (target, paused, unchanged template), after making sure the deployment controller has observed
// the current spec (else the revision annotations describe an older template).
RollbackPlan planRollback(const nlohmann::json& deployment, const kube::SharedObjects& replicaSets);
// The same, then refuses a target whose template hash is in `badHashes`.
RollbackPlan planRollback(const nlohmann::json& deployment, const kube::SharedObjects& replicaSets,
                          const std::set<std::string>& badHashes);

// Loop guard: a ReplicaSet (or template hash) the gates rolled back before.
bool isBadRevision(const nlohmann::json& replicaSet, const std::set<std::string>& badHashes);
bool isBadTemplateHash(std::string_view hash, const std::set<std::string>& badHashes);
// Refuses a possible plan whose target template is bad: the gate never rolls forward to a
// revision it rolled back. Other plans are returned unchanged.
RollbackPlan refuseBadTarget(RollbackPlan plan, const std::set<std::string>& badHashes);

// True when `lastAction` (the gate's status.lastAction) already rolled back this plan's revision:
// a Rollback with the same bad template hash and from-revision. A revision is rolled back at most
// once, across operator restarts.
bool alreadyRolledBack(const RollbackPlan& plan, const LastAction& lastAction);
bool alreadyRolledBack(const RollbackPlan& plan, const std::optional<LastAction>& lastAction);

// Bad template hashes recorded on the Deployment (kBadTemplateHashesAnnotation).
std::set<std::string> recordedBadHashes(const nlohmann::json& deployment);
// Adds one JSON-patch operation to a possible plan that records its bad template hash next to
// `known` in kBadTemplateHashesAnnotation, so the record lands atomically with the rollback.
// The first two operations stay exactly kubectl's. No-op for an impossible plan or an empty hash.
void recordBadHash(RollbackPlan& plan, const std::set<std::string>& known);

}  // namespace rg::actions
