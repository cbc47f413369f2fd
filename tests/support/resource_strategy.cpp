#include "tests/support/resource_strategy.hpp"

#include <random>

#include "tests/support/api_errors.hpp"
#include "tests/support/k8s_util.hpp"

namespace rg::testing {
namespace {

using json = nlohmann::json;

std::string randomSuffix() {
  // The alphabet of k8s.io/apimachinery/pkg/util/rand.String (no vowels, no confusables).
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  std::string out;
  for (int i = 0; i < 5; ++i) out += kAlphabet[pick(rng)];
  return out;
}

// DNS-1123 subdomain: dot-separated labels of [a-z0-9-], each starting and ending
// alphanumeric, at most 253 characters.
bool isDnsSubdomain(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    if (end == std::string::npos) end = name.size();
    if (end == start) return false;
    for (size_t i = start; i < end; ++i) {
      const char c = name[i];
      const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (!alnum && !(c == '-' && i != start && i + 1 != end)) return false;
    }
    start = end + 1;
  }
  return true;
}

void validateName(const ResourceInfo& info, const std::string& name) {
  if (!isDnsSubdomain(name)) {
    throw invalid(info.group, info.kind, name,
                  "metadata.name: Invalid value: \"" + name +
                      "\": a lowercase RFC 1123 subdomain must consist of lower case "
                      "alphanumeric characters, '-' or '.', and must start and end with an "
                      "alphanumeric character");
  }
}

void applyDefaults(const ResourceInfo& info, json& obj) {
  if (info.custom) return;
  auto& spec = obj["spec"];
  if (info.group == "apps" && (info.kind == "Deployment" || info.kind == "ReplicaSet")) {
    if (!spec.is_object()) spec = json::object();
    if (!spec.contains("replicas")) spec["replicas"] = 1;
    if (info.kind == "Deployment") {
      if (!spec.contains("strategy")) {
        spec["strategy"] = {{"type", "RollingUpdate"},
                            {"rollingUpdate", {{"maxUnavailable", "25%"}, {"maxSurge", "25%"}}}};
      }
      if (!spec.contains("revisionHistoryLimit")) spec["revisionHistoryLimit"] = 10;
      if (!spec.contains("progressDeadlineSeconds")) spec["progressDeadlineSeconds"] = 600;
    }
  }
  if (spec.is_null()) obj.erase("spec");
  if (info.group.empty() && info.kind == "Secret" && !obj.contains("type")) obj["type"] = "Opaque";
  if (info.group.empty() && info.kind == "Namespace") obj["status"]["phase"] = "Active";
}

// Everything but metadata and status: what metadata.generation tracks.
json generationContent(const json& obj) {
  json c = obj;
  if (c.is_object()) {
    c.erase("metadata");
    c.erase("status");
    c.erase("apiVersion");
    c.erase("kind");
  }
  return c;
}

void setTypeMeta(const ResourceInfo& info, json& obj) {
  obj["apiVersion"] = info.apiVersion();
  obj["kind"] = info.kind;
}

void checkTypeMeta(const ResourceInfo& info, const json& obj) {
  const std::string apiVersion = obj.value("apiVersion", "");
  const std::string kind = obj.value("kind", "");
  if (!kind.empty() && kind != info.kind) {
    throw badRequest("the kind in the data (" + kind + ") does not match the expected kind (" +
                     info.kind + ")");
  }
  if (!apiVersion.empty()) {
    const auto slash = apiVersion.find('/');
    const std::string group = slash == std::string::npos ? "" : apiVersion.substr(0, slash);
    if (group != info.group) {
      throw badRequest("the API version in the data (" + apiVersion +
                       ") does not match the expected API version (" + info.apiVersion() + ")");
    }
  }
}

}  // namespace

void prepareForCreate(const ResourceInfo& info, json& obj, const std::string& ns,
                      WriteOrigin origin) {
  if (!obj.is_object()) throw badRequest("the body of the request must be a JSON object");
  checkTypeMeta(info, obj);
  setTypeMeta(info, obj);
  json& meta = obj["metadata"];
  if (!meta.is_object()) meta = json::object();
  std::string name = meta.value("name", "");
  if (name.empty()) {
    const std::string generateName = meta.value("generateName", "");
    if (generateName.empty()) {
      throw invalid(info.group, info.kind, "",
                    "metadata.name: Required value: name or generateName is required");
    }
    name = generateName + randomSuffix();
    meta["name"] = name;
  }
  validateName(info, name);
  if (info.namespaced) {
    const std::string bodyNs = meta.value("namespace", "");
    if (!bodyNs.empty() && !ns.empty() && bodyNs != ns) {
      throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the "
          "request");
    }
    const std::string effective = ns.empty() ? bodyNs : ns;
    if (effective.empty()) {
      throw badRequest("the server could not find the requested resource: namespace required");
    }
    meta["namespace"] = effective;
  } else {
    meta.erase("namespace");
  }
  const bool direct = origin == WriteOrigin::Direct;
  if (!direct || !meta.contains("uid")) meta["uid"] = newUid();
  if (!direct || !meta.contains("creationTimestamp") || meta["creationTimestamp"].is_null()) {
    meta["creationTimestamp"] = nowRfc3339();
  }
  if (!direct || !meta.contains("generation")) meta["generation"] = 1;
  meta.erase("resourceVersion");
  meta.erase("deletionTimestamp");
  meta.erase("deletionGracePeriodSeconds");
  meta.erase("managedFields");
  meta.erase("selfLink");
  if (info.hasStatus && !direct) obj.erase("status");
  applyDefaults(info, obj);
}

json prepareForUpdate(const ResourceInfo& info, const json& current, json incoming,
                      UpdateScope scope) {
  if (!incoming.is_object()) throw badRequest("the body of the request must be a JSON object");
  if (scope == UpdateScope::Status) {
    json result = current;
    if (incoming.contains("status")) {
      result["status"] = incoming["status"];
    } else {
      result.erase("status");
    }
    return result;
  }
  checkTypeMeta(info, incoming);
  setTypeMeta(info, incoming);
  const json& cur = current.at("metadata");
  json& meta = incoming["metadata"];
  if (!meta.is_object()) meta = json::object();
  const std::string name = cur.value("name", "");
  if (meta.contains("name") && meta["name"] != name) {
    throw badRequest("the name of the object (" + meta.value("name", "") +
                     ") does not match the name on the URL (" + name + ")");
  }
  if (info.namespaced && meta.contains("namespace") && meta["namespace"] != cur["namespace"] &&
      !meta["namespace"].is_null() && !meta.value("namespace", "").empty()) {
    throw badRequest(
        "the namespace of the provided object does not match the namespace sent on the request");
  }
  for (const char* field : {"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                            "deletionGracePeriodSeconds", "generation", "resourceVersion"}) {
    if (cur.contains(field)) {
      meta[field] = cur[field];
    } else {
      meta.erase(field);
    }
  }
  meta.erase("managedFields");
  if (scope == UpdateScope::Main && info.hasStatus) {
    if (current.contains("status")) {
      incoming["status"] = current["status"];
    } else {
      incoming.erase("status");
    }
  }
  applyDefaults(info, incoming);
  if (generationContent(incoming) != generationContent(current)) {
    meta["generation"] = cur.value("generation", 0) + 1;
  }
  return incoming;
}

void setCrdAcceptedStatus(json& crd) {
  const json names = crd.value("/spec/names"_json_pointer, json::object());
  json accepted = names;
  if (!accepted.contains("singular")) accepted["singular"] = toLower(names.value("kind", ""));
  if (!accepted.contains("listKind")) accepted["listKind"] = names.value("kind", "") + "List";
  json stored = json::array();
  for (const auto& v : crd.value("/spec/versions"_json_pointer, json::array())) {
    if (v.value("storage", false)) stored.push_back(v.value("name", ""));
  }
  const std::string now = nowRfc3339();
  crd["status"] = {{"acceptedNames", accepted},
                   {"storedVersions", stored},
                   {"conditions",
                    {{{"type", "NamesAccepted"},
                      {"status", "True"},
                      {"reason", "NoConflicts"},
                      {"message", "no conflicts found"},
                      {"lastTransitionTime", now}},
                     {{"type", "Established"},
                      {"status", "True"},
                      {"reason", "InitialNamesAccepted"},
                      {"message", "the initial names have been accepted"},
                      {"lastTransitionTime", now}}}}};
}

bool sameContent(const json& a, const json& b) {
  json x = a;
  json y = b;
  if (x.contains("metadata")) x["metadata"].erase("resourceVersion");
  if (y.contains("metadata")) y["metadata"].erase("resourceVersion");
  return x == y;
}

}  // namespace rg::testing
