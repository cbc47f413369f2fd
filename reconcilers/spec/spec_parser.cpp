#include "reconcilers/spec/spec_parser.hpp"

#include <chrono>
#include <regex>
#include <set>

#include "kube/json_fields.hpp"
#include "reconcilers/spec/check_body_parser.hpp"
#include "reconcilers/spec/spec_reader.hpp"

namespace rg {
namespace {

using nlohmann::json;

bool isDnsLabel(const std::string& name) {
  static const std::regex kLabel("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  return name.size() <= 63 && std::regex_match(name, kLabel);
}

void parseTargetRef(SpecReader& r, const json& spec, const FieldPath& specPath, GateSpec& out) {
  const json* ref = r.object(spec, specPath, "targetRef", true);
  if (!ref) return;
  FieldPath path = specPath.child("targetRef");
  SpecReader::assign(out.targetRef.name, r.string(*ref, path, "name", true));
  if (auto kind = r.string(*ref, path, "kind")) {
    if (*kind != "Deployment")
      r.error(path.child("kind"),
              "unsupported target kind \"" + *kind + "\" (supported: Deployment)");
    out.targetRef.kind = *kind;
  }
  if (auto apiVersion = r.string(*ref, path, "apiVersion")) {
    if (*apiVersion != "apps/v1")
      r.error(path.child("apiVersion"),
              "unsupported apiVersion \"" + *apiVersion + "\" (supported: apps/v1)");
    out.targetRef.apiVersion = *apiVersion;
  }
}

// The names of the kinds that have `property` (every kind when null), in registry order:
// "http and prometheus", "probes, resources, ... or rollout".
std::string kindNames(bool CheckKindInfo::*property, const std::string& lastSeparator) {
  std::vector<std::string> names;
  for (const CheckKindInfo* kind : kCheckKindInfos)
    if (!property || kind->*property) names.push_back(kind->name);
  std::string out;
  for (size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? lastSeparator : ", ") + names[i];
  return out;
}

std::optional<CheckSpec> parseCheck(SpecReader& r, const json& item, const FieldPath& path) {
  if (!item.is_object()) {
    r.error(path, "must be an object, got " + describe(item));
    return std::nullopt;
  }
  size_t before = r.errorCount();
  r.rejectUnknownKeys(item, path);
  CheckSpec check;
  if (auto name = r.string(item, path, "name", true)) {
    if (!isDnsLabel(*name))
      r.error(path.child("name"), "\"" + *name +
                                      "\" is not a DNS label (lower-case letters, "
                                      "digits and '-', at most 63 characters)");
    check.name = *name;
  }
  if (auto severity = r.string(item, path, "severity")) {
    if (*severity == "Critical")
      check.severity = Severity::Critical;
    else if (*severity == "Warning")
      check.severity = Severity::Warning;
    else
      r.error(path.child("severity"), "\"" + *severity + "\" is not one of Critical, Warning");
  }
  if (auto limit = r.integer(item, path, "failureLimit")) {
    if (*limit < 1) r.error(path.child("failureLimit"), "must be at least 1");
    check.failureLimit = *limit;
  }

  std::vector<std::string> bodies;
  for (const CheckKindInfo* kind : kCheckKindInfos)
    if (item.contains(kind->name) && !item[kind->name].is_null()) bodies.push_back(kind->name);
  if (bodies.empty()) {
    r.error(path, "needs one check body: " + kindNames(nullptr, " or "));
  } else if (bodies.size() > 1) {
    r.error(path, "has " + std::to_string(bodies.size()) + " check bodies (" + bodies[0] + ", " +
                      bodies[1] + "); a check has exactly one");
  } else if (const json* body = r.object(item, path, bodies[0])) {
    if (auto parsed = parseCheckBody(r, bodies[0], *body, path.child(bodies[0])))
      check.body = std::move(*parsed);
  }
  // The kind of the check's one body; nullptr when it has none or several.
  const CheckKindInfo* kind = bodies.size() == 1 ? findCheckKind(bodies[0]) : nullptr;

  const json* threshold = r.object(item, path, "threshold");
  if (threshold && kind && !kind->needsThreshold) {
    r.error(path.child("threshold"), "is only allowed on " +
                                         kindNames(&CheckKindInfo::needsThreshold, " and ") +
                                         " checks, not on " + bodies[0]);
  } else if (threshold) {
    check.threshold = parseThreshold(r, *threshold, path.child("threshold"));
  } else if (kind && kind->needsThreshold) {
    r.error(path.child("threshold"), "is required for a " + bodies[0] + " check");
  }
  if (auto limit = r.integer(item, path, "inconclusiveLimit")) {
    // Static checks have no rounds to count; an Inconclusive static result is a fact (a value
    // that is not read), not an outage.
    if (kind && !kind->runtime)
      r.error(path.child("inconclusiveLimit"), "is only allowed on " +
                                                   kindNames(&CheckKindInfo::runtime, " and ") +
                                                   " checks, not on " + bodies[0]);
    else if (*limit < 1)
      r.error(path.child("inconclusiveLimit"), "must be at least 1");
    check.inconclusiveLimit = *limit;
  }
  if (r.errorCount() != before) return std::nullopt;
  return check;
}

void parseChecks(SpecReader& r, const json& spec, const FieldPath& specPath, GateSpec& out) {
  const json* checks = r.list(spec, specPath, "checks", true);
  if (!checks) return;
  FieldPath path = specPath.child("checks");
  if (checks->empty()) r.error(path, "must list at least one check");
  std::set<std::string> names;
  // Exactly as many as listed: the reconciler keeps parsed gates, and growth by doubling left up
  // to half of each list unused (464 bytes a check).
  out.checks.reserve(checks->size());
  for (size_t i = 0; i < checks->size(); ++i) {
    auto check = parseCheck(r, (*checks)[i], path.item(i));
    if (!check) continue;
    if (!names.insert(check->name).second)
      r.error(path.item(i).child("name"), "duplicate check name \"" + check->name + "\"");
    out.checks.push_back(std::move(*check));
  }
}

GateSpec parseSpec(SpecReader& r, const json& spec, const FieldPath& path) {
  GateSpec out;
  r.rejectUnknownKeys(spec, path);
  parseTargetRef(r, spec, path, out);
  if (auto interval = r.duration(spec, path, "interval")) {
    if (interval->value() < std::chrono::seconds(1))
      r.error(path.child("interval"), "\"" + interval->toString() + "\" is below the minimum 1s");
    out.interval = *interval;
  }
  if (auto action = r.string(spec, path, "onFailure")) {
    if (*action == "Report")
      out.onFailure = FailureAction::Report;
    else if (*action == "Pause")
      out.onFailure = FailureAction::Pause;
    else if (*action == "Rollback")
      out.onFailure = FailureAction::Rollback;
    else
      r.error(path.child("onFailure"), "\"" + *action + "\" is not one of Report, Pause, Rollback");
  }
  SpecReader::assign(out.suspend, r.boolean(spec, path, "suspend"));
  SpecReader::assign(out.podReadinessGate, r.boolean(spec, path, "podReadinessGate"));
  parseChecks(r, spec, path, out);
  return out;
}

}  // namespace

std::string GateParseResult::errorSummary() const {
  std::string out;
  for (const auto& error : errors) out += (out.empty() ? "" : "; ") + error.toString();
  return out;
}

GateParseResult parseGate(const json& object, const std::string& defaultNamespace) {
  GateParseResult result;
  SpecReader r(result.errors);
  FieldPath root{"", ""};
  if (!object.is_object()) {
    r.error({"(document)", ""}, "must be an object, got " + describe(object));
    return result;
  }
  if (kube::textAt(object, "apiVersion") != kGateApiVersion)
    r.error({"apiVersion", ""}, "must be " + std::string(kGateApiVersion));
  if (kube::textAt(object, "kind") != kGateKind) r.error({"kind", ""}, "must be ReadinessGate");

  Gate gate;
  const json empty = json::object();
  auto metaIt = object.find("metadata");
  const json& metadata = metaIt != object.end() && metaIt->is_object() ? *metaIt : empty;
  FieldPath metaPath{"metadata", "metadata"};
  SpecReader::assign(gate.name, r.string(metadata, metaPath, "name", true));
  gate.namespace_ = defaultNamespace;
  if (auto ns = r.string(metadata, metaPath, "namespace"); ns && !ns->empty())
    gate.namespace_ = *ns;
  SpecReader::assign(gate.uid, r.string(metadata, metaPath, "uid"));
  SpecReader::assign(gate.generation, r.integer(metadata, metaPath, "generation"));

  auto specIt = object.find("spec");
  FieldPath specPath{"spec", "spec"};
  if (specIt == object.end() || specIt->is_null()) {
    r.error(specPath, "is required");
  } else if (!specIt->is_object()) {
    r.error(specPath, "must be an object, got " + describe(*specIt));
  } else {
    gate.spec = parseSpec(r, *specIt, specPath);
  }
  if (result.errors.empty()) result.gate = std::move(gate);
  return result;
}

}  // namespace rg
