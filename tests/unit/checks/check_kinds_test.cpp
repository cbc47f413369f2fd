// The registry of check kinds: what the parser, the CRD field list and the evaluation iterate.
#include "reconcilers/checks/check_kinds.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "reconcilers/checks/static_checks.hpp"
#include "reconcilers/spec/spec_fields.hpp"

namespace rg {
namespace {

TEST(CheckKinds, RegistryOrderIsTheOrderOfBodiesInMessages) {
  std::vector<std::string> names;
  for (const CheckKindInfo* kind : kCheckKindInfos) names.push_back(kind->name);
  EXPECT_EQ(names, (std::vector<std::string>{"probes", "resources", "secrets", "env", "replicas",
                                             "security", "http", "prometheus", "rollout"}));
}

TEST(CheckKinds, EachSpecTypeNamesItsKind) {
  forEachCheckKind([](const auto& kind) {
    const CheckBody body = typename std::decay_t<decltype(kind)>::Spec{};
    EXPECT_EQ(&checkKind(body), &kind.info);
    EXPECT_STREQ(checkKindName(body), kind.info.name);
    EXPECT_EQ(isRuntimeCheck(body), kind.info.runtime) << kind.info.name;
    EXPECT_EQ(findCheckKind(kind.info.name), &kind.info);
  });
  EXPECT_EQ(findCheckKind("latency"), nullptr);
}

TEST(CheckKinds, StaticKindsEvaluateAndRuntimeKindsAreSkipped) {
  Workload workload;
  forEachCheckKind([&](const auto& kind) {
    EXPECT_EQ(kind.evaluate == nullptr, kind.info.runtime) << kind.info.name;
    CheckSpec check;
    check.body = typename std::decay_t<decltype(kind)>::Spec{};
    auto result = checks::evaluateStatic(check, workload);
    EXPECT_EQ(result.message == "runtime check: not evaluated offline", kind.info.runtime)
        << kind.info.name << ": " << result.message;
  });
}

TEST(CheckKinds, EveryKindsFieldsAreAcceptedBelowItsBody) {
  const std::set<std::string> paths(specFieldPaths().begin(), specFieldPaths().end());
  for (const CheckKindInfo* kind : kCheckKindInfos) {
    const std::string body = std::string("spec.checks[].") + kind->name;
    EXPECT_TRUE(paths.contains(body)) << body;
    std::set<std::string> listed;
    for (const char* field : kind->fields) {
      EXPECT_TRUE(paths.contains(body + "." + field)) << body << "." << field;
      // A nested field's parent is listed first, as the CRD declares it.
      std::string parent(field);
      parent = parent.substr(0, parent.rfind('.') == std::string::npos ? 0 : parent.rfind('.'));
      if (parent.ends_with("[]")) parent.resize(parent.size() - 2);
      EXPECT_TRUE(parent.empty() || listed.contains(parent)) << body << "." << field;
      EXPECT_TRUE(listed.insert(field).second) << body << "." << field << " is listed twice";
    }
  }
}

}  // namespace
}  // namespace rg
