#pragma once
// What a check kind is: its body key, the fields below it, how it is parsed and, for static
// kinds, how it is evaluated. Each kind defines one CheckKind in its own file
// (reconcilers/checks/<kind>_check.cpp); check_kinds.hpp lists them.
#include <nlohmann/json_fwd.hpp>
#include <span>

#include "reconcilers/checks/check_result.hpp"

namespace rg {

struct FieldPath;
class SpecReader;
struct Workload;

// What the spec parser and the CRD field list need of a kind, whatever its spec type.
struct CheckKindInfo {
  // The body's key in a check: "replicas".
  const char* name = "";
  // The fields below the body as the CRD declares them, list items written "[]" ("cpu.min",
  // "required[].name"); maps (additionalProperties) are leaves.
  std::span<const char* const> fields;
  // Runtime kinds call out (reconcilers/providers/); static kinds read only the objects.
  bool runtime = false;
  // The check needs `threshold`, which no other kind may have.
  bool needsThreshold = false;
  // A static kind whose result can change while the Deployment and the Secrets and ConfigMaps it
  // names stay the same (it reads pods, ReplicaSets or the clock): evaluated every round. The
  // results of other static kinds are kept while their objects stay the same.
  bool readsPodsOrClock = false;
};

template <class SpecType>
struct CheckKind {
  using Spec = SpecType;
  CheckKindInfo info;
  // Reads the body at `path`; the result is used only when no error was recorded on `reader`.
  Spec (*parse)(SpecReader& reader, const nlohmann::json& body, const FieldPath& path) = nullptr;
  // Static kinds only: runtime kinds are evaluated by providers::RuntimeEvaluator, which keeps
  // the network code out of this library.
  CheckResult (*evaluate)(const Spec& spec, const Workload& workload) = nullptr;
};

}  // namespace rg
