#include "operator/manager.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "operator/cluster_cache.hpp"
#include "operator/endpoint_server.hpp"
#include "operator/kube/event_recorder.hpp"
#include "operator/kube/kube_config.hpp"
#include "operator/kube/leader_election.hpp"
#include "operator/kube/rest_client.hpp"
#include "operator/kube/work_queue.hpp"
#include "operator/logging.hpp"
#include "reconcilers/providers/http_provider.hpp"
#include "reconcilers/providers/runtime_checks.hpp"
#include "reconcilers/reconciler/gate_reconciler.hpp"

namespace rg {
namespace {

// Why the process stops, set once: a signal (exit 0) or a lost lease (exit 1).
class StopSignal {
 public:
  void request(int exitCode, const std::string& why) {
    std::lock_guard lock(mu_);
    if (requested_) return;
    requested_ = true;
    exitCode_ = exitCode;
    spdlog::info("stopping: {}", why);
    cv_.notify_all();
  }
  int wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return requested_; });
    return exitCode_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool requested_ = false;
  int exitCode_ = 0;
};

// Waits for SIGTERM/SIGINT on its own thread; every other thread has them blocked.
class SignalWatcher {
 public:
  explicit SignalWatcher(StopSignal& stop) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGUSR1);  // internal wake-up at shutdown
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::thread([this, &stop] {
      int sig = 0;
      sigwait(&set_, &sig);
      if (sig != SIGUSR1) stop.request(0, sig == SIGTERM ? "SIGTERM" : "SIGINT");
    });
  }
  ~SignalWatcher() {
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
  }

 private:
  sigset_t set_;
  std::thread thread_;
};

std::string leaseNamespace(const ManagerOptions& options, const kube::ClientConfig& config) {
  if (!options.leaderElectionNamespace.empty()) return options.leaderElectionNamespace;
  return config.defaultNamespace.empty() ? "default" : config.defaultNamespace;
}

}  // namespace

int runManager(const ManagerOptions& options) {
  StopSignal stop;
  SignalWatcher signals(stop);

  kube::ClientConfig config = kube::loadDefaultConfig({options.kubeconfig, options.context});
  spdlog::info("readiness-gate {} using {} ({})", RG_VERSION, config.server, config.source);
  kube::RestClient client(config);

  kube::WorkQueue queue;
  ClusterCache cache(client, options.namespaces,
                     [&queue](const std::string& key) { queue.add(key); });
  providers::HttpProvider provider;
  providers::RuntimeEvaluator runtime(provider);
  kube::EventRecorder events(client);
  GateReconciler reconciler({&cache, &client, &runtime, &events, nullptr, {}});

  std::atomic<bool> leading{!options.leaderElect};
  EndpointServer probes(
      options.healthProbeBindAddress,
      {{"/healthz",
        [] {
          return EndpointResponse{200, "text/plain", "ok\n"};
        }},
       {"/readyz", [&] {
          if (!cache.hasSynced())
            return EndpointResponse{503, "text/plain", "informers not synced\n"};
          return EndpointResponse{200, "text/plain", leading ? "ok: leader\n" : "ok: standby\n"};
        }}});
  probes.start();

  cache.start();
  if (!cache.waitForSync(options.cacheSyncTimeout)) {
    spdlog::error("caches did not sync within {} s", options.cacheSyncTimeout.count() / 1000);
    cache.stop();
    return 1;
  }
  spdlog::info("caches synced");

  std::thread workers;
  std::mutex workersMu;
  auto startWorkers = [&] {
    std::lock_guard lock(workersMu);
    if (workers.joinable()) return;
    leading = true;
    spdlog::info("starting {} workers", options.workers);
    // Gates seen before leadership are already queued; make sure every cached gate is.
    for (const auto& gate : cache.gates()) queue.add(kube::objectKey(*gate));
    workers = std::thread([&] {
      kube::runWorkers(queue, options.workers, [&](const std::string& key) {
        auto slash = key.find('/');
        logging::GateScope scope(key.substr(0, slash), key.substr(slash + 1));
        return reconciler.reconcile(key);
      });
    });
  };

  std::unique_ptr<kube::LeaderElector> elector;
  if (options.leaderElect) {
    kube::LeaderElectionConfig election;
    election.leaseNamespace = leaseNamespace(options, config);
    election.leaseName = options.leaderElectionId;
    election.leaseDuration = options.leaseDuration;
    election.renewDeadline = options.renewDeadline;
    election.retryPeriod = options.retryPeriod;
    election.onStartedLeading = startWorkers;
    election.onStoppedLeading = [&] {
      leading = false;
      stop.request(1, "leadership lost");
    };
    election.onNewLeader = [](const std::string& identity) {
      spdlog::info("leader is now {}", identity.empty() ? "(none)" : identity);
    };
    elector = std::make_unique<kube::LeaderElector>(client, election);
    elector->start();
  } else {
    startWorkers();
  }

  int exitCode = stop.wait();
  // Drain: finish the reconciles in flight, then give up the lease so a successor starts at once.
  queue.shutDownWithDrain();
  {
    std::lock_guard lock(workersMu);
    if (workers.joinable()) workers.join();
  }
  if (elector) elector->stop();
  cache.stop();
  events.shutdown();
  probes.stop();
  spdlog::info("stopped");
  return exitCode;
}

}  // namespace rg
