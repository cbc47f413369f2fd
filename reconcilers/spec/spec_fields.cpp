#include "reconcilers/spec/spec_fields.hpp"

#include <map>

#include "reconcilers/checks/check_kinds.hpp"

namespace rg {

const std::vector<std::string>& specFieldPaths() {
  static const std::vector<std::string> kPaths = [] {
    std::vector<std::string> paths = {
        "spec.targetRef",      "spec.targetRef.apiVersion",
        "spec.targetRef.kind", "spec.targetRef.name",
        "spec.interval",       "spec.onFailure",
        "spec.suspend",        "spec.podReadinessGate",
        "spec.checks",
    };
    // Fields of every check; each kind adds its body and the fields below it.
    for (const char* field :
         {"name", "severity", "failureLimit", "threshold", "threshold.min", "threshold.max",
          "threshold.maxIncreasePercent", "threshold.baselineWindow", "inconclusiveLimit"})
      paths.push_back(std::string("spec.checks[].") + field);
    for (const CheckKindInfo* kind : kCheckKindInfos) {
      const std::string body = std::string("spec.checks[].") + kind->name;
      paths.push_back(body);
      for (const char* field : kind->fields) paths.push_back(body + "." + field);
    }
    return paths;
  }();
  return kPaths;
}

const std::set<std::string>& allowedKeys(const std::string& pattern) {
  static const std::map<std::string, std::set<std::string>> kChildren = [] {
    std::map<std::string, std::set<std::string>> children;
    for (const auto& path : specFieldPaths()) {
      auto dot = path.rfind('.');
      std::string parent = path.substr(0, dot);
      if (parent.size() > 2 && parent.ends_with("[]")) parent.resize(parent.size() - 2);
      children[parent].insert(path.substr(dot + 1));
    }
    return children;
  }();
  static const std::set<std::string> kNone;
  std::string key = pattern;
  if (key.ends_with("[]")) key.resize(key.size() - 2);
  auto it = kChildren.find(key);
  return it == kChildren.end() ? kNone : it->second;
}

}  // namespace rg
