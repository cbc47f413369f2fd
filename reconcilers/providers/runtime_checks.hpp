#pragma once
// Runtime checks (`http`, `prometheus`): an evaluator that asks the provider, then judges the
// answer with the kind's evaluation. A provider that does not answer, or a query without
// a sample, gives Inconclusive: reported, never counted as a failure.
#include <optional>
#include <string>

#include "reconcilers/checks/check_result.hpp"
#include "reconcilers/providers/provider.hpp"
#include "reconcilers/providers/revision_variables.hpp"
#include "reconcilers/spec/gate_spec.hpp"

namespace rg::providers {

struct RuntimeEvaluation {
  CheckResult result;
  // The raw value a prometheus check measured (finite values only), to record as a baseline.
  std::optional<double> measured;
};

// The PromQL that averages `query` over `window` ending now: a subquery with 10 steps,
// `avg_over_time((<query>)[600s:60s])` for 10m (window and step in whole seconds, at least 1s).
std::string windowQuery(const std::string& query, kube::Duration window);

// `text` cut to at most `limit` characters, "..." marking the cut (for messages).
std::string shortened(const std::string& text, std::size_t limit = 160);

struct WindowBaseline {
  std::optional<double> value;  // finite
  std::string note;             // how it was taken, or why there is none
};

class RuntimeEvaluator {
 public:
  // The provider must outlive the evaluator.
  explicit RuntimeEvaluator(Provider& provider) : provider_(provider) {}

  // Calls the provider for an http or prometheus check; other bodies give Skipped. Safe to call
  // concurrently when the provider is. `{{...}}` variables in the URL or query are expanded
  // with `variables` first (none given: every variable lacks a value); a variable without a
  // value or with an unsafe one gives Inconclusive without calling out. A prometheus check that
  // uses variables shows the expanded query in its message.
  RuntimeEvaluation evaluate(const CheckSpec& check, std::optional<double> baseline = std::nullopt,
                             const RevisionVariables* variables = nullptr) const;

  // Makes the provider call that evaluate() makes for the check, without judging the answer:
  // with a RuntimeCheckPool round as the provider, this starts the call, and evaluate() later
  // finds its answer. Nothing is called when evaluate() would not call either.
  void startCall(const CheckSpec& check, const RevisionVariables* variables = nullptr) const;

  // The baseline of a maxIncreasePercent check for a new revision: the average of its query,
  // expanded with the previous revision's variables, over threshold.baselineWindow.
  WindowBaseline windowBaseline(const CheckSpec& check, const RevisionVariables& previous) const;

 private:
  Provider& provider_;
};

}  // namespace rg::providers
