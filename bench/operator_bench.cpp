// The operator under load: `readiness-gate run` against the in-process test API server with N
// Deployments + gates, rollback and Secret latencies, and `readiness-gate check` throughput.
// Prints one table; bench/README.md records the figures and the machine.
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_cluster.hpp"
#include "bench/process_stats.hpp"
#include "tests/providers/loopback.hpp"
#include "tests/support/api_server.hpp"
#include "tests/support/deployment_controller.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/tests/http_client.hpp"
#include "tests/support/yaml_json.hpp"

namespace rg::bench {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Row {
  std::string metric;
  std::string value;
  std::string target;
};

std::vector<Row> rows;

void report(const std::string& metric, const std::string& value, const std::string& target = "") {
  rows.push_back({metric, value, target});
  std::cerr << "  " << metric << ": " << value << "\n";
}

std::string fixed(double value, int digits = 1) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(digits);
  out << value;
  return out.str();
}

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Waits for a predicate that hooks make true; false at the deadline.
class Latch {
 public:
  void update(const std::function<void()>& fn) {
    std::lock_guard lock(mu_);
    fn();
    cv_.notify_all();
  }
  bool waitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, done);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
};

bool isGate(const testing::StoreEvent& event) {
  return event.storageKey.ends_with("/readinessgates");
}

std::string phaseOf(const json& gate) {
  return gate.contains("status") ? gate["status"].value("phase", "") : "";
}

std::string keyOf(const json& object) {
  return object["metadata"].value("namespace", "") + "/" + object["metadata"].value("name", "");
}

struct Cluster {
  testing::ApiServer server;
  std::string dir;
  std::string kubeconfig;

  explicit Cluster(size_t watchHistory)
      : server([&] {
          testing::ApiServerOptions options;
          options.watchHistory = watchHistory;
          // As a real API server: the operator's client reuses its connections. The operator
          // stops before the server does.
          options.keepAlive = true;
          return options;
        }()) {
    dir = fs::temp_directory_path() /
          ("rg-bench-" + std::to_string(::getpid()) + "-" + std::to_string(server.port()));
    fs::create_directories(dir);
    kubeconfig = dir + "/kubeconfig";
    server.writeKubeconfig(kubeconfig);
    std::ifstream in(std::string(RG_SOURCE_DIR) + "/crds/readinessgates.gates.readiness.dev.yaml");
    std::stringstream text;
    text << in.rdbuf();
    server.create(testing::yamlToJson(text.str()));
  }
  ~Cluster() {
    server.stop();
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

// Extra `readiness-gate run` flags (--operator-arg), e.g. --status-heartbeat=0s to compare with
// a status write on every round.
std::vector<std::string> operatorArgs;

std::unique_ptr<testing::Process> startOperator(const Cluster& cluster, int workers,
                                                int metricsPort) {
  std::vector<std::string> argv = {RG_BINARY,
                                   "run",
                                   "--kubeconfig",
                                   cluster.kubeconfig,
                                   "--workers",
                                   std::to_string(workers),
                                   "--metrics-bind-address",
                                   metricsPort ? "127.0.0.1:" + std::to_string(metricsPort) : "0",
                                   "--health-probe-bind-address",
                                   "0",
                                   "--log-level",
                                   "warn"};
  argv.insert(argv.end(), operatorArgs.begin(), operatorArgs.end());
  return std::make_unique<testing::Process>(argv);
}

// Sum of a counter family in the operator's /metrics; nullopt when not served.
std::optional<double> scrapeCounter(int port, const std::string& family) {
  try {
    testing::HttpClientOptions options;
    options.timeout = 5s;
    testing::HttpClient client("http://127.0.0.1:" + std::to_string(port), options);
    // As Prometheus scrapes: asking for gzip.
    auto result = client.request("GET", "/metrics", "", "", {{"Accept-Encoding", "gzip"}});
    if (result.code != 200) return std::nullopt;
    std::istringstream lines(
        result.header("content-encoding") == "gzip" ? testing::gunzip(result.body) : result.body);
    std::string line;
    double sum = 0;
    bool found = false;
    while (std::getline(lines, line)) {
      if (!line.starts_with(family + "{") && !line.starts_with(family + " ")) continue;
      sum += std::stod(line.substr(line.rfind(' ') + 1));
      found = true;
    }
    return found ? std::optional<double>(sum) : std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// --- N gates: start-up, steady state, resources, API requests --------------------------------

void benchScale(int gates, int workers) {
  std::cerr << "scale: " << gates << " gates\n";
  Cluster cluster(static_cast<size_t>(gates) * 4 + 1000);
  auto& server = cluster.server;
  providers::testing::LoopbackServer health(
      [](const providers::testing::SeenRequest&) { return providers::testing::Reply(200, "ok"); });

  const int namespaces = std::max(1, gates / 100);
  for (int n = 0; n < namespaces; ++n)
    server.create(benchSecret("bench-" + std::to_string(n), "app-secrets"));
  GateOptions options;
  options.httpUrl = health.url("/health");
  for (int i = 0; i < gates; ++i) {
    const std::string ns = "bench-" + std::to_string(i % namespaces);
    const std::string name = "app-" + std::to_string(i);
    seedWorkload(server, ns, name, "registry.example/app:1." + std::to_string(i));
    server.create(benchGate(ns, name, options));
  }

  Latch latch;
  std::set<std::string> evaluated;
  Clock::time_point allEvaluated;
  server.onChange([&](const testing::StoreEvent& event) {
    if (!isGate(event) || phaseOf(*event.object).empty()) return;
    latch.update([&] {
      if (evaluated.insert(keyOf(*event.object)).second &&
          evaluated.size() == static_cast<size_t>(gates))
        allEvaluated = Clock::now();
    });
  });
  server.resetRequests();

  const int metricsPort = providers::testing::freeLoopbackPort();
  const auto started = Clock::now();
  auto op = startOperator(cluster, workers, metricsPort);
  const bool all = latch.waitFor([&] { return evaluated.size() == static_cast<size_t>(gates); },
                                 std::chrono::milliseconds(600'000));
  const std::string label = std::to_string(gates) + " gates: ";
  report(label + "start to every gate evaluated",
         all ? fixed(seconds(allEvaluated - started), 2) + " s"
             : "not reached (" + std::to_string(evaluated.size()) + " evaluated)",
         gates >= 10000 ? "< 10 s" : "");

  // Steady state: let the start-up burst settle, then watch two intervals (10 s each).
  std::this_thread::sleep_for(5s);
  server.resetRequests();
  const auto before = readProcessStats(op->pid());
  const auto reconcilesBefore = scrapeCounter(metricsPort, "controller_runtime_reconcile_total");
  const auto windowStart = Clock::now();
  std::this_thread::sleep_for(20s);
  const double window = seconds(Clock::now() - windowStart);
  const auto after = readProcessStats(op->pid());
  const auto reconcilesAfter = scrapeCounter(metricsPort, "controller_runtime_reconcile_total");
  const double getsLists =
      static_cast<double>(server.requestCount("get") + server.requestCount("list"));
  const double writes = static_cast<double>(
      server.requestCount("update") + server.requestCount("patch") + server.requestCount("create"));
  // Without the reconcile counter, each gate is evaluated once per 10 s interval.
  const double evaluations = reconcilesBefore && reconcilesAfter
                                 ? *reconcilesAfter - *reconcilesBefore
                                 : gates * window / 10.0;
  const std::string source = reconcilesBefore && reconcilesAfter ? "" : " (expected, no /metrics)";
  report(label + "evaluations per second, steady state", fixed(evaluations / window) + source,
         fixed(gates / 10.0) + " (one per gate per interval)");
  if (before && after) {
    report(label + "CPU per evaluation",
           fixed((after->cpuSeconds - before->cpuSeconds) * 1e6 / std::max(1.0, evaluations), 0) +
               " us");
    report(label + "peak RSS", fixed(static_cast<double>(after->peakRssBytes) / 1048576.0) + " MiB",
           "< 200 MiB");
  }
  report(label + "GET+LIST per evaluation, steady state",
         fixed(getsLists / std::max(1.0, evaluations), 3), "0");
  // The window (20 s) is shorter than the default 5-minute status heartbeat: no heartbeat write
  // falls in it unless --operator-arg sets a shorter one.
  report(label + "writes per evaluation, steady state",
         fixed(writes / std::max(1.0, evaluations), 3), "<= 0.01 (writes only on change)");
  op->kill();
}

// --- A bad revision to its rollback patch --------------------------------------------------

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

std::string spread(const std::vector<double>& ms) {
  if (ms.empty()) return "not measured";
  return "median " + fixed(median(ms), 0) + " ms (min " +
         fixed(*std::min_element(ms.begin(), ms.end()), 0) + ", max " +
         fixed(*std::max_element(ms.begin(), ms.end()), 0) + ")";
}

std::optional<double> rollbackOnce(const std::string& interval, int failureLimit) {
  Cluster cluster(10000);
  auto& server = cluster.server;
  const std::string ns = "rollout", name = "api";
  // Prometheus's instant-query API: the error ratio follows the Deployment's current image.
  providers::testing::LoopbackServer prometheus([&](const providers::testing::SeenRequest&) {
    const bool bad = currentImage(server, ns, name).find("bad") != std::string::npos;
    json body = {
        {"status", "success"},
        {"data",
         {{"resultType", "vector"},
          {"result", json::array({{{"metric", json::object()},
                                   {"value", json::array({1.0, bad ? "0.3" : "0.01"})}}})}}}};
    return providers::testing::Reply(200, body.dump(), "application/json");
  });
  // The simulated deployment controller makes the ReplicaSets, revisions and status of each
  // rollout and of the rollback, as kube-controller-manager would.
  testing::DeploymentController controller(server);
  server.create(benchSecret(ns, "app-secrets"));
  server.create(benchDeployment(ns, name, "registry.example/api:1"));
  GateOptions options;
  options.interval = interval;
  options.failureLimit = failureLimit;
  options.onFailure = "Rollback";
  options.prometheusAddress = prometheus.url();
  server.create(benchGate(ns, name, options));

  Latch latch;
  std::string phase;
  std::optional<Clock::time_point> badAt, rolledBackAt;
  server.onChange([&](const testing::StoreEvent& event) {
    const json& object = *event.object;
    latch.update([&] {
      if (isGate(event)) phase = phaseOf(object);
      if (!event.storageKey.ends_with("/deployments") || !event.previous) return;
      auto image = [](const json& d) {
        return d["spec"]["template"]["spec"]["containers"][0].value("image", "");
      };
      const bool wasBad = image(*event.previous).find("bad") != std::string::npos;
      const bool isBad = image(object).find("bad") != std::string::npos;
      if (!wasBad && isBad) badAt = Clock::now();
      if (wasBad && !isBad) rolledBackAt = Clock::now();
    });
  });
  auto op = startOperator(cluster, 2, 0);
  auto fail = [&](const std::string& what) -> std::optional<double> {
    auto gate = server.get("gates.readiness.dev/v1alpha1", "ReadinessGate", ns, name);
    std::cerr << "  " << what << "; gate status: " << (gate ? (*gate)["status"].dump() : "none")
              << "\n  operator output: " << op->stdoutText() << op->stderrText() << "\n";
    return std::nullopt;
  };
  if (!latch.waitFor([&] { return phase == "Passing"; }, 30s)) return fail("never Passing");
  server.mutate("apps/v1", "Deployment", ns, name, [](json& deployment) {
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] = "registry.example/api:2-bad";
  });
  const bool done = latch.waitFor([&] { return rolledBackAt.has_value(); }, 30s);
  std::this_thread::sleep_for(500ms);  // a second rollback would show up in the request count
  if (!done || !badAt) return fail("no rollback");
  op->kill();
  if (server.requestCount("patch", "deployments") != 1)
    std::cerr << "  warning: " << server.requestCount("patch", "deployments")
              << " deployment patches, expected 1\n";
  return std::chrono::duration<double, std::milli>(*rolledBackAt - *badAt).count();
}

void benchRollback(const std::string& interval, int failureLimit, double intervalMs, int runs) {
  std::cerr << "rollback: interval " << interval << ", failureLimit " << failureLimit << "\n";
  std::vector<double> ms;
  for (int run = 0; run < runs; ++run)
    if (auto latency = rollbackOnce(interval, failureLimit)) ms.push_back(*latency);
  report("bad revision to rollback patch (interval " + interval + ", failureLimit " +
             std::to_string(failureLimit) + ", " + std::to_string(ms.size()) + "/" +
             std::to_string(runs) + " runs)",
         spread(ms), "< " + fixed(intervalMs * failureLimit + 500, 0) + " ms");
}

// --- A Secret created later to the gate passing ---------------------------------------------

std::optional<double> secretOnce() {
  Cluster cluster(10000);
  auto& server = cluster.server;
  const std::string ns = "late", name = "api";
  server.create(benchSecret(ns, "app-secrets"));
  seedWorkload(server, ns, name, "registry.example/api:1");
  GateOptions options;
  options.interval = "30s";
  options.requiredSecret = "late-secret";
  server.create(benchGate(ns, name, options));

  Latch latch;
  std::string phase;
  std::optional<Clock::time_point> createdAt, passingAt;
  server.onChange([&](const testing::StoreEvent& event) {
    latch.update([&] {
      if (event.storageKey.ends_with("/secrets") && event.type == testing::EventType::Added &&
          (*event.object)["metadata"].value("name", "") == "late-secret")
        createdAt = Clock::now();
      if (!isGate(event)) return;
      phase = phaseOf(*event.object);
      if (createdAt && phase == "Passing" && !passingAt) passingAt = Clock::now();
    });
  });
  auto op = startOperator(cluster, 2, 0);
  if (!latch.waitFor([&] { return phase == "Failing"; }, 30s)) return std::nullopt;
  server.create(benchSecret(ns, "late-secret"));
  const bool done = latch.waitFor([&] { return passingAt.has_value(); }, 30s);
  op->kill();
  if (!done) return std::nullopt;
  return std::chrono::duration<double, std::milli>(*passingAt - *createdAt).count();
}

void benchSecretLatency(int runs) {
  std::cerr << "secret: created later\n";
  std::vector<double> ms;
  for (int run = 0; run < runs; ++run)
    if (auto latency = secretOnce()) ms.push_back(*latency);
  report("Secret created to gate Passing (" + std::to_string(ms.size()) + "/" +
             std::to_string(runs) + " runs)",
         spread(ms), "< 1000 ms");
}

// --- readiness-gate check over many documents ------------------------------------------------

void benchOfflineCheck(int documents) {
  std::cerr << "offline check: " << documents << " documents\n";
  const fs::path dir = fs::temp_directory_path() / ("rg-bench-check-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const int perFile = 100;
  int written = 0;
  for (int file = 0; written < documents; ++file) {
    std::ofstream out(dir / ("apps-" + std::to_string(file) + ".yaml"));
    const std::string ns = "bench-" + std::to_string(file);
    out << benchSecret(ns, "app-secrets").dump() << "\n";
    ++written;
    for (int i = 0; i < perFile / 2 && written < documents; ++i) {
      const std::string name = "app-" + std::to_string(i);
      out << "---\n" << benchDeployment(ns, name, "registry.example/app:1").dump() << "\n";
      out << "---\n" << benchGate(ns, name, {}).dump() << "\n";
      written += 2;
    }
  }
  rusage before{}, after{};
  getrusage(RUSAGE_CHILDREN, &before);
  const auto started = Clock::now();
  auto result = testing::runProcess({RG_BINARY, "check", "-f", dir.string()}, 120s);
  const double elapsed = seconds(Clock::now() - started);
  getrusage(RUSAGE_CHILDREN, &after);
  fs::remove_all(dir);
  report("check over " + std::to_string(documents) + " documents",
         fixed(elapsed, 2) + " s (" + fixed(documents / elapsed, 0) + " docs/s, exit " +
             std::to_string(result.exitCode) + ")",
         "< 2 s");
  report("check peak RSS", fixed(after.ru_maxrss / 1024.0) + " MiB");
}

int usage() {
  std::cerr << "usage: operator_bench [--gates N[,N...]] [--workers N] [--runs N] [--only "
               "scale|rollback|secret|check] [--operator-arg FLAG]...\n";
  return 2;
}

}  // namespace
}  // namespace rg::bench

int main(int argc, char** argv) {
  using namespace rg::bench;
  std::vector<int> gateCounts = {1000, 10000};
  int workers = 8, runs = 5;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return usage();
    std::string value = argv[++i];
    if (arg == "--gates") {
      gateCounts.clear();
      std::istringstream list(value);
      for (std::string item; std::getline(list, item, ',');) gateCounts.push_back(std::stoi(item));
    } else if (arg == "--workers") {
      workers = std::stoi(value);
    } else if (arg == "--runs") {
      runs = std::stoi(value);
    } else if (arg == "--only") {
      only = value;
    } else if (arg == "--operator-arg") {
      operatorArgs.push_back(value);
    } else {
      return usage();
    }
  }
  auto wanted = [&](const std::string& part) { return only.empty() || only == part; };
  if (wanted("check")) benchOfflineCheck(10000);
  if (wanted("secret")) benchSecretLatency(runs);
  if (wanted("rollback")) {
    benchRollback("1s", 1, 1000, runs);
    benchRollback("2s", 2, 2000, runs);
  }
  if (wanted("scale"))
    for (int gates : gateCounts) benchScale(gates, workers);

  std::cout << "| Measure | Result | Target |\n|---|---|---|\n";
  for (const auto& row : rows)
    std::cout << "| " << row.metric << " | " << row.value << " | " << row.target << " |\n";
  return 0;
}
