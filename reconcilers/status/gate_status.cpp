#include "reconcilers/status/gate_status.hpp"

#include "reconcilers/spec/packed_text.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <sstream>

namespace rg {
namespace {

using nlohmann::json;

std::string str(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t integer(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::optional<CheckOutcome> outcomeFrom(const std::string& text) {
  for (auto outcome : {CheckOutcome::Passed, CheckOutcome::Failed, CheckOutcome::Inconclusive,
                       CheckOutcome::Skipped})
    if (text == toString(outcome)) return outcome;
  return std::nullopt;
}

std::optional<Phase> phaseFrom(const std::string& text) {
  for (auto phase : {Phase::Pending, Phase::Passing, Phase::Failing, Phase::Paused,
                     Phase::RolledBack, Phase::Invalid, Phase::Inconclusive})
    if (text == toString(phase)) return phase;
  return std::nullopt;
}

void putIfSet(json& out, const char* key, const std::string& value) {
  if (!value.empty()) out[key] = value;
}

}  // namespace

std::string formatTime(Time time) {
  std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::string formatTimeMillis(Time time) {
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() % 1000;
  std::string seconds = formatTime(time);
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03d", static_cast<int>(millis));
  return seconds.substr(0, seconds.size() - 1) + fraction + "Z";
}

std::optional<Time> parseTime(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return std::nullopt;
  Time time = std::chrono::system_clock::from_time_t(timegm(&tm));
  // Optional fraction of a second, then Z.
  if (in.peek() == '.') {
    in.get();
    int digits = 0;
    int64_t fraction = 0;
    while (std::isdigit(in.peek())) {
      int digit = in.get() - '0';
      if (digits < 6) {
        fraction = fraction * 10 + digit;
        ++digits;
      }
    }
    while (digits++ < 6) fraction *= 10;
    time += std::chrono::microseconds(fraction);
  }
  return time;
}

const char* toString(Phase phase) {
  switch (phase) {
    case Phase::Pending:
      return "Pending";
    case Phase::Passing:
      return "Passing";
    case Phase::Failing:
      return "Failing";
    case Phase::Paused:
      return "Paused";
    case Phase::RolledBack:
      return "RolledBack";
    case Phase::Invalid:
      return "Invalid";
    case Phase::Inconclusive:
      return "Inconclusive";
  }
  return "Pending";
}

const CheckStatus* GateStatus::check(const std::string& name) const {
  for (const auto& c : checks)
    if (c.name == name) return &c;
  return nullptr;
}

const Condition* GateStatus::condition(const std::string& type) const {
  for (const auto& c : conditions)
    if (c.type == type) return &c;
  return nullptr;
}

void GateStatus::setCondition(Condition condition, const std::string& now) {
  for (auto& existing : conditions) {
    if (existing.type != condition.type) continue;
    condition.lastTransitionTime =
        existing.status == condition.status ? existing.lastTransitionTime : now;
    existing = std::move(condition);
    return;
  }
  condition.lastTransitionTime = now;
  conditions.push_back(std::move(condition));
}

GateStatus statusFromJson(const json& status) {
  GateStatus out;
  if (!status.is_object()) return out;
  out.observedGeneration = integer(status, "observedGeneration");
  out.phase = phaseFrom(str(status, "phase"));
  out.targetRevision = str(status, "targetRevision");
  out.targetUID = str(status, "targetUID");
  out.lastEvaluationTime = str(status, "lastEvaluationTime");
  if (auto it = status.find("baselines"); it != status.end() && it->is_object())
    for (const auto& [key, value] : it->items())
      if (value.is_string()) out.baselines[key] = value.get<std::string>();
  if (auto it = status.find("checks"); it != status.end() && it->is_array()) {
    for (const auto& item : *it) {
      if (!item.is_object()) continue;
      CheckStatus check;
      check.name = str(item, "name");
      check.result = outcomeFrom(str(item, "result")).value_or(CheckOutcome::Inconclusive);
      check.value = str(item, "value");
      check.message = str(item, "message");
      check.consecutiveFailures = integer(item, "consecutiveFailures");
      check.lastTransitionTime = str(item, "lastTransitionTime");
      check.consecutiveInconclusive = integer(item, "consecutiveInconclusive");
      if (!check.name.empty()) out.checks.push_back(std::move(check));
    }
  }
  if (auto it = status.find("lastAction"); it != status.end() && it->is_object()) {
    out.lastAction = LastAction{str(*it, "type"),           str(*it, "fromRevision"),
                                str(*it, "toRevision"),     str(*it, "badTemplateHash"),
                                str(*it, "toTemplateHash"), str(*it, "time"),
                                str(*it, "message")};
  }
  if (auto it = status.find("pausedByGate"); it != status.end() && it->is_boolean())
    out.pausedByGate = it->get<bool>();
  if (auto it = status.find("badTemplateHashes"); it != status.end() && it->is_array())
    for (const auto& hash : *it)
      if (hash.is_string()) out.badTemplateHashes.push_back(hash.get<std::string>());
  if (auto it = status.find("passedTemplateHashes"); it != status.end() && it->is_array())
    for (const auto& hash : *it)
      if (hash.is_string()) out.passedTemplateHashes.push_back(hash.get<std::string>());
  if (auto it = status.find("conditions"); it != status.end() && it->is_array()) {
    for (const auto& item : *it) {
      if (!item.is_object()) continue;
      out.conditions.push_back(
          {str(item, "type"), str(item, "status"), integer(item, "observedGeneration"),
           str(item, "lastTransitionTime"), str(item, "reason"), str(item, "message")});
    }
  }
  return out;
}

json toJson(const GateStatus& status) {
  json out = json::object();
  out["observedGeneration"] = status.observedGeneration;
  if (status.phase) out["phase"] = toString(*status.phase);
  putIfSet(out, "targetRevision", status.targetRevision);
  putIfSet(out, "targetUID", status.targetUID);
  putIfSet(out, "lastEvaluationTime", status.lastEvaluationTime);
  if (!status.baselines.empty()) out["baselines"] = status.baselines;
  json checks = json::array();
  for (const auto& check : status.checks) {
    json c = {{"name", check.name},
              {"result", toString(check.result)},
              {"consecutiveFailures", check.consecutiveFailures},
              {"consecutiveInconclusive", check.consecutiveInconclusive}};
    putIfSet(c, "value", check.value);
    putIfSet(c, "message", check.message);
    putIfSet(c, "lastTransitionTime", check.lastTransitionTime);
    checks.push_back(std::move(c));
  }
  out["checks"] = std::move(checks);
  if (status.lastAction) {
    json a = json::object();
    putIfSet(a, "type", status.lastAction->type);
    putIfSet(a, "fromRevision", status.lastAction->fromRevision);
    putIfSet(a, "toRevision", status.lastAction->toRevision);
    putIfSet(a, "badTemplateHash", status.lastAction->badTemplateHash);
    putIfSet(a, "toTemplateHash", status.lastAction->toTemplateHash);
    putIfSet(a, "time", status.lastAction->time);
    putIfSet(a, "message", status.lastAction->message);
    out["lastAction"] = std::move(a);
  }
  out["pausedByGate"] = status.pausedByGate;
  if (!status.badTemplateHashes.empty()) out["badTemplateHashes"] = status.badTemplateHashes;
  if (!status.passedTemplateHashes.empty())
    out["passedTemplateHashes"] = status.passedTemplateHashes;
  json conditions = json::array();
  for (const auto& c : status.conditions) {
    conditions.push_back({{"type", c.type},
                          {"status", c.status},
                          {"observedGeneration", c.observedGeneration},
                          {"lastTransitionTime", c.lastTransitionTime},
                          {"reason", c.reason},
                          {"message", c.message}});
  }
  out["conditions"] = std::move(conditions);
  return out;
}

void compactStoredStatus(json& gate) {
  if (!gate.is_object()) return;
  auto it = gate.find("status");
  if (it != gate.end() && it->is_object()) *it = packText(it->dump());
}

GateStatus storedStatus(const json& gate) {
  if (!gate.is_object()) return {};
  auto it = gate.find("status");
  if (it == gate.end()) return {};
  if (!isPackedText(*it)) return statusFromJson(*it);
  // Text that does not read reads as no status, as any status of the wrong type does.
  const auto text = unpackText(*it);
  return statusFromJson(text ? json::parse(*text, nullptr, false) : json());
}

}  // namespace rg
