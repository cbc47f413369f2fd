#include "reconcilers/check_body_parser.hpp"

#include <regex>
#include <set>

#include "reconcilers/providers/revision_variables.hpp"

namespace rg {
namespace {

using nlohmann::json;

std::optional<QuantityRange> parseRange(SpecReader& r, const json& parent,
                                        const FieldPath& parentPath, const std::string& key) {
  const json* range = r.object(parent, parentPath, key);
  if (!range) return std::nullopt;
  FieldPath path = parentPath.child(key);
  QuantityRange out;
  out.min = r.quantity(*range, path, "min");
  out.max = r.quantity(*range, path, "max");
  if (!range->contains("min") && !range->contains("max")) {
    r.error(path, "needs at least one of min, max");
  } else if (out.min && out.max && *out.min > *out.max) {
    r.error(path, "min " + out.min->text() + " is above max " + out.max->text());
  }
  return out;
}

ProbesCheck parseProbes(SpecReader& r, const json& body, const FieldPath& path) {
  ProbesCheck out;
  SpecReader::assign(out.readiness, r.boolean(body, path, "readiness"));
  SpecReader::assign(out.liveness, r.boolean(body, path, "liveness"));
  SpecReader::assign(out.startup, r.boolean(body, path, "startup"));
  if (!out.readiness && !out.liveness && !out.startup)
    r.error(path, "requires no probe: set at least one of readiness, liveness, startup");
  return out;
}

ResourcesCheck parseResources(SpecReader& r, const json& body, const FieldPath& path) {
  ResourcesCheck out;
  SpecReader::assign(out.requireRequests, r.boolean(body, path, "requireRequests"));
  SpecReader::assign(out.requireLimits, r.boolean(body, path, "requireLimits"));
  SpecReader::assign(out.includeInitContainers, r.boolean(body, path, "includeInitContainers"));
  out.cpu = parseRange(r, body, path, "cpu");
  out.memory = parseRange(r, body, path, "memory");
  return out;
}

SecretsCheck parseSecrets(SpecReader& r, const json& body, const FieldPath& path) {
  SecretsCheck out;
  SpecReader::assign(out.referenced, r.boolean(body, path, "referenced"));
  const json* required = r.list(body, path, "required");
  if (!required) return out;
  FieldPath listPath = path.child("required");
  std::set<std::string> seen;
  for (size_t i = 0; i < required->size(); ++i) {
    FieldPath itemPath = listPath.item(i);
    const json& item = (*required)[i];
    if (!item.is_object()) {
      r.error(itemPath, "must be an object with name and keys, got " + describe(item));
      continue;
    }
    r.rejectUnknownKeys(item, itemPath);
    RequiredSecret secret;
    SpecReader::assign(secret.name, r.string(item, itemPath, "name", true));
    SpecReader::assign(secret.keys, r.stringList(item, itemPath, "keys"));
    if (!secret.name.empty() && !seen.insert(secret.name).second)
      r.error(itemPath.child("name"), "secret \"" + secret.name + "\" is listed twice");
    out.required.push_back(std::move(secret));
  }
  return out;
}

EnvCheck parseEnv(SpecReader& r, const json& body, const FieldPath& path) {
  EnvCheck out;
  SpecReader::assign(out.required, r.stringList(body, path, "required"));
  SpecReader::assign(out.forbidden, r.stringList(body, path, "forbidden"));
  SpecReader::assign(out.rejectLiteralSecrets, r.boolean(body, path, "rejectLiteralSecrets"));
  SpecReader::assign(out.includeInitContainers, r.boolean(body, path, "includeInitContainers"));
  auto it = body.find("equals");
  if (it != body.end() && !it->is_null()) {
    FieldPath equalsPath = path.child("equals");
    if (!it->is_object()) {
      r.error(equalsPath, "must be a map of variable name to value, got " + describe(*it));
    } else {
      for (const auto& [name, value] : it->items()) {
        if (!value.is_string()) {
          // YAML turns unquoted false/true/8080 into non-strings; env values are strings.
          r.error(equalsPath.child(name),
                  "must be a string, got " + describe(value) + " (quote it: \"" +
                      (value.is_primitive() ? describe(value) : std::string("...")) + "\")");
          continue;
        }
        out.equals[name] = value.get<std::string>();
      }
    }
  }
  for (const auto& name : out.forbidden) {
    if (std::find(out.required.begin(), out.required.end(), name) != out.required.end() ||
        out.equals.contains(name))
      r.error(path.child("forbidden"), "\"" + name + "\" is both forbidden and required");
  }
  return out;
}

ReplicasCheck parseReplicas(SpecReader& r, const json& body, const FieldPath& path) {
  ReplicasCheck out;
  out.min = r.integer(body, path, "min");
  out.minAvailablePercent = r.integer(body, path, "minAvailablePercent");
  if (out.min && *out.min < 0) r.error(path.child("min"), "must not be negative");
  if (out.minAvailablePercent && (*out.minAvailablePercent < 0 || *out.minAvailablePercent > 100))
    r.error(path.child("minAvailablePercent"), "must be between 0 and 100");
  if (!body.contains("min") && !body.contains("minAvailablePercent"))
    r.error(path, "needs at least one of min, minAvailablePercent");
  return out;
}

SecurityCheck parseSecurity(SpecReader& r, const json& body, const FieldPath& path) {
  SecurityCheck out;
  SpecReader::assign(out.runAsNonRoot, r.boolean(body, path, "runAsNonRoot"));
  SpecReader::assign(out.forbidPrivileged, r.boolean(body, path, "forbidPrivileged"));
  SpecReader::assign(out.forbidLatestTag, r.boolean(body, path, "forbidLatestTag"));
  SpecReader::assign(out.readOnlyRootFilesystem, r.boolean(body, path, "readOnlyRootFilesystem"));
  SpecReader::assign(out.includeInitContainers, r.boolean(body, path, "includeInitContainers"));
  return out;
}

void requireHttpUrl(SpecReader& r, const std::string& url, const FieldPath& path) {
  static const std::regex kUrl(R"(^https?://[^/\s?#]+([/?#]\S*)?$)");
  // Variables are judged by the URL they make: `http://{{name}}.{{namespace}}.svc/` is one.
  static const providers::RevisionVariables kSample{"x", "x", "x", "x", "x"};
  if (!std::regex_match(providers::expandVariables(url, kSample), kUrl))
    r.error(path, "\"" + url + "\" is not an http:// or https:// URL");
}

// False (and an error naming the field) when `text` uses an unknown variable or leaves a `{{`
// open.
bool variablesValid(SpecReader& r, const std::string& text, const FieldPath& path) {
  std::string error = providers::variablesError(text);
  if (error.empty()) return true;
  r.error(path, error);
  return false;
}

void requirePositive(SpecReader& r, const kube::Duration& d, const FieldPath& path) {
  if (d.value().count() <= 0) r.error(path, "must be greater than 0");
}

HttpCheck parseHttp(SpecReader& r, const json& body, const FieldPath& path) {
  HttpCheck out;
  if (auto url = r.string(body, path, "url", true)) {
    if (variablesValid(r, *url, path.child("url"))) requireHttpUrl(r, *url, path.child("url"));
    out.url = *url;
  }
  if (auto method = r.string(body, path, "method")) {
    static const std::set<std::string> kMethods = {"GET",   "HEAD",   "POST",   "PUT",
                                                   "PATCH", "DELETE", "OPTIONS"};
    if (!kMethods.contains(*method))
      r.error(path.child("method"), "\"" + *method +
                                        "\" is not one of GET, HEAD, POST, PUT, "
                                        "PATCH, DELETE, OPTIONS");
    out.method = *method;
  }
  if (const json* statuses = r.list(body, path, "expectedStatus")) {
    out.expectedStatus.clear();
    FieldPath listPath = path.child("expectedStatus");
    for (size_t i = 0; i < statuses->size(); ++i) {
      const json& code = (*statuses)[i];
      if (!code.is_number_integer() || code.get<int64_t>() < 100 || code.get<int64_t>() > 599) {
        r.error(listPath.item(i), describe(code) + " is not an HTTP status code (100-599)");
        continue;
      }
      out.expectedStatus.push_back(code.get<int>());
    }
    if (statuses->empty()) r.error(listPath, "must list at least one status code");
  }
  SpecReader::assign(out.bodyContains, r.string(body, path, "bodyContains"));
  if (auto timeout = r.duration(body, path, "timeout")) {
    requirePositive(r, *timeout, path.child("timeout"));
    out.timeout = *timeout;
  }
  return out;
}

PrometheusCheck parsePrometheus(SpecReader& r, const json& body, const FieldPath& path) {
  PrometheusCheck out;
  if (auto address = r.string(body, path, "address", true)) {
    requireHttpUrl(r, *address, path.child("address"));
    out.address = *address;
  }
  SpecReader::assign(out.query, r.string(body, path, "query", true));
  variablesValid(r, out.query, path.child("query"));
  if (auto timeout = r.duration(body, path, "timeout")) {
    requirePositive(r, *timeout, path.child("timeout"));
    out.timeout = *timeout;
  }
  return out;
}

RolloutCheck parseRollout(SpecReader& r, const json& body, const FieldPath& path) {
  RolloutCheck out;
  if (auto restarts = r.integer(body, path, "maxRestarts")) {
    if (*restarts < 0) r.error(path.child("maxRestarts"), "must not be negative");
    out.maxRestarts = *restarts;
  }
  if (auto timeout = r.duration(body, path, "readyTimeout")) {
    requirePositive(r, *timeout, path.child("readyTimeout"));
    out.readyTimeout = *timeout;
  }
  return out;
}

}  // namespace

std::optional<CheckBody> parseCheckBody(SpecReader& reader, const std::string& key,
                                        const json& body, const FieldPath& path) {
  size_t before = reader.errorCount();
  std::optional<CheckBody> out;
  if (key == "probes") out = parseProbes(reader, body, path);
  if (key == "resources") out = parseResources(reader, body, path);
  if (key == "secrets") out = parseSecrets(reader, body, path);
  if (key == "env") out = parseEnv(reader, body, path);
  if (key == "replicas") out = parseReplicas(reader, body, path);
  if (key == "security") out = parseSecurity(reader, body, path);
  if (key == "http") out = parseHttp(reader, body, path);
  if (key == "prometheus") out = parsePrometheus(reader, body, path);
  if (key == "rollout") out = parseRollout(reader, body, path);
  if (reader.errorCount() != before) return std::nullopt;
  return out;
}

std::optional<Threshold> parseThreshold(SpecReader& r, const json& threshold,
                                        const FieldPath& path) {
  Threshold out;
  out.min = r.number(threshold, path, "min");
  out.max = r.number(threshold, path, "max");
  out.maxIncreasePercent = r.number(threshold, path, "maxIncreasePercent");
  if (!threshold.contains("min") && !threshold.contains("max") &&
      !threshold.contains("maxIncreasePercent")) {
    r.error(path, "needs at least one of min, max, maxIncreasePercent");
    return std::nullopt;
  }
  if (out.min && out.max && *out.min > *out.max) r.error(path, "min is above max");
  if (out.maxIncreasePercent && *out.maxIncreasePercent < 0)
    r.error(path.child("maxIncreasePercent"), "must not be negative");
  if (auto window = r.duration(threshold, path, "baselineWindow")) {
    if (window->value() < std::chrono::seconds(1))
      r.error(path.child("baselineWindow"),
              "\"" + window->toString() + "\" is below the minimum 1s");
    else if (!threshold.contains("maxIncreasePercent"))
      r.error(path.child("baselineWindow"), "is only used with maxIncreasePercent");
    out.baselineWindow = *window;
  }
  return out;
}

}  // namespace rg
