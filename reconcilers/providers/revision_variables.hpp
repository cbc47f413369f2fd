#pragma once
// Revision-scoped variables in `prometheus.query` and `http.url`: `{{namespace}}`, `{{name}}`,
// `{{revision}}`, `{{podTemplateHash}}` and `{{gate}}`, so that a query can select the pods of
// the revision under test (`pod=~"{{name}}-{{podTemplateHash}}-.*"`). Spaces inside the braces
// are allowed (`{{ name }}`). Pure: compiled into the engine, which the spec parser is part of.
//
// Values are not escaped for PromQL or URLs: they are DNS names, revision numbers and hashes, so
// a value with anything outside [A-Za-z0-9._-] (only possible from a tampered object) stops the
// check (Inconclusive) instead of being spliced into a query.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reconcilers/checks/workload.hpp"
#include "reconcilers/spec/gate_spec.hpp"

namespace rg::providers {

struct RevisionVariables {
  std::string namespace_;       // the gate's (and its target's) namespace
  std::string name;             // the target Deployment
  std::string revision;         // deployment.kubernetes.io/revision; empty: not known yet
  std::string podTemplateHash;  // pod-template-hash of that revision's ReplicaSet; empty: none yet
  std::string gate;             // the gate's name
};

// "namespace", "name", "revision", "podTemplateHash", "gate", in this order.
const std::vector<std::string>& knownVariables();

// Each `{{...}}` whose name is not a known variable, as written ("{{pod}}"), in order of
// appearance, duplicates dropped.
std::vector<std::string> unknownVariables(std::string_view text);

// Empty when `text` uses only known variables and closes every `{{`; else why not, e.g.
// "unknown variable {{pod}}; known: namespace, name, revision, podTemplateHash, gate" or
// "unclosed {{ at character 12".
std::string variablesError(std::string_view text);

// Whether `text` uses any (known) variable.
bool usesVariables(std::string_view text);

// `text` with every known variable replaced by its value (an empty value gives empty text);
// unknown variables and an unclosed `{{` stay as written.
std::string expandVariables(std::string_view text, const RevisionVariables& values);

// Why `text` cannot be expanded safely with `values`: a variable it uses has no value yet, or a
// value holds a character outside [A-Za-z0-9._-]. Empty when it can.
std::string expansionProblem(std::string_view text, const RevisionVariables& values);

// The variables of the target's current revision: the Deployment's revision annotation and the
// pod-template-hash of the ReplicaSet it controls with that revision.
RevisionVariables revisionVariables(const Gate& gate, const Workload& workload);

// The variables of the previous revision: the controlled ReplicaSet with the highest revision
// below the current one, skipping the template hashes in `skipHashes` (revisions the gate
// rolled back). nullopt when there is none.
std::optional<RevisionVariables> previousRevisionVariables(
    const Gate& gate, const Workload& workload, const std::vector<std::string>& skipHashes = {});

}  // namespace rg::providers
