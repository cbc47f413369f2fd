#include "reconcilers/providers/runtime_checks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace rg::providers {

std::string shortened(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t cut = limit > 3 ? limit - 3 : 0;
  // Never cut inside a UTF-8 sequence: the message goes into JSON.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

std::string windowQuery(const std::string& query, kube::Duration window) {
  using std::chrono::seconds;
  const long long total =
      std::max<long long>(1, std::chrono::duration_cast<seconds>(window.value()).count());
  const long long step = std::max<long long>(1, std::llround(static_cast<double>(total) / 10.0));
  return "avg_over_time((" + query + ")[" + std::to_string(total) + "s:" + std::to_string(step) +
         "s])";
}

namespace {

const RevisionVariables kNoVariables;

HttpCheck expandedHttp(const HttpCheck& http, const RevisionVariables& values) {
  HttpCheck expanded = http;
  expanded.url = expandVariables(http.url, values);
  return expanded;
}

}  // namespace

void RuntimeEvaluator::startCall(const CheckSpec& check, const RevisionVariables* variables) const {
  const RevisionVariables& values = variables ? *variables : kNoVariables;
  try {
    if (const auto* http = std::get_if<HttpCheck>(&check.body)) {
      if (expansionProblem(http->url, values).empty())
        provider_.httpProbe(expandedHttp(*http, values));
    } else if (const auto* prom = std::get_if<PrometheusCheck>(&check.body)) {
      if (expansionProblem(prom->query, values).empty())
        provider_.prometheusQuery(prom->address, expandVariables(prom->query, values),
                                  prom->timeout);
    }
  } catch (const std::exception&) {
    // evaluate() makes the same call and reports what went wrong.
  }
}

RuntimeEvaluation RuntimeEvaluator::evaluate(const CheckSpec& check, std::optional<double> baseline,
                                             const RevisionVariables* variables) const {
  const RevisionVariables& values = variables ? *variables : kNoVariables;
  try {
    if (const auto* http = std::get_if<HttpCheck>(&check.body)) {
      if (auto problem = expansionProblem(http->url, values); !problem.empty())
        return {CheckResult::inconclusive(http->url + " not called: " + problem), std::nullopt};
      HttpCheck expanded = expandedHttp(*http, values);
      return {evaluateHttp(expanded, provider_.httpProbe(expanded)), std::nullopt};
    }
    if (const auto* prom = std::get_if<PrometheusCheck>(&check.body)) {
      if (auto problem = expansionProblem(prom->query, values); !problem.empty())
        return {CheckResult::inconclusive("query not run: " + problem), std::nullopt};
      const std::string expanded = expandVariables(prom->query, values);
      PromQueryResult query = provider_.prometheusQuery(prom->address, expanded, prom->timeout);
      std::optional<double> measured;
      if (query.kind == PromQueryResult::Kind::Value && std::isfinite(query.value)) {
        measured = query.value;
      }
      CheckResult result =
          evaluatePrometheus(*prom, check.threshold.value_or(Threshold{}), query, baseline);
      // What ran, for a query whose text depends on the revision.
      if (usesVariables(prom->query)) result.message += " (query: " + shortened(expanded) + ")";
      return {std::move(result), measured};
    }
  } catch (const std::exception& e) {
    // Providers report problems in their results; a throwing one still must not fail the gate.
    return {CheckResult::inconclusive(std::string("provider error: ") + e.what()), std::nullopt};
  }
  return {CheckResult{CheckOutcome::Skipped,
                      {},
                      std::string(checkKindName(check.body)) + " is not a runtime check"},
          std::nullopt};
}

WindowBaseline RuntimeEvaluator::windowBaseline(const CheckSpec& check,
                                                const RevisionVariables& previous) const {
  const auto* prom = std::get_if<PrometheusCheck>(&check.body);
  if (!prom) return {std::nullopt, "not a prometheus check"};
  const kube::Duration window = check.threshold.value_or(Threshold{}).baselineWindow;
  if (auto problem = expansionProblem(prom->query, previous); !problem.empty())
    return {std::nullopt, "previous revision: " + problem};
  const std::string query = windowQuery(expandVariables(prom->query, previous), window);
  PromQueryResult result;
  try {
    result = provider_.prometheusQuery(prom->address, query, prom->timeout);
  } catch (const std::exception& e) {
    return {std::nullopt, std::string("provider error: ") + e.what()};
  }
  const std::string over = " over " + window.toString() + " of revision " + previous.revision;
  switch (result.kind) {
    case PromQueryResult::Kind::Value:
      if (std::isfinite(result.value)) return {result.value, "average" + over};
      return {std::nullopt, "average" + over + " is " + formatValue(result.value)};
    case PromQueryResult::Kind::NoData:
      return {std::nullopt, "no data" + over};
    case PromQueryResult::Kind::Error:
      break;
  }
  return {std::nullopt, "average" + over + " failed: " + result.error};
}

}  // namespace rg::providers
