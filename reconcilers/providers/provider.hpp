#pragma once
// Runtime checks call out through this interface, so the evaluation logic can be tested with a
// fake and the network code (cpprestsdk) stays out of widely included headers.
#include <cstddef>
#include <string>

#include "kube/duration.hpp"
#include "reconcilers/spec/gate_spec.hpp"

namespace rg::providers {

// How much of an HTTP answer's body is kept (and searched for bodyContains).
inline constexpr std::size_t kMaxBodySnippet = 4096;

struct HttpProbeResult {
  bool answered = false;    // false: no HTTP answer within the timeout (refused, reset, TLS, ...)
  int status = 0;           // the final status, after any redirects followed
  std::string bodySnippet;  // the first kMaxBodySnippet bytes of the body at most
  std::string error;        // why there is no answer
};

struct PromQueryResult {
  enum class Kind { Value, NoData, Error };
  Kind kind = Kind::Error;
  double value = 0;   // for Value; may be +/-Inf, never NaN
  std::string error;  // for NoData and Error: why there is no value

  static PromQueryResult of(double v) { return {Kind::Value, v, {}}; }
  static PromQueryResult noData(std::string why) { return {Kind::NoData, 0, std::move(why)}; }
  static PromQueryResult failure(std::string why) { return {Kind::Error, 0, std::move(why)}; }
};

const char* toString(PromQueryResult::Kind kind);

// Implementations must be safe to call from several threads at once: gates are evaluated
// concurrently. Neither call throws: every problem is reported in the result.
class Provider {
 public:
  virtual ~Provider() = default;
  virtual HttpProbeResult httpProbe(const HttpCheck& check) = 0;
  virtual PromQueryResult prometheusQuery(const std::string& address, const std::string& query,
                                          kube::Duration timeout) = 0;
  // Ends the calls in progress, and refuses later ones, with an error result (for shutdown,
  // once no answer is used any more). Providers that never block need not do anything.
  virtual void cancelCalls() {}
};

}  // namespace rg::providers
