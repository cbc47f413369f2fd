#pragma once
// Label and field selectors in the query-string syntax the API server accepts.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace rg::testing {

class LabelSelector {
 public:
  enum class Op { Equals, NotEquals, In, NotIn, Exists, DoesNotExist, Gt, Lt };
  struct Requirement {
    std::string key;
    Op op = Op::Equals;
    std::vector<std::string> values;
  };

  // Parses "a=b,c!=d,e in (x,y),f notin (z),g,!h,n>3"; throws ApiError 400 on a syntax error.
  static LabelSelector parse(std::string_view text);
  // From a metav1.LabelSelector object (matchLabels / matchExpressions). A null selector
  // matches nothing, an empty one everything, as in the apps/v1 API.
  static LabelSelector fromObject(const nlohmann::json& selector);

  bool empty() const { return requirements_.empty() && !matchNothing_; }
  bool matches(const nlohmann::json& labels) const;
  const std::vector<Requirement>& requirements() const { return requirements_; }

 private:
  std::vector<Requirement> requirements_;
  bool matchNothing_ = false;
};

class FieldSelector {
 public:
  struct Requirement {
    std::string field;  // dotted path, e.g. metadata.name
    bool equals = true;
    std::string value;
  };
  // Parses "metadata.name=x,metadata.namespace!=y" (also "=="; "\," escapes a comma).
  static FieldSelector parse(std::string_view text);

  bool empty() const { return requirements_.empty(); }
  bool matches(const nlohmann::json& object) const;
  const std::vector<Requirement>& requirements() const { return requirements_; }

 private:
  std::vector<Requirement> requirements_;
};

}  // namespace rg::testing
