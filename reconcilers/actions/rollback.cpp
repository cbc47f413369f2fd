#include "reconcilers/actions/rollback.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <span>
#include <stdexcept>
#include <string_view>

#include "kube/json_fields.hpp"
#include "kube/object_views.hpp"
#include "reconcilers/spec/packed_text.hpp"

namespace rg::actions {

using kube::isTrue;
using kube::objectAt;
using kube::stringAt;
using nlohmann::json;

const std::vector<std::string>& rollbackPreservedAnnotations() {
  static const std::vector<std::string> kSkipped = {
      std::string(kube::kLastAppliedAnnotation),     std::string(kube::kRevisionAnnotation),
      std::string(kube::kRevisionHistoryAnnotation), std::string(kube::kDesiredReplicasAnnotation),
      std::string(kube::kMaxReplicasAnnotation),     "deprecated.deployment.rollback.to",
  };
  return kSkipped;
}

bool keptFromDeployment(std::string_view annotation) {
  // The gates' own annotations describe the Deployment's present (who paused it, which templates
  // were rolled back); an old ReplicaSet's copy of them is stale, so they follow the Deployment.
  if (annotation.starts_with(kGateAnnotationPrefix)) return true;
  const auto& skipped = rollbackPreservedAnnotations();
  return std::find(skipped.begin(), skipped.end(), annotation) != skipped.end();
}

namespace {

// Pod templates are compared in place, without copies: a reconcile compares the target's template
// with its ReplicaSet's on every evaluation. `Skip` is the path of the one key ignored
// (metadata.labels.pod-template-hash from the template); empty below it.
using Skip = std::span<const std::string_view>;
constexpr std::array<std::string_view, 3> kHashLabelPath{"metadata", "labels",
                                                         kube::kPodTemplateHashLabel};

bool skipped(Skip skip, const std::string& key) {
  return skip.size() == 1 && skip[0] == key;
}

Skip below(Skip skip, const std::string& key) {
  return skip.size() > 1 && skip[0] == key ? skip.subspan(1) : Skip{};
}

// Null, an empty array, or an object holding nothing else: absent for Go's semantic equality
// (nil and empty maps and slices alike) and for the API server, which omits them.
bool absent(const json& value, Skip skip) {
  if (value.is_null()) return true;
  if (value.is_array()) return value.empty();
  if (!value.is_object()) return false;
  for (const auto& [key, member] : value.items())
    if (!skipped(skip, key) && !absent(member, below(skip, key))) return false;
  return true;
}

bool equalIgnoringAbsent(const json& a, const json& b, Skip skip) {
  const bool aAbsent = absent(a, skip);
  const bool bAbsent = absent(b, skip);
  if (aAbsent || bAbsent) return aAbsent && bAbsent;
  if (a.is_object() && b.is_object()) {
    for (const auto& [key, member] : a.items()) {
      if (skipped(skip, key)) continue;
      auto other = b.find(key);
      const bool same = other == b.end() ? absent(member, below(skip, key))
                                         : equalIgnoringAbsent(member, *other, below(skip, key));
      if (!same) return false;
    }
    for (const auto& [key, member] : b.items())
      if (!skipped(skip, key) && !a.contains(key) && !absent(member, below(skip, key)))
        return false;
    return true;
  }
  if (a.is_array() && b.is_array()) {
    // Elements keep their place: an element that is absent equals only an absent one.
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!equalIgnoringAbsent(a[i], b[i], {})) return false;
    return true;
  }
  return a == b;
}

// A copy without the skipped key and without absent values (null when the value is absent), with
// integral floats as integers (JSON's 1 and 1.0 compare equal): equal copies are exactly the
// values equalIgnoringAbsent finds equal, and they serialise alike.
json withoutAbsent(const json& value, Skip skip) {
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [key, member] : value.items()) {
      if (skipped(skip, key)) continue;
      json kept = withoutAbsent(member, below(skip, key));
      if (!kept.is_null()) out[key] = std::move(kept);
    }
    return out.empty() ? json() : out;
  }
  if (value.is_array()) {
    if (value.empty()) return json();
    json out = json::array();
    // Elements keep their place: an absent one becomes null.
    for (const auto& element : value) out.push_back(withoutAbsent(element, {}));
    return out;
  }
  if (value.is_number_float()) {
    const double number = value.get<double>();
    constexpr double kLimit = 9007199254740992.0;  // 2^53: every integer below is exact
    if (std::trunc(number) == number && std::abs(number) < kLimit)
      return static_cast<int64_t>(number);
  }
  return value;
}

void removeHashLabel(json& podTemplate) {
  if (!podTemplate.is_object()) return;
  auto metadata = podTemplate.find("metadata");
  if (metadata == podTemplate.end() || !metadata->is_object()) return;
  auto labels = metadata->find("labels");
  if (labels == metadata->end() || !labels->is_object()) return;
  labels->erase(std::string(kube::kPodTemplateHashLabel));
  // Go marshals an empty labels map with omitempty as no field at all.
  if (labels->empty()) metadata->erase(labels);
}

// The annotations kubectl writes: the Deployment's own values of the kept annotations, then every
// other annotation of the target ReplicaSet. Annotation values are strings; others are dropped.
json rollbackAnnotations(const json& deployment, const json& replicaSet) {
  json out = json::object();
  if (const json* own = kube::ObjectMetaView(deployment).annotations()) {
    for (const auto& [key, value] : own->items())
      if (keptFromDeployment(key) && value.is_string()) out[key] = value;
  }
  if (const json* copied = kube::ObjectMetaView(replicaSet).annotations()) {
    for (const auto& [key, value] : copied->items())
      if (!keptFromDeployment(key) && value.is_string()) out[key] = value;
  }
  return out;
}

struct Candidate {
  const json* replicaSet;
  int64_t revision;
  std::string name;
};

RollbackPlan refuse(RollbackPlan plan, RollbackRefusal refusal, std::string reason) {
  plan.possible = false;
  plan.refusal = refusal;
  plan.reason = std::move(reason);
  plan.jsonPatch = nullptr;
  return plan;
}

std::string joinHashes(const std::set<std::string>& hashes) {
  std::string out;
  for (const auto& hash : hashes) {
    if (!out.empty()) out += ',';
    out += hash;
  }
  return out;
}

}  // namespace

std::vector<std::reference_wrapper<const json>> controlledReplicaSets(
    const json& deployment, const kube::SharedObjects& replicaSets) {
  const kube::DeploymentView view(deployment);
  const std::string uid = view.uid();
  const std::string name = view.name();
  const std::string ns = view.namespaceName();
  std::vector<std::reference_wrapper<const json>> out;
  for (const auto& rs : replicaSets) {
    const kube::ReplicaSetView rsView(rs);
    const json* ref = rsView.controllerRef();
    if (!ref) continue;
    // Owner references only point within a namespace.
    const std::string rsNamespace = rsView.namespaceName();
    if (!ns.empty() && !rsNamespace.empty() && ns != rsNamespace) continue;
    bool controlled = false;
    if (!uid.empty()) {
      controlled = stringAt(*ref, "uid") == uid;
    } else {
      controlled =
          !name.empty() && stringAt(*ref, "kind") == "Deployment" && stringAt(*ref, "name") == name;
    }
    if (controlled) out.push_back(std::cref(rs));
  }
  return out;
}

bool templatesEqualIgnoringHash(const json& template1, const json& template2) {
  return equalIgnoringAbsent(template1, template2, kHashLabelPath);
}

std::string canonicalTemplateText(const json& podTemplate) {
  return withoutAbsent(podTemplate, kHashLabelPath).dump();
}

std::string canonicalTemplateDigest(const json& podTemplate) {
  const std::string text = canonicalTemplateText(podTemplate);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 of a pod template failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

namespace {

constexpr const char* kTemplateDigest = "templateDigest";

// spec.template as stored: an object, its packed text, or nullptr when neither.
const json* storedTemplate(const json& replicaSet) {
  const json* spec = objectAt(replicaSet, "spec");
  const json* stored = spec ? kube::member(*spec, "template") : nullptr;
  return stored && (stored->is_object() || isPackedText(*stored)) ? stored : nullptr;
}

}  // namespace

void addTemplateDigest(json& object) {
  const json* stored = storedTemplate(object);
  if (!stored || !stored->is_object()) return;
  std::string digest = canonicalTemplateDigest(*stored);
  object["spec"][kTemplateDigest] = std::move(digest);
}

void compactTemplate(json& object) {
  const json* stored = storedTemplate(object);
  if (!stored || !stored->is_object()) return;
  addTemplateDigest(object);
  object["spec"]["template"] = packText(stored->dump());
}

void compactReplicaSetTemplate(json& replicaSet) {
  const json* stored = storedTemplate(replicaSet);
  if (!stored || !stored->is_object()) return;
  const std::string hash = kube::PodTemplateView(stored).podTemplateHash();
  compactTemplate(replicaSet);
  if (hash.empty()) return;
  json& metadata = replicaSet["metadata"];
  if (!metadata.is_object()) metadata = json::object();
  json& labels = metadata["labels"];
  if (!labels.is_object()) labels = json::object();
  labels[std::string(kube::kPodTemplateHashLabel)] = hash;
}

bool hasTemplate(const json& object) {
  return storedTemplate(object) != nullptr;
}

std::optional<json> templateObject(const json& object) {
  const json* stored = storedTemplate(object);
  if (!stored) return std::nullopt;
  if (stored->is_object()) return *stored;
  const auto text = unpackText(*stored);
  json parsed = text ? json::parse(*text, nullptr, false) : json();
  if (!parsed.is_object()) return std::nullopt;
  return parsed;
}

kube::ObjectPtr withTemplateObject(const kube::ObjectPtr& object) {
  const json* stored = object ? storedTemplate(*object) : nullptr;
  if (!stored || stored->is_object()) return object;
  auto parsed = templateObject(*object);
  auto expanded = std::make_shared<json>(*object);
  if (parsed)
    (*expanded)["spec"]["template"] = std::move(*parsed);
  else
    (*expanded)["spec"].erase("template");
  return expanded;
}

namespace {

// spec.templateDigest as the cache recorded it; "" when there is none.
std::string recordedDigest(const json& object) {
  const json* spec = objectAt(object, "spec");
  const json* digest = spec ? kube::member(*spec, kTemplateDigest) : nullptr;
  return digest && digest->is_string() ? digest->get<std::string>() : std::string();
}

// The digest of the object's template: recorded, else computed; "" when it has none.
std::string templateDigest(const json& object) {
  std::string digest = recordedDigest(object);
  if (!digest.empty()) return digest;
  auto podTemplate = templateObject(object);
  return podTemplate ? canonicalTemplateDigest(*podTemplate) : std::string();
}

}  // namespace

std::optional<bool> replicaSetTemplateMatches(const json& replicaSet, const json& deployment) {
  const json* own = storedTemplate(replicaSet);
  const json* theirs = storedTemplate(deployment);
  if (!own || !theirs) return std::nullopt;
  if (own->is_object() && theirs->is_object()) return templatesEqualIgnoringHash(*own, *theirs);
  const std::string ownDigest = templateDigest(replicaSet);
  const std::string theirDigest = templateDigest(deployment);
  if (ownDigest.empty() || theirDigest.empty()) return std::nullopt;
  return ownDigest == theirDigest;
}

const char* toString(RollbackRefusal refusal) {
  switch (refusal) {
    case RollbackRefusal::None:
      return "None";
    case RollbackRefusal::RolloutNotObserved:
      return "RolloutNotObserved";
    case RollbackRefusal::NoPreviousRevision:
      return "NoPreviousRevision";
    case RollbackRefusal::Paused:
      return "Paused";
    case RollbackRefusal::TemplateAlreadyMatches:
      return "TemplateAlreadyMatches";
    case RollbackRefusal::NoTemplate:
      return "NoTemplate";
    case RollbackRefusal::TargetIsBad:
      return "TargetIsBad";
  }
  return "Unknown";
}

RollbackPlan planRollback(const json& deployment, const kube::SharedObjects& replicaSets) {
  RollbackPlan plan;

  // Revision annotations are only meaningful once the controller has seen the current spec:
  // before that, a new template has no ReplicaSet yet and "previous" would be wrong.
  const kube::DeploymentView view(deployment);
  const int64_t generation = view.generation().value_or(-1);
  const int64_t observed = view.observedGeneration().value_or(-1);
  // Either field missing (manifests, minimal servers): nothing to compare.
  if (generation >= 0 && observed >= 0 && observed < generation) {
    return refuse(std::move(plan), RollbackRefusal::RolloutNotObserved,
                  "the deployment controller has not observed generation " +
                      std::to_string(generation) + " yet (observed " + std::to_string(observed) +
                      ")");
  }

  // Controlled ReplicaSets with a readable revision, in name order: the order the API server
  // lists them to kubectl, which decides ties.
  std::vector<Candidate> candidates;
  for (const json& rs : controlledReplicaSets(deployment, replicaSets)) {
    const kube::ReplicaSetView view(rs);
    if (auto revision = view.revision()) candidates.push_back({&rs, *revision, view.name()});
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& l, const Candidate& r) { return l.name < r.name; });

  const Candidate* current = nullptr;
  const Candidate* target = nullptr;
  if (auto revision = kube::DeploymentView(deployment).revision()) {
    plan.fromRevision = *revision;
    for (const auto& c : candidates) {
      if (c.revision == *revision && !current) current = &c;
      if (c.revision < *revision && (!target || c.revision > target->revision)) target = &c;
    }
  } else {
    // kubectl's deploymentRevision with toRevision 0: latest and second-latest as listed.
    int64_t latest = -1;
    int64_t previous = -1;
    for (const auto& c : candidates) {
      if (latest < c.revision) {
        previous = latest;
        target = current;
        latest = c.revision;
        current = &c;
      } else if (previous < c.revision) {
        previous = c.revision;
        target = &c;
      }
    }
    if (current) plan.fromRevision = current->revision;
  }

  plan.badTemplateHash =
      current ? kube::ReplicaSetView(*current->replicaSet).podTemplateHash() : "";
  if (plan.badTemplateHash.empty()) plan.badTemplateHash = view.podTemplateView().podTemplateHash();

  if (!target) {
    return refuse(std::move(plan), RollbackRefusal::NoPreviousRevision,
                  "no previous revision to roll back to");
  }
  plan.toRevision = target->revision;
  plan.toReplicaSet = target->name;
  plan.toTemplateHash = kube::ReplicaSetView(*target->replicaSet).podTemplateHash();

  // Current kubectl's wording; kubectl 1.32 prints the same without "deployment/<name>".
  const json* spec = objectAt(deployment, "spec");
  if (spec && isTrue(*spec, "paused")) {
    const std::string name = kube::DeploymentView(deployment).name();
    return refuse(std::move(plan), RollbackRefusal::Paused,
                  "you cannot rollback a paused deployment; resume it first with 'kubectl "
                  "rollout resume deployment/" +
                      name + "' and try again");
  }

  std::optional<json> targetTemplate = templateObject(*target->replicaSet);
  if (!targetTemplate) {
    return refuse(std::move(plan), RollbackRefusal::NoTemplate,
                  "ReplicaSet " + target->name + " of revision " +
                      std::to_string(target->revision) + " has no pod template");
  }
  // kubectl prints its --to-revision value here (0 for a plain undo); the real revision says more.
  const json* podTemplate = view.podTemplate();
  if (templatesEqualIgnoringHash(*targetTemplate, podTemplate ? *podTemplate : json::object())) {
    return refuse(std::move(plan), RollbackRefusal::TemplateAlreadyMatches,
                  "skipped rollback (current template already matches revision " +
                      std::to_string(target->revision) + ")");
  }

  json restored = std::move(*targetTemplate);
  removeHashLabel(restored);
  plan.jsonPatch = json::array({
      {{"op", "replace"}, {"path", "/spec/template"}, {"value", std::move(restored)}},
      {{"op", "replace"},
       {"path", "/metadata/annotations"},
       {"value", rollbackAnnotations(deployment, *target->replicaSet)}},
  });
  plan.possible = true;
  plan.refusal = RollbackRefusal::None;
  plan.reason.clear();
  return plan;
}

RollbackPlan planRollback(const json& deployment, const kube::SharedObjects& replicaSets,
                          const std::set<std::string>& badHashes) {
  return refuseBadTarget(planRollback(deployment, replicaSets), badHashes);
}

bool isBadTemplateHash(std::string_view hash, const std::set<std::string>& badHashes) {
  return !hash.empty() && badHashes.contains(std::string(hash));
}

bool isBadRevision(const json& replicaSet, const std::set<std::string>& badHashes) {
  return isBadTemplateHash(kube::ReplicaSetView(replicaSet).podTemplateHash(), badHashes);
}

RollbackPlan refuseBadTarget(RollbackPlan plan, const std::set<std::string>& badHashes) {
  if (!plan.possible || !isBadTemplateHash(plan.toTemplateHash, badHashes)) return plan;
  const std::string revision = std::to_string(plan.toRevision);
  const std::string hash = plan.toTemplateHash;
  return refuse(std::move(plan), RollbackRefusal::TargetIsBad,
                "revision " + revision + " (pod-template-hash " + hash +
                    ") was rolled back before; not rolling forward to it");
}

bool alreadyRolledBack(const RollbackPlan& plan, const LastAction& lastAction) {
  return lastAction.type == "Rollback" && lastAction.badTemplateHash == plan.badTemplateHash &&
         kube::parseRevision(lastAction.fromRevision) == plan.fromRevision;
}

bool alreadyRolledBack(const RollbackPlan& plan, const std::optional<LastAction>& lastAction) {
  return lastAction && alreadyRolledBack(plan, *lastAction);
}

std::set<std::string> recordedBadHashes(const json& deployment) {
  std::set<std::string> out;
  auto text = kube::ObjectMetaView(deployment).annotation(kBadTemplateHashesAnnotation);
  if (!text) return out;
  size_t start = 0;
  while (start <= text->size()) {
    size_t end = text->find(',', start);
    if (end == std::string::npos) end = text->size();
    std::string hash = text->substr(start, end - start);
    if (!hash.empty()) out.insert(std::move(hash));
    start = end + 1;
  }
  return out;
}

void recordBadHash(RollbackPlan& plan, const std::set<std::string>& known) {
  if (!plan.possible || plan.badTemplateHash.empty() || !plan.jsonPatch.is_array()) return;
  std::set<std::string> hashes = known;
  hashes.insert(plan.badTemplateHash);
  // RFC 6901 escaping of the annotation key: "~" as "~0", "/" as "~1".
  std::string pointer = "/metadata/annotations/";
  for (char c : kBadTemplateHashesAnnotation) {
    if (c == '~')
      pointer += "~0";
    else if (c == '/')
      pointer += "~1";
    else
      pointer += c;
  }
  plan.jsonPatch.push_back({{"op", "add"}, {"path", pointer}, {"value", joinHashes(hashes)}});
}

}  // namespace rg::actions
