#include "operator/manager.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "kube/event_recorder.hpp"
#include "kube/kube_config.hpp"
#include "kube/leader_election.hpp"
#include "kube/rest_client.hpp"
#include "kube/work_queue.hpp"
#include "operator/cluster_cache.hpp"
#include "operator/endpoint_server.hpp"
#include "operator/http_threads.hpp"
#include "operator/logging.hpp"
#include "operator/metrics/metrics_page.hpp"
#include "operator/metrics/operator_metrics.hpp"
#include "operator/rest_gate_writer.hpp"
#include "reconcilers/gate_reconciler.hpp"
#include "reconcilers/providers/http_provider.hpp"
#include "reconcilers/providers/runtime_check_pool.hpp"

namespace rg {
namespace {

// Why the process stops, set once: a signal (exit 0) or a lost lease (exit 1).
class StopSignal {
 public:
  void request(int exitCode, const std::string& why) {
    {
      std::lock_guard lock(mu_);
      if (requested_) return;
      requested_ = true;
      exitCode_ = exitCode;
      spdlog::info("stopping: {}", why);
      cv_.notify_all();
    }
    std::lock_guard lock(onRequestMu_);
    if (onRequest_) onRequest_();
  }
  // Runs once, on the requesting thread, when a stop is requested. Replacing it (with nullptr
  // before what it uses goes away) waits for a call in progress.
  void setOnRequest(std::function<void()> fn) {
    std::lock_guard lock(onRequestMu_);
    onRequest_ = std::move(fn);
  }
  int wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return requested_; });
    return exitCode_;
  }
  // True when a stop was requested before `timeout` passed.
  bool waitFor(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return requested_; });
  }
  int exitCode() {
    std::lock_guard lock(mu_);
    return exitCode_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool requested_ = false;
  int exitCode_ = 0;
  std::mutex onRequestMu_;
  std::function<void()> onRequest_;
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

// "https://10.0.0.1:443/prefix" -> "10.0.0.1:443", the host label of rest_client_requests_total.
std::string serverHost(const std::string& server) {
  auto begin = server.find("://");
  begin = begin == std::string::npos ? 0 : begin + 3;
  return server.substr(begin, server.find('/', begin) - begin);
}

constexpr const char* kControllerName = "readinessgate";
constexpr const char* kGateApiPath = "/apis/gates.readiness.dev/v1alpha1";
constexpr const char* kCrdMissing =
    "the ReadinessGate API is not served: CustomResourceDefinition "
    "readinessgates.gates.readiness.dev is not installed. Install it with `kubectl apply -f "
    "crds/readinessgates.gates.readiness.dev.yaml` (or `helm install` the chart, which ships it); "
    "waiting for it";

enum class GateApi { Served, Missing, Unknown };

// Asks discovery (readable by every authenticated user) whether readinessgates are served.
GateApi gateApiState(kube::RestClient& client) {
  try {
    kube::RestRequest request;
    request.path = kGateApiPath;
    auto response = client.send(request);
    if (response.status == 404) return GateApi::Missing;
    if (response.status / 100 != 2) return GateApi::Unknown;
    auto list = nlohmann::json::parse(response.body, nullptr, false);
    if (!list.is_object() || !list.contains("resources") || !list["resources"].is_array())
      return GateApi::Unknown;
    for (const auto& resource : list["resources"])
      if (resource.is_object() && resource.value("name", "") == "readinessgates")
        return GateApi::Served;
    return GateApi::Missing;
  } catch (const std::exception& e) {
    spdlog::debug("discovery of {}: {}", kGateApiPath, e.what());
    return GateApi::Unknown;  // the informers retry and report what is wrong
  }
}

enum class Startup { Ready, Stopped, TimedOut };

// Waits (until `deadline`, or a stop) for the ReadinessGate CRD, saying once that it is missing
// rather than letting the informer warn on every retry.
Startup waitForGateApi(kube::RestClient& client, StopSignal& stop,
                       std::chrono::steady_clock::time_point deadline) {
  bool reported = false;
  while (gateApiState(client) == GateApi::Missing) {
    if (!reported) spdlog::error(kCrdMissing);
    reported = true;
    if (stop.waitFor(std::chrono::seconds(1))) return Startup::Stopped;
    if (std::chrono::steady_clock::now() >= deadline) {
      spdlog::error(
          "CustomResourceDefinition readinessgates.gates.readiness.dev is still not "
          "installed; exiting");
      return Startup::TimedOut;
    }
  }
  if (reported) spdlog::info("CustomResourceDefinition readinessgates.gates.readiness.dev found");
  return Startup::Ready;
}

// Waits for the caches; a SIGTERM meanwhile ends the wait at once.
Startup waitForCaches(const ClusterCache& cache, StopSignal& stop,
                      std::chrono::steady_clock::time_point deadline) {
  while (!cache.hasSynced()) {
    if (stop.waitFor(std::chrono::milliseconds(50))) return Startup::Stopped;
    if (std::chrono::steady_clock::now() >= deadline) return Startup::TimedOut;
  }
  return Startup::Ready;
}

}  // namespace

int runManager(const ManagerOptions& options) {
  StopSignal stop;
  SignalWatcher signals(stop);
  // Its threads start now: after the signal mask above, which they inherit, and before any HTTP
  // client or listener.
  limitHttpThreads();

  kube::ClientConfig config = kube::loadDefaultConfig({options.kubeconfig, options.context});
  spdlog::info("readiness-gate {} using {} ({})", RG_VERSION, config.server, config.source);
  kube::RestClientOptions clientOptions;
  clientOptions.requestTimeout = options.requestTimeout;
  kube::RestClient client(config, clientOptions);
  // A stop before the caches synced has nothing to write: end requests and their retries at
  // once rather than waiting for them (an unreachable API server holds each for seconds).
  std::atomic<bool> starting{true};
  stop.setOnRequest([&client, &starting] {
    if (starting) client.cancelAll();
  });
  struct ClearOnRequest {
    StopSignal& stop;
    ~ClearOnRequest() { stop.setOnRequest(nullptr); }
  } clearOnRequest{stop};

  OperatorMetrics metrics(kControllerName, options.workers);
  kube::WorkQueue::Options queueOptions;
  queueOptions.observeQueueDuration = [&metrics](auto d) { metrics.observeQueueDuration(d); };
  queueOptions.observeWorkDuration = [&metrics](auto d) { metrics.observeWorkDuration(d); };
  kube::WorkQueue queue(queueOptions);
  metrics.watchQueue(queue.metrics());
  metrics.watchRequests(serverHost(config.server), [&client] { return client.requestCounts(); });
  ClusterCache cache(client, options.namespaces,
                     [&queue](const std::string& key) { queue.add(key); });
  providers::HttpProvider provider;
  providers::RuntimeCheckPool runtimeChecks(
      provider, {options.runtimeCheckWorkers, options.runtimeCheckWorkersPerNamespace},
      [&queue](const std::string& key) { queue.add(key); });
  metrics.watchRuntimeChecks([&runtimeChecks] { return runtimeChecks.stats(); });
  kube::EventRecorder events(client);
  RestGateWriter writer(client, &events);
  GateReconciler reconciler(
      {&cache, &writer, &runtimeChecks, &metrics, {}, options.statusHeartbeat});
  cache.onGateStatusSeen([&reconciler](const std::string& key, const std::string& rv) {
    reconciler.statusSeen(key, rv);
  });

  std::atomic<bool> leading{!options.leaderElect};
  // Set once the elector runs; the probe reads it to tell a standby from a candidate that
  // cannot reach its Lease (which is not ready: it could never take over).
  std::atomic<kube::LeaderElector*> electorView{nullptr};
  metrics.watchLeader(options.leaderElectionId, [&leading] { return leading.load(); });
  EndpointServer metricsServer(options.metricsBindAddress,
                               {{"/metrics", [&metrics](const EndpointRequest& request) {
                                   return metrics::metricsPage(metrics.registry(), request);
                                 }}});
  EndpointServer probes(
      options.healthProbeBindAddress,
      {{"/healthz",
        [](const EndpointRequest&) {
          return EndpointResponse{200, "text/plain", "ok\n"};
        }},
       {"/readyz", [&](const EndpointRequest&) {
          if (!cache.hasSynced())
            return EndpointResponse{503, "text/plain", "informers not synced\n"};
          if (auto* elector = electorView.load(); elector != nullptr && !leading) {
            if (auto why = elector->leaseError(); !why.empty())
              return EndpointResponse{503, "text/plain", "leader election: cannot " + why + "\n"};
          }
          return EndpointResponse{200, "text/plain", leading ? "ok: leader\n" : "ok: standby\n"};
        }}});
  metricsServer.start();
  probes.start();

  const auto syncDeadline = std::chrono::steady_clock::now() + options.cacheSyncTimeout;
  Startup startup = waitForGateApi(client, stop, syncDeadline);
  if (startup == Startup::Ready) {
    cache.start();
    startup = waitForCaches(cache, stop, syncDeadline);
    if (startup == Startup::TimedOut)
      spdlog::error("caches did not sync within {} s", options.cacheSyncTimeout.count() / 1000);
  }
  if (startup != Startup::Ready) {
    cache.stop();
    if (startup == Startup::TimedOut) return 1;
    spdlog::info("stopped");
    return stop.exitCode();
  }
  starting = false;
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
        metrics.reconcileStarted();
        const auto started = std::chrono::steady_clock::now();
        kube::WorkResult result;
        try {
          result = reconciler.reconcile(key);
        } catch (const std::exception& e) {
          metrics.reconcileFinished(nullptr, std::chrono::steady_clock::now() - started);
          spdlog::warn("reconcile failed: {}", e.what());
          throw;
        } catch (...) {
          metrics.reconcileFinished(nullptr, std::chrono::steady_clock::now() - started);
          throw;
        }
        const auto took = std::chrono::steady_clock::now() - started;
        metrics.reconcileFinished(&result, took);
        spdlog::debug("reconciled in {} ms{}",
                      std::chrono::duration_cast<std::chrono::milliseconds>(took).count(),
                      result.error ? ": " + *result.error : "");
        return result;
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
    electorView = elector.get();
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
  runtimeChecks.stop();
  if (elector) elector->stop();
  cache.stop();
  events.shutdown();
  probes.stop();
  metricsServer.stop();
  spdlog::info("stopped");
  return exitCode;
}

}  // namespace rg
