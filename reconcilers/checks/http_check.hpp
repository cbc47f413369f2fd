#pragma once
// The `http` check (runtime): a request whose answer must have an expected status.
// providers::RuntimeEvaluator (reconcilers/providers/) makes the call; evaluateHttp judges it.
#include <chrono>
#include <string>
#include <vector>

#include "kube/duration.hpp"
#include "reconcilers/checks/check_kind.hpp"

namespace rg::providers {
struct HttpProbeResult;
}  // namespace rg::providers

namespace rg {

struct HttpCheck {
  std::string url;
  std::string method = "GET";
  std::vector<int> expectedStatus{200};
  std::string bodyContains;
  kube::Duration timeout{std::chrono::seconds(2)};
};

extern const CheckKind<HttpCheck> kHttpKind;

// Passed when the answer's status is expected and (if asked) the body snippet contains the
// substring; the value is the status code. No answer gives Inconclusive.
CheckResult evaluateHttp(const HttpCheck& check, const providers::HttpProbeResult& probe);

}  // namespace rg
