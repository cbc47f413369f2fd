#pragma once
// `readiness-gate run`: wires the client, the cache, the work queue, the
// reconciler, leader election, Events and the HTTP endpoints, and runs until
// SIGTERM/SIGINT (or until leadership is lost).
#include <chrono>
#include <string>
#include <vector>

namespace rg {

struct ManagerOptions {
  std::string kubeconfig;
  std::string context;
  std::vector<std::string> namespaces;  // empty: all namespaces
  int workers = 2;
  // Threads for http and prometheus check calls (0: on the reconcile workers), and how many of
  // them the gates of one namespace may hold at once (0: all).
  int runtimeCheckWorkers = 8;
  int runtimeCheckWorkersPerNamespace = 4;
  std::string metricsBindAddress = ":8080";
  std::string healthProbeBindAddress = ":8081";
  bool leaderElect = false;
  std::string leaderElectionNamespace;  // empty: the in-cluster namespace, else "default"
  std::string leaderElectionId = "readiness-gate-leader";
  std::chrono::milliseconds leaseDuration{15'000};
  std::chrono::milliseconds renewDeadline{10'000};
  std::chrono::milliseconds retryPeriod{2'000};
  std::chrono::milliseconds cacheSyncTimeout{120'000};
  // Inactivity limit of one Kubernetes API request (watch streams excepted).
  std::chrono::milliseconds requestTimeout{30'000};
  // lastEvaluationTime refresh when nothing else in status changed.
  std::chrono::milliseconds statusHeartbeat{300'000};
};

// Blocks until the process should exit; returns its exit code.
int runManager(const ManagerOptions& options);

}  // namespace rg
