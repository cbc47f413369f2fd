#include "reconcilers/checks/prometheus_check.hpp"

#include <cmath>
#include <cstdio>
#include <vector>

#include "reconcilers/checks/check_text.hpp"
#include "reconcilers/checks/spec_rules.hpp"
#include "reconcilers/providers/provider.hpp"
#include "reconcilers/spec/gate_spec.hpp"
#include "reconcilers/spec/spec_reader.hpp"

namespace rg {
namespace {

using checks::join;
using nlohmann::json;

constexpr const char* kPrometheusFields[] = {"address", "query", "timeout"};

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

PrometheusCheck parsePrometheus(SpecReader& r, const json& body, const FieldPath& path) {
  PrometheusCheck out;
  if (auto address = r.string(body, path, "address", true)) {
    requireHttpUrl(r, *address, path.child("address"));
    out.address = *address;
  }
  SpecReader::assign(out.query, r.string(body, path, "query", true));
  variablesValid(r, out.query, path.child("query"));
  if (auto timeout = positiveDuration(r, body, path, "timeout")) out.timeout = *timeout;
  return out;
}

}  // namespace

constinit const CheckKind<PrometheusCheck> kPrometheusKind{
    .info = {.name = "prometheus",
             .fields = kPrometheusFields,
             .runtime = true,
             .needsThreshold = true},
    .parse = parsePrometheus,
};

std::string formatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == 0) return "0";  // also -0
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

CheckResult evaluatePrometheus(const PrometheusCheck& /*check*/, const Threshold& threshold,
                               const providers::PromQueryResult& query,
                               std::optional<double> baseline) {
  switch (query.kind) {
    case providers::PromQueryResult::Kind::NoData:
      return CheckResult::inconclusive(query.error.empty() ? "query returned no data"
                                                           : query.error);
    case providers::PromQueryResult::Kind::Error:
      return CheckResult::inconclusive("query failed: " + query.error);
    case providers::PromQueryResult::Kind::Value:
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

}  // namespace rg
