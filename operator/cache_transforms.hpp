#pragma once
// Informer transforms: what the cache keeps of Deployments, ReplicaSets, Pods, Secrets and
// ConfigMaps. Each keeps an allow-list of the fields that the checks, actions, status logic and
// the mapping from changes to gates read, and drops the rest (managedFields, unread annotations
// and labels, most of a pod's spec and status). A field a reader starts to use must be added
// here; tests/unit/cache/trimmed_equivalence_test.cpp evaluates full and trimmed objects side by
// side. ReadinessGates keep all but managedFields, with their spec and status as packed text
// (trimGate).
//
// Every transform keeps metadata.name, namespace, uid and resourceVersion (the informer's and
// the event recorder's identity of an object). A field of the wrong type where an object or a
// list is expected is dropped: every reader treats such a field as absent.
#include <nlohmann/json.hpp>

namespace rg::cache {

// managedFields and the last-applied annotation dropped, .spec and .status kept as their JSON
// text (rg::compactStoredGate).
void trimGate(nlohmann::json& gate);

// Identity, generation, the annotations a rollback keeps from the Deployment (kubectl's
// annotationsToSkip, last-applied-configuration included, and the gates' own), spec.replicas,
// paused, progressDeadlineSeconds, the whole spec.template as its packed text with its digest
// (compared with the ReplicaSets' digests; actions::compactTemplate, read back with
// actions::withTemplateObject), and the status counters and conditions the checks and the rollback
// read.
void trimDeployment(nlohmann::json& deployment);

// Identity, the pod-template-hash label, controller references, the annotations a rollback
// copies to the Deployment plus the revision and revision-history, spec.replicas, and
// spec.template (a rollback restores it) as its packed text, as written, with its digest
// (actions::compactReplicaSetTemplate).
void trimReplicaSet(nlohmann::json& replicaSet);

// Identity, creation and deletion timestamps, the pod-template-hash label, owner references,
// spec.readinessGates, and of the status: phase, conditions (type, status, lastTransitionTime)
// and per container the name, readiness, restart count, waiting reason and message and
// terminated reasons.
void trimPod(nlohmann::json& pod);

// Identity and the key names of data, stringData and binaryData, every value "": the checks
// need which keys exist, never a value.
void trimSecret(nlohmann::json& secret);
void trimConfigMap(nlohmann::json& configMap);

}  // namespace rg::cache
