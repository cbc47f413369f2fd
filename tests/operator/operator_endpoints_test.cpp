// The readiness-gate binary against the test API server: /metrics (checked by promtool),
// /healthz and /readyz, JSON logs, the missing-CRD message and SIGTERM during cache sync.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "tests/operator/operator_run.hpp"
#include "tests/providers/loopback.hpp"
#include "tests/support/tests/http_client.hpp"

namespace rg::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kGateApiVersion = "gates.readiness.dev/v1alpha1";
constexpr const char* kCrdFile = "crds/readinessgates.gates.readiness.dev.yaml";

// "name{labels}" -> value, for every sample line of an exposition.
std::map<std::string, double> parseSamples(const std::string& text) {
  std::map<std::string, double> samples;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    const std::string value = line.substr(space + 1);
    samples[line.substr(0, space)] = value == "+Inf" ? INFINITY : std::stod(value);
  }
  return samples;
}

// Sum of the samples whose series starts with `prefix` (a name and the first labels).
double sumOf(const std::map<std::string, double>& samples, const std::string& prefix,
             int* count = nullptr) {
  double sum = 0;
  int n = 0;
  for (const auto& [series, value] : samples)
    if (series.starts_with(prefix)) sum += value, ++n;
  if (count) *count = n;
  return sum;
}

class OperatorEndpoints : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/rg-metrics-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    op_.reset();
    std::filesystem::remove_all(dir_);
  }

  void start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--metrics-bind-address", "127.0.0.1:0",
                                     "--health-probe-bind-address", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    op_ = std::make_unique<OperatorRun>(server_, dir_, args);
    metricsUrl_ = op_->servingUrl("/metrics", 20s);
    probesUrl_ = op_->servingUrl("/readyz", 20s);
    ASSERT_FALSE(metricsUrl_.empty()) << op_->log();
    ASSERT_FALSE(probesUrl_.empty()) << op_->log();
  }

  void applyQueueWorker() {
    applyFile(server_, kCrdFile);
    for (const char* file : {"deployment.yaml", "secrets.yaml", "gate.yaml"})
      applyFile(server_, std::string("manifests/examples/queue-worker/") + file);
  }

  std::optional<std::string> phaseOf(const std::string& ns, const std::string& name) {
    auto gate = server_.get(kGateApiVersion, "ReadinessGate", ns, name);
    if (!gate || !gate->contains("status") || !(*gate)["status"].contains("phase"))
      return std::nullopt;
    return (*gate)["status"]["phase"].get<std::string>();
  }

  // 403 on every LIST of readinessgates: the caches never sync until clearFaults().
  void blockGateList() { server_.failNext(1'000'000, 403, "GET", "/readinessgates"); }

  ApiServer server_;
  std::string dir_;
  std::unique_ptr<OperatorRun> op_;
  std::string metricsUrl_, probesUrl_;
};

TEST_F(OperatorEndpoints, MetricsScrapePassesPromtoolAndHasEveryFamily) {
  // A Prometheus stand-in so one check measures a number (readinessgate_check_value).
  providers::testing::LoopbackServer prometheus([](const providers::testing::SeenRequest&) {
    return providers::testing::Reply(
        200,
        R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.25"]}]}})",
        "application/json");
  });
  applyQueueWorker();
  server_.create({{"apiVersion", kGateApiVersion},
                  {"kind", "ReadinessGate"},
                  {"metadata", {{"name", "latency-probe"}, {"namespace", "queue"}}},
                  {"spec",
                   {{"targetRef", {{"kind", "Deployment"}, {"name", "queue-worker"}}},
                    {"onFailure", "Pause"},
                    {"checks",
                     {{{"name", "latency"},
                       {"prometheus", {{"address", prometheus.url()}, {"query", "up"}}},
                       {"threshold", {{"max", 0.1}}}}}}}}});
  ASSERT_NO_FATAL_FAILURE(start());

  const std::string probeValue =
      R"(readinessgate_check_value{namespace="queue",gate="latency-probe",check="latency"} 0.25)";
  HttpAnswer scrape;
  ASSERT_TRUE(pollUntil(
      [&] {
        scrape = httpGet(metricsUrl_ + "/metrics");
        return scrape.body.find(probeValue) != std::string::npos &&
               scrape.body.find(R"(readinessgate_phase{namespace="queue",gate="queue-worker")") !=
                   std::string::npos;
      },
      30s))
      << scrape.body << "\n"
      << op_->log();
  EXPECT_EQ(scrape.status, 200);
  EXPECT_EQ(scrape.contentType, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(scrape.contentEncoding, "");

  // Prometheus asks for gzip: the same page, compressed.
  HttpAnswer gzipped = httpGet(metricsUrl_ + "/metrics", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(gzipped.status, 200);
  EXPECT_EQ(gzipped.contentEncoding, "gzip");
  EXPECT_EQ(gzipped.contentType, "text/plain; version=0.0.4; charset=utf-8");
  const std::string unpacked = gunzip(gzipped.body);
  EXPECT_NE(unpacked.find(probeValue), std::string::npos) << unpacked;
  EXPECT_NE(unpacked.find("# TYPE readinessgate_phase gauge"), std::string::npos);
  EXPECT_LT(gzipped.body.size(), unpacked.size() / 3);

  // Prometheus's own linter: parses and has no lint problems.
  const std::string file = dir_ + "/metrics.txt";
  std::ofstream(file) << scrape.body;
  auto promtool =
      runProcess({"/bin/sh", "-c", "/usr/bin/promtool check metrics < \"$0\" 2>&1", file}, 30s);
  EXPECT_EQ(promtool.exitCode, 0) << promtool.out;
  EXPECT_EQ(promtool.out, "");

  auto samples = parseSamples(scrape.body);
  auto at = [&](const std::string& series) {
    auto it = samples.find(series);
    EXPECT_NE(it, samples.end()) << series << " missing from\n" << scrape.body;
    return it == samples.end() ? -1.0 : it->second;
  };
  const std::string c = R"(controller="readinessgate")";
  const std::string q = R"(name="readinessgate")";

  // controller-runtime
  EXPECT_GE(at("controller_runtime_reconcile_total{" + c + R"(,result="requeue_after"})"), 2);
  EXPECT_GE(at("controller_runtime_reconcile_total{" + c + R"(,result="success"})"), 0);
  EXPECT_GE(at("controller_runtime_reconcile_errors_total{" + c + "}"), 0);
  const double reconciles = at("controller_runtime_reconcile_time_seconds_count{" + c + "}");
  EXPECT_GE(reconciles, 2);
  EXPECT_EQ(at("controller_runtime_reconcile_time_seconds_bucket{" + c + R"(,le="+Inf"})"),
            reconciles);
  EXPECT_GT(at("controller_runtime_reconcile_time_seconds_sum{" + c + "}"), 0);
  EXPECT_GE(at("controller_runtime_active_workers{" + c + "}"), 0);
  EXPECT_EQ(at("controller_runtime_max_concurrent_reconciles{" + c + "}"), 2);

  // work queue
  EXPECT_GE(at("workqueue_depth{" + q + "}"), 0);
  EXPECT_GE(at("workqueue_adds_total{" + q + "}"), 2);
  EXPECT_GE(at("workqueue_retries_total{" + q + "}"), 2);  // requeue after the interval
  EXPECT_GE(at("workqueue_queue_duration_seconds_count{" + q + "}"), 2);
  EXPECT_GE(at("workqueue_queue_duration_seconds_bucket{" + q + R"(,le="1e-08"})"), 0);
  EXPECT_GE(at("workqueue_work_duration_seconds_count{" + q + "}"), 2);

  // REST client: lists and watches (GET) and status writes (PUT), all answered 200.
  const std::string host = "host=\"127.0.0.1:" + std::to_string(server_.port()) + "\"";
  EXPECT_GE(at(R"(rest_client_requests_total{code="200",method="GET",)" + host + "}"), 6);
  EXPECT_GE(at(R"(rest_client_requests_total{code="200",method="PUT",)" + host + "}"), 2);

  EXPECT_EQ(at(R"(leader_election_master_status{name="readiness-gate-leader"})"), 1);

  // Gates: one result per check set to 1, the phase as in status.
  const std::string qw = R"(namespace="queue",gate="queue-worker")";
  const std::string lp = R"(namespace="queue",gate="latency-probe")";
  EXPECT_EQ(at("readinessgate_check_result{" + qw + R"(,check="resources",result="Passed"})"), 1);
  EXPECT_EQ(at("readinessgate_check_result{" + qw + R"(,check="resources",result="Failed"})"), 0);
  int series = 0;
  EXPECT_EQ(sumOf(samples, "readinessgate_check_result{" + qw + R"(,check="health",)", &series), 1);
  EXPECT_EQ(series, 4);
  EXPECT_EQ(at("readinessgate_check_result{" + lp + R"(,check="latency",result="Failed"})"), 1);
  EXPECT_EQ(at("readinessgate_check_result{" + lp + R"(,check="latency",result="Passed"})"), 0);
  EXPECT_DOUBLE_EQ(at("readinessgate_check_value{" + lp + R"(,check="latency"})"), 0.25);
  // Only numeric values: the static checks' "1/1" has no series.
  EXPECT_EQ(samples.count("readinessgate_check_value{" + qw + R"(,check="probes"})"), 0u);
  for (const auto& [gate, labels] :
       {std::pair{"queue-worker", qw}, std::pair{"latency-probe", lp}}) {
    auto phase = phaseOf("queue", gate);
    ASSERT_TRUE(phase) << gate;
    EXPECT_EQ(sumOf(samples, "readinessgate_phase{" + labels + ","), 1) << gate;
    EXPECT_EQ(at("readinessgate_phase{" + labels + ",phase=\"" + *phase + "\"}"), 1) << gate;
  }
  // The failing Critical latency check paused the Deployment.
  EXPECT_EQ(phaseOf("queue", "latency-probe"), "Paused");
  EXPECT_GE(at(R"(readinessgate_actions_total{action="Pause"})"), 1);
  EXPECT_EQ(at(R"(readinessgate_actions_total{action="Rollback"})"), 0);
  EXPECT_GE(at("readinessgate_evaluation_duration_seconds_count"), 2);

  // Process metrics.
  EXPECT_GT(at("process_resident_memory_bytes"), 1e6);
  EXPECT_GT(at("process_virtual_memory_bytes"), 1e6);
  EXPECT_GT(at("process_cpu_seconds_total"), 0);
  EXPECT_GT(at("process_open_fds"), 3);
  EXPECT_GT(at("process_max_fds"), at("process_open_fds"));
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(at("process_start_time_seconds"), now, 120);

  // A deleted gate's series go away.
  ASSERT_TRUE(server_.remove(kGateApiVersion, "ReadinessGate", "queue", "latency-probe"));
  ASSERT_TRUE(pollUntil(
      [&] {
        scrape = httpGet(metricsUrl_ + "/metrics");
        return scrape.status == 200 && scrape.body.find("latency-probe") == std::string::npos;
      },
      20s))
      << scrape.body;
  EXPECT_NE(scrape.body.find("gate=\"queue-worker\""), std::string::npos);
}

TEST_F(OperatorEndpoints, JsonLogsAreOneObjectPerLineWithTheGateWhileReconciling) {
  applyQueueWorker();
  ASSERT_NO_FATAL_FAILURE(start({"--log-format", "json", "--log-level", "debug"}));
  ASSERT_TRUE(pollUntil([&] { return phaseOf("queue", "queue-worker").has_value(); }, 30s))
      << op_->log();
  // The evaluation's log lines come after the status write: wait for one naming the gate.
  ASSERT_TRUE(pollUntil(
      [&] {
        op_->pump();
        return op_->log().find(R"("name":"queue-worker")") != std::string::npos;
      },
      20s))
      << op_->log();
  kill(op_->process().pid(), SIGTERM);
  EXPECT_EQ(op_->process().wait(20s), 0);

  std::istringstream lines(op_->log());
  int parsed = 0, withGate = 0;
  for (std::string line; std::getline(lines, line);) {
    json object = json::parse(line, nullptr, false);
    ASSERT_TRUE(object.is_object()) << "not a JSON object: " << line;
    for (const char* field : {"time", "level", "logger", "msg"})
      ASSERT_TRUE(object.contains(field) && object[field].is_string()) << field << ": " << line;
    EXPECT_TRUE(std::regex_match(object["time"].get<std::string>(),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
        << line;
    EXPECT_EQ(object.contains("namespace"), object.contains("name")) << line;
    if (object.value("namespace", "") == "queue" && object.value("name", "") == "queue-worker")
      ++withGate;
    ++parsed;
  }
  EXPECT_GT(parsed, 5);
  EXPECT_GE(withGate, 1);
}

TEST_F(OperatorEndpoints, ReadyzIs503UntilTheCachesSyncThen200) {
  applyFile(server_, kCrdFile);
  blockGateList();
  ASSERT_NO_FATAL_FAILURE(start());
  HttpAnswer readyz;
  ASSERT_TRUE(pollUntil(
      [&] {
        readyz = httpGet(probesUrl_ + "/readyz");
        return readyz.status != 0;
      },
      10s));
  EXPECT_EQ(readyz.status, 503);
  EXPECT_EQ(readyz.body, "informers not synced\n");
  EXPECT_EQ(httpGet(probesUrl_ + "/healthz").status, 200);
  // Scrapes work before the caches sync too.
  EXPECT_EQ(httpGet(metricsUrl_ + "/metrics").status, 200);

  server_.clearFaults();
  ASSERT_TRUE(pollUntil(
      [&] {
        readyz = httpGet(probesUrl_ + "/readyz");
        return readyz.status == 200;
      },
      20s))
      << op_->log();
  EXPECT_EQ(readyz.body, "ok: leader\n");
}

TEST_F(OperatorEndpoints, RunsFewHttpThreadsInsteadOfCpprestsdksForty) {
  // cpprestsdk starts 40 threads for its HTTP completions unless told otherwise; the operator
  // asks for 4 (bench/README.md). Everything else here is one worker, one runtime-check thread,
  // the informers and the background loops: well under 40 in all.
  applyFile(server_, kCrdFile);
  ASSERT_NO_FATAL_FAILURE(start({"--workers", "1", "--runtime-check-workers", "1"}));
  ASSERT_TRUE(pollUntil([&] { return httpGet(probesUrl_ + "/readyz").status == 200; }, 20s))
      << op_->log();
  const std::string tasks = "/proc/" + std::to_string(op_->process().pid()) + "/task";
  const auto threads = std::distance(std::filesystem::directory_iterator(tasks),
                                     std::filesystem::directory_iterator());
  EXPECT_LT(threads, 40) << op_->log();
}

TEST_F(OperatorEndpoints, SigtermWhileWaitingForCacheSyncExitsAtOnce) {
  applyFile(server_, kCrdFile);
  blockGateList();
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_TRUE(pollUntil([&] { return httpGet(probesUrl_ + "/readyz").status == 503; }, 10s));
  ASSERT_TRUE(pollUntil([&] { return server_.requestCount("list", "readinessgates") >= 1; }, 10s));

  const auto sent = std::chrono::steady_clock::now();
  ASSERT_EQ(kill(op_->process().pid(), SIGTERM), 0);
  const int code = op_->process().wait(2s);
  const auto took = std::chrono::steady_clock::now() - sent;
  EXPECT_FALSE(op_->process().timedOut()) << op_->log();
  EXPECT_EQ(code, 0) << op_->log();
  EXPECT_LT(took, 2s);
  EXPECT_NE(op_->log().find("stopping: SIGTERM"), std::string::npos) << op_->log();
}

TEST_F(OperatorEndpoints, SigtermWhileTheApiServerIsUnreachableExitsAtOnce) {
  // Every request fails to connect and is retried with backoff (seconds in all): the stop must
  // not wait for those retries.
  server_.stop();
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_TRUE(pollUntil([&] { return httpGet(probesUrl_ + "/readyz").status == 503; }, 10s));

  const auto sent = std::chrono::steady_clock::now();
  ASSERT_EQ(kill(op_->process().pid(), SIGTERM), 0);
  const int code = op_->process().wait(2s);
  EXPECT_FALSE(op_->process().timedOut()) << op_->log();
  EXPECT_EQ(code, 0) << op_->log();
  EXPECT_LT(std::chrono::steady_clock::now() - sent, 2s);
}

TEST_F(OperatorEndpoints, MissingCrdIsReportedOnceWithHowToInstallIt) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string missing = "readinessgates.gates.readiness.dev is not installed";
  ASSERT_TRUE(op_->waitForLog(missing, 20s)) << op_->log();
  // Let it look a few more times before counting the messages.
  auto discoveryRequests = [&] {
    int n = 0;
    for (const auto& request : server_.requests())
      if (request.path == "/apis/gates.readiness.dev/v1alpha1") ++n;
    return n;
  };
  ASSERT_TRUE(pollUntil([&] { return discoveryRequests() >= 3; }, 10s));
  op_->pump();
  const std::string log = op_->log();
  std::size_t count = 0;
  for (auto at = log.find(missing); at != std::string::npos; at = log.find(missing, at + 1))
    ++count;
  EXPECT_EQ(count, 1u) << log;
  EXPECT_NE(log.find("kubectl apply -f crds/readinessgates.gates.readiness.dev.yaml"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("list failed"), std::string::npos) << log;
  EXPECT_EQ(httpGet(probesUrl_ + "/readyz").status, 503);

  // Installing the CRD lets it start.
  applyFile(server_, kCrdFile);
  ASSERT_TRUE(pollUntil([&] { return httpGet(probesUrl_ + "/readyz").status == 200; }, 20s))
      << op_->log();
}

}  // namespace
}  // namespace rg::testing
