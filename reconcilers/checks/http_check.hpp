#pragma once
// The `http` check (runtime): a request whose answer must have an expected status. Evaluated by
// providers::RuntimeEvaluator (reconcilers/providers/), which makes the call.
#include <chrono>
#include <string>
#include <vector>

#include "operator/kube/duration.hpp"
#include "reconcilers/checks/check_kind.hpp"

namespace rg {

struct HttpCheck {
  std::string url;
  std::string method = "GET";
  std::vector<int> expectedStatus{200};
  std::string bodyContains;
  kube::Duration timeout{std::chrono::seconds(2)};
};

extern const CheckKind<HttpCheck> kHttpKind;

}  // namespace rg
