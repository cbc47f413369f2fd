#pragma once
// The typed ReadinessGate (gates.readiness.dev/v1alpha1), defaults applied.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "operator/kube/duration.hpp"
#include "operator/kube/quantity.hpp"

namespace rg {

enum class Severity { Critical, Warning };
enum class FailureAction { Report, Pause, Rollback };

struct TargetRef {
  std::string apiVersion = "apps/v1";
  std::string kind = "Deployment";
  std::string name;
};

struct ProbesCheck {
  bool readiness = true;
  bool liveness = true;
  bool startup = false;
};

struct QuantityRange {
  std::optional<kube::Quantity> min;
  std::optional<kube::Quantity> max;
};

struct ResourcesCheck {
  bool requireRequests = true;
  bool requireLimits = true;
  std::optional<QuantityRange> cpu;
  std::optional<QuantityRange> memory;
  bool includeInitContainers = false;
};

struct RequiredSecret {
  std::string name;
  std::vector<std::string> keys;
};

struct SecretsCheck {
  std::vector<RequiredSecret> required;
  bool referenced = true;
};

struct EnvCheck {
  std::vector<std::string> required;
  std::map<std::string, std::string> equals;
  std::vector<std::string> forbidden;
  bool rejectLiteralSecrets = false;
  bool includeInitContainers = false;
};

struct ReplicasCheck {
  std::optional<int64_t> min;
  std::optional<int64_t> minAvailablePercent;
};

struct SecurityCheck {
  bool runAsNonRoot = true;
  bool forbidPrivileged = true;
  bool forbidLatestTag = true;
  bool readOnlyRootFilesystem = false;
  bool includeInitContainers = false;
};

struct HttpCheck {
  std::string url;
  std::string method = "GET";
  std::vector<int> expectedStatus{200};
  std::string bodyContains;
  kube::Duration timeout{std::chrono::seconds(2)};
};

struct PrometheusCheck {
  std::string address;
  std::string query;
  kube::Duration timeout{std::chrono::seconds(5)};
};

// Health of the target's current revision: its ReplicaSet's pods and the Deployment's progress.
struct RolloutCheck {
  int64_t maxRestarts = 3;
  // Unset: the Deployment's spec.progressDeadlineSeconds (600 s when unset there too).
  std::optional<kube::Duration> readyTimeout;
};

struct Threshold {
  std::optional<double> min;
  std::optional<double> max;
  std::optional<double> maxIncreasePercent;
  // How far back the baseline of maxIncreasePercent averages the previous revision.
  kube::Duration baselineWindow{std::chrono::minutes(10)};
};

using CheckBody = std::variant<ProbesCheck, ResourcesCheck, SecretsCheck, EnvCheck, ReplicasCheck,
                               SecurityCheck, HttpCheck, PrometheusCheck, RolloutCheck>;

// The body's key in the spec ("probes", "resources", ...).
const char* checkKindName(const CheckBody& body);
// Static checks read only the objects; runtime checks call out.
bool isRuntimeCheck(const CheckBody& body);

struct CheckSpec {
  std::string name;
  Severity severity = Severity::Critical;
  int64_t failureLimit = 1;
  CheckBody body;
  std::optional<Threshold> threshold;
  // Runtime checks only: this many Inconclusive rounds in a row of one revision count as Failed.
  // None: no limit, an outage alone never acts.
  std::optional<int64_t> inconclusiveLimit;
};

struct GateSpec {
  TargetRef targetRef;
  kube::Duration interval{std::chrono::seconds(30)};
  FailureAction onFailure = FailureAction::Report;
  bool suspend = false;
  bool podReadinessGate = false;
  std::vector<CheckSpec> checks;
};

struct Gate {
  std::string name;
  std::string namespace_ = "default";
  int64_t generation = 0;
  std::string uid;
  GateSpec spec;
};

const char* toString(Severity severity);
const char* toString(FailureAction action);

}  // namespace rg
