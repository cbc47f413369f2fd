#include "reconcilers/checks/spec_rules.hpp"

#include <regex>

#include "reconcilers/providers/revision_variables.hpp"

namespace rg {

void requireHttpUrl(SpecReader& r, const std::string& url, const FieldPath& path) {
  static const std::regex kUrl(R"(^https?://[^/\s?#]+([/?#]\S*)?$)");
  // Variables are judged by the URL they make: `http://{{name}}.{{namespace}}.svc/` is one.
  static const providers::RevisionVariables kSample{"x", "x", "x", "x", "x"};
  if (!std::regex_match(providers::expandVariables(url, kSample), kUrl))
    r.error(path, "\"" + url + "\" is not an http:// or https:// URL");
}

bool variablesValid(SpecReader& r, const std::string& text, const FieldPath& path) {
  std::string error = providers::variablesError(text);
  if (error.empty()) return true;
  r.error(path, error);
  return false;
}

std::optional<kube::Duration> positiveDuration(SpecReader& r, const nlohmann::json& parent,
                                               const FieldPath& parentPath,
                                               const std::string& key) {
  auto d = r.duration(parent, parentPath, key);
  if (d && d->value().count() <= 0) r.error(parentPath.child(key), "must be greater than 0");
  return d;
}

}  // namespace rg
