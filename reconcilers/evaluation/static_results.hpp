#pragma once
// The results of a gate's static checks, kept from round to round while what they read stays the
// same: the gate's parsed spec, the Deployment snapshot, and the Secrets and ConfigMaps the checks
// looked up. At steady state a round then neither parses the Deployment's pod template (the cache
// keeps it as text) nor evaluates those checks again. Kinds that read pods, ReplicaSets or the
// clock (CheckKindInfo::readsPodsOrClock) are evaluated every round.
//
// A result is not kept twice: the gate's status holds it. What is kept is a digest of each
// result, and a result is taken from the previous status only when it has that digest (a status
// from before a failed write, or written by someone else, is evaluated again).
#include <cstdint>
#include <memory>
#include <vector>

#include "reconcilers/checks/check_result.hpp"
#include "reconcilers/checks/workload.hpp"
#include "reconcilers/spec/gate_spec.hpp"
#include "reconcilers/status/gate_status.hpp"

namespace rg {

struct StaticResults {
  std::shared_ptr<const void> spec;  // the parse of the gate they were evaluated from
  kube::ObjectPtr deployment;        // the Deployment snapshot
  KeyCatalog::Snapshots secrets;     // what the checks looked up, as found
  KeyCatalog::Snapshots configMaps;
  // By position in the spec's checks: resultDigest of the result, 0 for none kept.
  std::vector<std::uint64_t> digests;

  // Whether results evaluated from these objects hold for `spec` and the workload's objects.
  bool holdFor(const std::shared_ptr<const void>& spec, const Workload& workload) const;
};

// Never 0.
std::uint64_t resultDigest(CheckOutcome outcome, const std::string& value,
                           const std::string& message);

// One round's static checks of one gate.
class StaticCheckRound {
 public:
  // `kept`: what an earlier round of the gate kept (nullptr: nothing). `spec` identifies the
  // parse `gate` comes from; `previous` is the status the round builds on. All but `kept` outlive
  // the round.
  StaticCheckRound(std::shared_ptr<const StaticResults> kept, std::shared_ptr<const void> spec,
                   const Gate& gate, const Workload& workload, const GateStatus& previous);

  // EvaluationInput::evaluateStatic: the previous result when it is the one kept, else evaluated.
  CheckResult evaluate(const CheckSpec& check);
  // What the next round starts from.
  std::shared_ptr<const StaticResults> results() const;

 private:
  const Gate& gate_;
  const Workload& workload_;
  const GateStatus& previous_;
  std::shared_ptr<const StaticResults> kept_;  // null unless it holds
  // What this round keeps when it differs from kept_ (made on the first result evaluated).
  std::shared_ptr<StaticResults> next_;
};

}  // namespace rg
