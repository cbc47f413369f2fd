#include "reconcilers/providers/runtime_checks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace rg::providers {
namespace {

std::string join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

// One decimal, without a trailing ".0": "66.7", "150".
std::string formatPercent(double percent) {
  if (!std::isfinite(percent)) return formatValue(percent);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.1f", percent);
  std::string text = buffer;
  if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0) text.resize(text.size() - 2);
  if (text == "-0") text = "0";
  return text;
}

// a > b, ignoring differences within a relative 1e-9 (float noise in computed ratios).
bool greater(double a, double b) {
  if (!std::isfinite(a) || !std::isfinite(b)) return a > b;
  return a - b > 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

std::string expectedStatusText(const std::vector<int>& expected) {
  if (expected.empty()) return "2xx";
  std::string out;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (i > 0) out += i + 1 == expected.size() ? " or " : ", ";
    out += std::to_string(expected[i]);
  }
  return out;
}

// "text" with quotes and backslashes escaped, so the substring's bounds stay visible.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

bool statusExpected(const std::vector<int>& expected, int status) {
  if (expected.empty()) return status >= 200 && status <= 299;
  return std::find(expected.begin(), expected.end(), status) != expected.end();
}

}  // namespace

std::string formatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == 0) return "0";  // also -0
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

CheckResult evaluateHttp(const HttpCheck& check, const HttpProbeResult& probe) {
  const std::string request = (check.method.empty() ? "GET" : check.method) + " " + check.url;
  if (!probe.answered) {
    std::string message = request + " did not answer within " + check.timeout.toString();
    if (!probe.error.empty()) message += ": " + probe.error;
    return CheckResult::inconclusive(std::move(message));
  }
  const std::string status = std::to_string(probe.status);
  if (!statusExpected(check.expectedStatus, probe.status)) {
    return CheckResult::failed(
        request + " answered " + status + ", expected " + expectedStatusText(check.expectedStatus),
        status);
  }
  if (!check.bodyContains.empty()) {
    if (probe.bodySnippet.find(check.bodyContains) == std::string::npos) {
      std::string message = request + " answered " + status + " but the body does not contain " +
                            quoted(check.bodyContains);
      // Only the beginning of the body is kept; say so when the body was longer.
      if (probe.bodySnippet.size() >= kMaxBodySnippet) {
        message += " (first " + std::to_string(kMaxBodySnippet) + " bytes searched)";
      }
      return CheckResult::failed(std::move(message), status);
    }
    return CheckResult::passed(
        request + " answered " + status + " and the body contains " + quoted(check.bodyContains),
        status);
  }
  return CheckResult::passed(request + " answered " + status, status);
}

CheckResult evaluatePrometheus(const PrometheusCheck& /*check*/, const Threshold& threshold,
                               const PromQueryResult& query, std::optional<double> baseline) {
  switch (query.kind) {
    case PromQueryResult::Kind::NoData:
      return CheckResult::inconclusive(query.error.empty() ? "query returned no data"
                                                           : query.error);
    case PromQueryResult::Kind::Error:
      return CheckResult::inconclusive("query failed: " + query.error);
    case PromQueryResult::Kind::Value:
      break;
  }
  const double value = query.value;
  // 0/0 over no requests, or x/0: not a measurement of the revision, whatever the threshold.
  if (std::isnan(value)) return CheckResult::inconclusive("query returned NaN (no traffic: 0/0?)");
  if (std::isinf(value)) return CheckResult::inconclusive("query returned " + formatValue(value));
  const std::string shown = formatValue(value);

  std::vector<std::string> failures;
  std::vector<std::string> within;
  if (threshold.min) {
    if (greater(*threshold.min, value)) {
      failures.push_back("value " + shown + " is below min " + formatValue(*threshold.min));
    } else {
      within.push_back("min " + formatValue(*threshold.min));
    }
  }
  if (threshold.max) {
    if (greater(value, *threshold.max)) {
      failures.push_back("value " + shown + " is above max " + formatValue(*threshold.max));
    } else {
      within.push_back("max " + formatValue(*threshold.max));
    }
  }
  if (threshold.maxIncreasePercent) {
    const double limit = *threshold.maxIncreasePercent;
    const std::string limitText = "max increase " + formatPercent(limit) + "%";
    if (!baseline) {
      // The first evaluation records the baseline; there is nothing to compare with yet.
      within.push_back("no baseline yet");
    } else if (!std::isfinite(*baseline)) {
      within.push_back("baseline " + formatValue(*baseline) + " cannot be compared; " + limitText +
                       " not checked");
    } else if (*baseline == 0) {
      // (v - 0) / 0 has no value: any change from a zero baseline is treated as too much.
      if (value == 0) {
        within.push_back("equal to baseline 0");
      } else {
        failures.push_back("value " + shown +
                           " differs from baseline 0; a change from a zero baseline has no "
                           "percentage, so only 0 passes (" +
                           limitText + ")");
      }
    } else {
      // Divided by |baseline| so that a rise from a negative baseline is still an increase.
      const double increase = (value - *baseline) / std::fabs(*baseline) * 100.0;
      const std::string baselineText = formatValue(*baseline);
      if (greater(increase, limit)) {
        failures.push_back("value " + shown + " is " + formatPercent(increase) +
                           "% above baseline " + baselineText + "; " + limitText);
      } else if (increase >= 0) {
        within.push_back(formatPercent(increase) + "% above baseline " + baselineText + ", " +
                         limitText);
      } else {
        within.push_back(formatPercent(-increase) + "% below baseline " + baselineText);
      }
    }
  }
  if (!failures.empty()) return CheckResult::failed(join(failures, "; "), shown);
  if (within.empty()) return CheckResult::passed("value " + shown + " (no threshold)", shown);
  return CheckResult::passed("value " + shown + " is within threshold (" + join(within, "; ") + ")",
                             shown);
}

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

RuntimeEvaluation RuntimeEvaluator::evaluate(const CheckSpec& check, std::optional<double> baseline,
                                             const RevisionVariables* variables) const {
  static const RevisionVariables kNone;
  const RevisionVariables& values = variables ? *variables : kNone;
  try {
    if (const auto* http = std::get_if<HttpCheck>(&check.body)) {
      if (auto problem = expansionProblem(http->url, values); !problem.empty())
        return {CheckResult::inconclusive(http->url + " not called: " + problem), std::nullopt};
      HttpCheck expanded = *http;
      expanded.url = expandVariables(http->url, values);
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
