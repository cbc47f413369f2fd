#include "operator/cli/run_command.hpp"

#include <spdlog/spdlog.h>

#include "kube/duration.hpp"
#include "kube/kube_config.hpp"
#include "operator/logging.hpp"
#include "operator/malloc_arenas.hpp"

namespace rg::cli {

const char* const kRunUsage = R"(Usage: readiness-gate run [flags]

Runs the operator: watches ReadinessGates and their Deployments, evaluates the
gates continuously, writes status and Events, and pauses or rolls back
Deployments as each gate's onFailure says.

Flags:
      --kubeconfig PATH                  kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)
      --context NAME                     kubeconfig context (default: current-context)
      --namespace NS                     watch only this namespace (repeatable; default: all)
      --workers N                        concurrent reconciles (default 2)
      --runtime-check-workers N          threads that make http and prometheus check calls, so a
                                         slow target never holds a reconcile (default 8; 0: the
                                         calls run on the reconcile workers)
      --runtime-check-workers-per-namespace N
                                         of those, at most N at once for the gates of one
                                         namespace (default 4; 0: no limit)
      --metrics-bind-address ADDR        /metrics address (default ":8080"; "0" disables)
      --health-probe-bind-address ADDR   /healthz and /readyz address (default ":8081"; "0" disables)
      --leader-elect                     elect a leader with a coordination.k8s.io Lease
      --leader-election-namespace NS     namespace of the Lease (default: the pod's namespace)
      --leader-election-id NAME          name of the Lease (default "readiness-gate-leader")
      --request-timeout DURATION         give up on an API request silent this long (default 30s)
      --status-heartbeat DURATION        refresh status.lastEvaluationTime at least this often when
                                         nothing else changed (default 5m; 0s: every round)
      --log-level LEVEL                  trace, debug, info (default), warn, error
      --log-format FORMAT                text (default) or json
  -h, --help                             show this help

SIGTERM or SIGINT stop it cleanly: reconciles in flight finish, the Lease is released.
)";

namespace {

// Parses `value` into `out`; the error names the flag and the range.
std::string integerFlag(const std::string& flag, const std::string& value, int min, int max,
                        int& out) {
  try {
    size_t used = 0;
    const int parsed = std::stoi(value, &used);
    if (used == value.size() && parsed >= min && parsed <= max) {
      out = parsed;
      return "";
    }
  } catch (const std::exception&) {
    // not a number: reported below
  }
  return flag + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max) +
         ", got \"" + value + "\"";
}

}  // namespace

std::string parseRunArgs(const std::vector<std::string>& args, ManagerOptions& options,
                         std::string& logLevel, std::string& logFormat, bool& help) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool inlineValue = false;
    if (auto eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      inlineValue = true;
    }
    auto take = [&]() -> bool {
      if (inlineValue) return true;
      if (i + 1 >= args.size()) return false;
      value = args[++i];
      return true;
    };
    if (flag == "-h" || flag == "--help") {
      help = true;
      continue;
    }
    if (flag == "--leader-elect") {
      options.leaderElect = !inlineValue || value == "true";
      continue;
    }
    static const std::vector<std::string> kValued = {"--kubeconfig",
                                                     "--context",
                                                     "--namespace",
                                                     "--workers",
                                                     "--runtime-check-workers",
                                                     "--runtime-check-workers-per-namespace",
                                                     "--metrics-bind-address",
                                                     "--health-probe-bind-address",
                                                     "--leader-election-namespace",
                                                     "--leader-election-id",
                                                     "--log-level",
                                                     "--log-format",
                                                     "--request-timeout",
                                                     "--status-heartbeat"};
    if (std::find(kValued.begin(), kValued.end(), flag) == kValued.end())
      return "unknown flag " + flag;
    if (!take()) return "flag " + flag + " needs a value";
    if (flag == "--kubeconfig") options.kubeconfig = value;
    if (flag == "--context") options.context = value;
    if (flag == "--namespace") options.namespaces.push_back(value);
    if (flag == "--metrics-bind-address") options.metricsBindAddress = value;
    if (flag == "--health-probe-bind-address") options.healthProbeBindAddress = value;
    if (flag == "--leader-election-namespace") options.leaderElectionNamespace = value;
    if (flag == "--leader-election-id") options.leaderElectionId = value;
    if (flag == "--log-level") logLevel = value;
    if (flag == "--log-format") logFormat = value;
    if (flag == "--request-timeout") {
      auto timeout = kube::Duration::parse(value);
      if (!timeout || timeout->value() < std::chrono::milliseconds(1))
        return "--request-timeout must be a positive duration such as 30s, got \"" + value + "\"";
      options.requestTimeout =
          std::chrono::duration_cast<std::chrono::milliseconds>(timeout->value());
    }
    if (flag == "--status-heartbeat") {
      auto heartbeat = kube::Duration::parse(value);
      if (!heartbeat || heartbeat->value() < std::chrono::nanoseconds(0))
        return "--status-heartbeat must be a duration such as 5m (0s: every round), got \"" +
               value + "\"";
      options.statusHeartbeat =
          std::chrono::duration_cast<std::chrono::milliseconds>(heartbeat->value());
    }
    if (flag == "--workers") {
      auto error = integerFlag(flag, value, 1, 256, options.workers);
      if (!error.empty()) return error;
    }
    if (flag == "--runtime-check-workers") {
      auto error = integerFlag(flag, value, 0, 256, options.runtimeCheckWorkers);
      if (!error.empty()) return error;
    }
    if (flag == "--runtime-check-workers-per-namespace") {
      auto error = integerFlag(flag, value, 0, 256, options.runtimeCheckWorkersPerNamespace);
      if (!error.empty()) return error;
    }
  }
  return "";
}

int runRunCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  ManagerOptions options;
  std::string logLevel = "info", logFormat = "text";
  bool help = false;
  if (auto error = parseRunArgs(args, options, logLevel, logFormat, help); !error.empty()) {
    err << "readiness-gate run: " << error << "\n\n" << kRunUsage;
    return 2;
  }
  if (help) {
    out << kRunUsage;
    return 0;
  }
  limitMallocArenas();  // before any thread starts
  try {
    logging::configure(logLevel, logFormat);
  } catch (const std::invalid_argument& e) {
    err << "readiness-gate run: " << e.what() << "\n";
    return 2;
  }
  try {
    return runManager(options);
  } catch (const kube::ConfigError& e) {
    spdlog::error("configuration: {}", e.what());
    return 2;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}

}  // namespace rg::cli
