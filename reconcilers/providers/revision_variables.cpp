#include "reconcilers/providers/revision_variables.hpp"

#include <algorithm>
#include <charconv>

#include "kube/json_fields.hpp"
#include "kube/object_views.hpp"
#include "kube/text.hpp"

namespace rg::providers {
namespace {

using nlohmann::json;

// One `{{...}}` occurrence: where it starts and ends in the text, and the trimmed name.
struct Reference {
  std::size_t begin = 0;
  std::size_t end = 0;  // one past the closing braces
  std::string_view name;
  std::string_view written;
};

// Every reference in `text`; `unclosed` is set to the position of a `{{` without `}}`.
std::vector<Reference> references(std::string_view text, std::size_t* unclosed = nullptr) {
  std::vector<Reference> out;
  std::size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string_view::npos) {
    std::size_t close = text.find("}}", pos + 2);
    if (close == std::string_view::npos) {
      if (unclosed) *unclosed = pos;
      break;
    }
    Reference ref;
    ref.begin = pos;
    ref.end = close + 2;
    ref.name = kube::trimBlanks(text.substr(pos + 2, close - pos - 2));
    ref.written = text.substr(pos, ref.end - pos);
    out.push_back(ref);
    pos = ref.end;
  }
  return out;
}

const std::string* valueOf(std::string_view name, const RevisionVariables& values) {
  if (name == "namespace") return &values.namespace_;
  if (name == "name") return &values.name;
  if (name == "revision") return &values.revision;
  if (name == "podTemplateHash") return &values.podTemplateHash;
  if (name == "gate") return &values.gate;
  return nullptr;
}

bool isKnown(std::string_view name) {
  const auto& known = knownVariables();
  return std::find(known.begin(), known.end(), name) != known.end();
}

bool isSafe(const std::string& value) {
  return std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// Why a variable can be empty, for the Inconclusive message.
std::string missingReason(std::string_view name) {
  if (name == "revision") return "the Deployment has no deployment.kubernetes.io/revision yet";
  if (name == "podTemplateHash") return "no ReplicaSet of the current revision yet";
  return "not known";
}

std::optional<long long> revisionNumber(const std::string& text) {
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0)
    return std::nullopt;
  return value;
}

// A ReplicaSet whose controller is another object is not the target's, even if a cache or a
// manifest set listed it.
bool controlledBy(const json& rs, const json& deployment) {
  const json* owner = kube::ReplicaSetView(rs).controllerRef();
  if (!owner) return true;
  const kube::DeploymentView target(deployment);
  auto text = [owner](std::string_view key) { return kube::stringAt(*owner, key).value_or(""); };
  if (text("kind") != "Deployment" || text("name") != target.name()) return false;
  const std::string uid = target.uid();
  return uid.empty() || text("uid").empty() || text("uid") == uid;
}

struct Revision {
  long long number = 0;
  std::string text;
  std::string hash;
};

std::vector<Revision> controlledRevisions(const Workload& workload) {
  std::vector<Revision> out;
  for (const auto& rs : workload.replicaSets) {
    if (!rs.is_object() || !controlledBy(rs, workload.deployment)) continue;
    const kube::ReplicaSetView view(rs);
    std::string text = view.revisionText();
    auto number = revisionNumber(text);
    if (!number) continue;
    out.push_back({*number, text, view.label(kube::kPodTemplateHashLabel).value_or("")});
  }
  return out;
}

RevisionVariables base(const Gate& gate) {
  RevisionVariables out;
  out.namespace_ = gate.namespace_;
  out.name = gate.spec.targetRef.name;
  out.gate = gate.name;
  return out;
}

}  // namespace

const std::vector<std::string>& knownVariables() {
  static const std::vector<std::string> kKnown = {"namespace", "name", "revision",
                                                  "podTemplateHash", "gate"};
  return kKnown;
}

std::vector<std::string> unknownVariables(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& ref : references(text)) {
    if (isKnown(ref.name)) continue;
    std::string written(ref.written);
    if (std::find(out.begin(), out.end(), written) == out.end()) out.push_back(std::move(written));
  }
  return out;
}

std::string variablesError(std::string_view text) {
  std::size_t unclosed = std::string_view::npos;
  references(text, &unclosed);
  if (unclosed != std::string_view::npos)
    return "unclosed {{ at character " + std::to_string(unclosed + 1) +
           "; known variables: " + joined(knownVariables());
  auto unknown = unknownVariables(text);
  if (unknown.empty()) return "";
  return std::string(unknown.size() == 1 ? "unknown variable " : "unknown variables ") +
         joined(unknown) + "; known: " + joined(knownVariables());
}

bool usesVariables(std::string_view text) {
  auto refs = references(text);
  return std::any_of(refs.begin(), refs.end(), [](const Reference& r) { return isKnown(r.name); });
}

std::string expandVariables(std::string_view text, const RevisionVariables& values) {
  std::string out;
  std::size_t pos = 0;
  for (const auto& ref : references(text)) {
    const std::string* value = valueOf(ref.name, values);
    if (!value) continue;  // unknown: stays as written
    out.append(text.substr(pos, ref.begin - pos));
    out += *value;
    pos = ref.end;
  }
  out.append(text.substr(pos));
  return out;
}

std::string expansionProblem(std::string_view text, const RevisionVariables& values) {
  for (const auto& ref : references(text)) {
    const std::string* value = valueOf(ref.name, values);
    if (!value) continue;
    if (value->empty())
      return "{{" + std::string(ref.name) + "}} has no value yet: " + missingReason(ref.name);
    if (!isSafe(*value))
      return "{{" + std::string(ref.name) +
             "}} has a value with characters outside [A-Za-z0-9._-]; not run";
  }
  return "";
}

RevisionVariables revisionVariables(const Gate& gate, const Workload& workload) {
  RevisionVariables out = base(gate);
  out.revision = kube::DeploymentView(workload.deployment).revisionText();
  auto current = revisionNumber(out.revision);
  if (!current) return out;
  for (const auto& rs : controlledRevisions(workload)) {
    if (rs.number == *current) {
      out.podTemplateHash = rs.hash;
      break;
    }
  }
  return out;
}

std::optional<RevisionVariables> previousRevisionVariables(
    const Gate& gate, const Workload& workload, const std::vector<std::string>& skipHashes) {
  auto current = revisionNumber(kube::DeploymentView(workload.deployment).revisionText());
  if (!current) return std::nullopt;
  std::optional<Revision> best;
  for (auto& rs : controlledRevisions(workload)) {
    if (rs.number >= *current) continue;
    if (std::find(skipHashes.begin(), skipHashes.end(), rs.hash) != skipHashes.end()) continue;
    if (!best || rs.number > best->number) best = rs;
  }
  if (!best) return std::nullopt;
  RevisionVariables out = base(gate);
  out.revision = best->text;
  out.podTemplateHash = best->hash;
  return out;
}

}  // namespace rg::providers
