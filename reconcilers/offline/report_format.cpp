#include "reconcilers/offline/report_format.hpp"

#include <sstream>

namespace rg::offline {
namespace {

const char* mark(const CheckReport& check) {
  switch (check.result.outcome) {
    case CheckOutcome::Passed:
      return "[x]";
    case CheckOutcome::Failed:
      return "[ ]";
    case CheckOutcome::Inconclusive:
      return "[?]";
    case CheckOutcome::Skipped:
      return "[-]";
  }
  return "[?]";
}

std::string gateVerdict(const GateReport& gate) {
  if (gate.error) return "ERROR";
  if (gate.criticalFailing()) return "FAILED";
  return "PASSED";
}

}  // namespace

std::string describeSource(const Source& source) {
  if (source.document < 0) return source.file;
  return source.file + " (document " + std::to_string(source.document + 1) + ")";
}

std::string formatText(const Report& report) {
  std::ostringstream out;
  int passed = 0, failed = 0, errored = 0;
  for (const auto& gate : report.gates) {
    out << "## ReadinessGate " << gate.namespace_ << "/" << gate.name;
    if (!gate.target.empty()) out << " -> Deployment " << gate.target;
    out << "\n   " << describeSource(gate.source) << "\n";
    if (gate.error) {
      ++errored;
      out << "error: " << *gate.error << "\n\n";
      continue;
    }
    std::vector<std::string> failing;
    int critical = 0;
    for (const auto& check : gate.checks) {
      out << "- " << mark(check) << " " << check.name;
      if (check.severity == Severity::Warning) out << " (warning)";
      out << " \xe2\x80\x94 ";  // em dash
      if (check.result.outcome == CheckOutcome::Skipped) out << "skipped: ";
      if (check.result.outcome == CheckOutcome::Inconclusive) out << "inconclusive: ";
      out << check.result.message << "\n";
      if (check.severity != Severity::Critical || check.result.outcome == CheckOutcome::Skipped)
        continue;
      ++critical;
      if (check.result.outcome == CheckOutcome::Failed) failing.push_back(check.name);
    }
    if (failing.empty()) {
      ++passed;
      out << "Result: PASSED (" << critical << " critical checks evaluated, none failing)\n\n";
    } else {
      ++failed;
      out << "Result: FAILED (" << failing.size() << " of " << critical
          << " critical checks failing:";
      for (const auto& name : failing) out << " " << name;
      out << ")\n\n";
    }
  }
  out << report.gates.size() << " gate(s): " << passed << " passed, " << failed << " failed, "
      << errored << " with errors";
  if (!report.errors.empty()) out << "; " << report.errors.size() << " input error(s)";
  if (report.gates.empty()) out << "; no ReadinessGate found in the inputs";
  out << "\n";
  return out.str();
}

std::string formatErrors(const Report& report) {
  std::string out;
  for (const auto& error : report.errors)
    out += "error: " + describeSource(error.source) + ": " + error.message + "\n";
  return out;
}

nlohmann::json toJson(const Report& report) {
  nlohmann::json gates = nlohmann::json::array();
  for (const auto& gate : report.gates) {
    nlohmann::json g = {{"namespace", gate.namespace_},
                        {"name", gate.name},
                        {"target", gate.target},
                        {"file", gate.source.file},
                        {"document", gate.source.document + 1},
                        {"result", gateVerdict(gate) == "PASSED"   ? "Passed"
                                   : gateVerdict(gate) == "FAILED" ? "Failed"
                                                                   : "Error"}};
    if (gate.error) g["error"] = *gate.error;
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& check : gate.checks) {
      checks.push_back({{"name", check.name},
                        {"kind", check.kind},
                        {"severity", toString(check.severity)},
                        {"result", toString(check.result.outcome)},
                        {"value", check.result.value},
                        {"message", check.result.message}});
    }
    g["checks"] = std::move(checks);
    gates.push_back(std::move(g));
  }
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& error : report.errors) {
    nlohmann::json e = {{"file", error.source.file}, {"message", error.message}};
    if (error.source.document >= 0) e["document"] = error.source.document + 1;
    errors.push_back(std::move(e));
  }
  return {
      {"gates", std::move(gates)}, {"errors", std::move(errors)}, {"exitCode", report.exitCode()}};
}

std::string formatJson(const Report& report) {
  return toJson(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace rg::offline
