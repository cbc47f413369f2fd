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
  if (std::isnan(value)) return CheckResult::inconclusive("query returned NaN");
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

RuntimeEvaluation RuntimeEvaluator::evaluate(const CheckSpec& check,
                                             std::optional<double> baseline) const {
  try {
    if (const auto* http = std::get_if<HttpCheck>(&check.body)) {
      return {evaluateHttp(*http, provider_.httpProbe(*http)), std::nullopt};
    }
    if (const auto* prom = std::get_if<PrometheusCheck>(&check.body)) {
      PromQueryResult query = provider_.prometheusQuery(prom->address, prom->query, prom->timeout);
      std::optional<double> measured;
      if (query.kind == PromQueryResult::Kind::Value && std::isfinite(query.value)) {
        measured = query.value;
      }
      return {evaluatePrometheus(*prom, check.threshold.value_or(Threshold{}), query, baseline),
              measured};
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

}  // namespace rg::providers
