// The example gates' Critical Prometheus triggers fire against a real Prometheus that scrapes
// the examples' pods the way a stock install does: the prometheus-community chart's
// `kubernetes-pods` relabelling, verbatim, over the pods of the test API server.
//
// Debian's Prometheus is built without Kubernetes discovery ("field kubernetes_sd_configs not
// found"), so the test does its part: it reads the pods back from the API server and writes one
// file_sd target per container port carrying the `__meta_kubernetes_pod_*` labels Kubernetes
// discovery gives a pod (names sanitised the same way); the relabelling then runs unchanged.
//
// For every example three revisions' pods serve metrics, each on its own loopback exporter at the
// path of the example's prometheus.io annotations: the previous revision (healthy: the baseline
// of maxIncreasePercent), a bad one (the failing values its triggers read) and a good one
// (healthy values). Each Critical prometheus check of the gate, its variables expanded for a
// revision, is queried on Prometheus and evaluated with the engine's evaluatePrometheus: Failed
// for the bad revision, Passed for the good one. Both revisions run side by side, so a query that
// did not select its own revision's pods could not give both results.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reconcilers/offline/yaml_documents.hpp"
#include "reconcilers/providers/http_provider.hpp"
#include "reconcilers/providers/revision_variables.hpp"
#include "reconcilers/providers/runtime_checks.hpp"
#include "reconcilers/spec/gate_spec.hpp"
#include "reconcilers/spec/spec_parser.hpp"
#include "tests/e2e/support/poll.hpp"
#include "tests/e2e/support/prometheus_server.hpp"
#include "tests/providers/loopback.hpp"
#include "tests/support/api_server.hpp"

namespace rg::e2e {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kExamplesDir = RG_SOURCE_DIR "/manifests/examples";

// prometheus-community/helm-charts, charts/prometheus/values.yaml, serverFiles "prometheus.yml":
// the `kubernetes-pods` job verbatim, but for its discovery: `kubernetes_sd_configs: [{role: pod}]`
// is replaced with the file written by writePodTargets().
const char* const kStockPodsJob = R"yaml(- job_name: 'kubernetes-pods'
  honor_labels: true

  file_sd_configs:
    - files: ['@TARGETS_FILE@']

  relabel_configs:
    - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]
      action: keep
      regex: true
    - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape_slow]
      action: drop
      regex: true
    - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scheme]
      action: replace
      regex: (https?)
      target_label: __scheme__
    - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_path]
      action: replace
      target_label: __metrics_path__
      regex: (.+)
    - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_port, __meta_kubernetes_pod_ip]
      action: replace
      regex: (\d+);(([A-Fa-f0-9]{1,4}::?){1,7}[A-Fa-f0-9]{1,4})
      replacement: '[$2]:$1'
      target_label: __address__
    - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_port, __meta_kubernetes_pod_ip]
      action: replace
      regex: (\d+);((([0-9]+?)(\.|$)){4})
      replacement: $2:$1
      target_label: __address__
    - action: labelmap
      regex: __meta_kubernetes_pod_annotation_prometheus_io_param_(.+)
      replacement: __param_$1
    - action: labelmap
      regex: __meta_kubernetes_pod_label_(.+)
    - source_labels: [__meta_kubernetes_namespace]
      action: replace
      target_label: namespace
    - source_labels: [__meta_kubernetes_pod_name]
      action: replace
      target_label: pod
    - source_labels: [__meta_kubernetes_pod_phase]
      regex: Pending|Succeeded|Failed|Completed
      action: drop
)yaml";

// --- what the examples' apps export --------------------------------------------------------

using Labels = std::vector<std::pair<std::string, std::string>>;

// Prometheus text format, one # TYPE line per family.
class Exposition {
 public:
  void counter(const std::string& name, const Labels& labels, double value) {
    sample(name, "counter", name, labels, value);
  }
  void gauge(const std::string& name, const Labels& labels, double value) {
    sample(name, "gauge", name, labels, value);
  }
  // `count` observations, every one of them `observed` seconds.
  void histogram(const std::string& name, const Labels& labels, const std::vector<double>& buckets,
                 double observed, double count) {
    for (double le : buckets) {
      Labels withLe = labels;
      withLe.emplace_back("le", number(le));
      sample(name, "histogram", name + "_bucket", withLe, observed <= le ? count : 0);
    }
    Labels inf = labels;
    inf.emplace_back("le", "+Inf");
    sample(name, "histogram", name + "_bucket", inf, count);
    sample(name, "histogram", name + "_sum", labels, observed * count);
    sample(name, "histogram", name + "_count", labels, count);
  }
  std::string text() const { return out_.str(); }

 private:
  static std::string number(double value) {
    std::ostringstream s;
    s.precision(12);
    s << value;
    return s.str();
  }
  void sample(const std::string& family, const char* type, const std::string& name,
              const Labels& labels, double value) {
    if (typed_.insert(family).second) out_ << "# TYPE " << family << " " << type << "\n";
    out_ << name;
    if (!labels.empty()) {
      out_ << "{";
      for (size_t i = 0; i < labels.size(); ++i)
        out_ << (i ? "," : "") << labels[i].first << "=\"" << labels[i].second << "\"";
      out_ << "}";
    }
    out_ << " " << number(value) << "\n";
  }
  std::ostringstream out_;
  std::set<std::string> typed_;
};

// Writes what one pod exports `seconds` after the exporters started: counters grow at fixed
// rates, so rate() and increase() see steady values.
using Metrics = std::function<void(Exposition&, bool failing, double seconds)>;

const std::vector<double> kPromClientBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                0.5,   1,    2.5,   5,    10};

// Requests or jobs at `perSecond`, a share `failedShare` of them failed.
void outcomes(Exposition& e, const std::string& name, const std::string& label,
              const std::string& ok, const std::string& failed, double perSecond,
              double failedShare, double seconds) {
  e.counter(name, {{label, ok}}, perSecond * seconds * (1 - failedShare));
  e.counter(name, {{label, failed}}, perSecond * seconds * failedShare);
}

// One entry per example folder: the series its Critical prometheus checks read.
const std::map<std::string, Metrics>& exampleMetrics() {
  static const std::map<std::string, Metrics> kMetrics = {
      {"automation-workflows",
       [](Exposition& e, bool failing, double t) {
         outcomes(e, "automation_workflow_runs_total", "status", "succeeded", "failed", 2,
                  failing ? 0.20 : 0.01, t);
       }},
      {"sales-pipeline",
       [](Exposition& e, bool failing, double t) {
         outcomes(e, "sales_sync_runs_total", "status", "success", "error", 5,
                  failing ? 0.20 : 0.01, t);
       }},
      {"voice-agent-api",
       [](Exposition& e, bool failing, double t) {
         outcomes(e, "http_requests_total", "code", "200", "500", 20, failing ? 0.10 : 0.001, t);
         e.histogram("http_request_duration_seconds", {}, kPromClientBuckets, failing ? 0.8 : 0.08,
                     20 * t);
       }},
      {"voice-agent-workers",
       [](Exposition& e, bool failing, double t) {
         const double jobs = 2 * t;
         const double failedShare = failing ? 0.20 : 0.01;
         e.counter("bullmq_jobs_completed_total", {{"queue", "conversation"}},
                   jobs * (1 - failedShare));
         e.counter("bullmq_jobs_failed_total", {{"queue", "conversation"}}, jobs * failedShare);
         e.counter("bullmq_jobs_stalled_total", {{"queue", "conversation"}}, failing ? 0.5 * t : 0);
         e.gauge("bullmq_queue_waiting", {{"queue", "conversation"}}, 3);
       }},
      {"queue-worker",
       [](Exposition& e, bool failing, double t) {
         outcomes(e, "worker_jobs_processed_total", "status", "completed", "failed", 10,
                  failing ? 0.15 : 0.01, t);
         e.histogram("worker_job_duration_seconds", {},
                     {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 45, 60}, failing ? 6 : 2,
                     10 * t);
       }},
      {"voice-appointment-agent",
       [](Exposition& e, bool failing, double t) {
         outcomes(e, "voice_calls_total", "status", "completed", "failed", 2, failing ? 0.20 : 0.01,
                  t);
         outcomes(e, "http_requests_total", "status", "2xx", "5xx", 5, failing ? 0.10 : 0.005, t);
         e.histogram("voice_e2e_latency_seconds", {}, {0.25, 0.5, 0.8, 1, 1.5, 2, 3, 5, 10},
                     failing ? 3 : 1, 1 * t);
       }},
      {"appointment-scheduler",
       [](Exposition& e, bool failing, double t) {
         const double up = failing ? 0 : 1;
         e.gauge("scheduler_job_scheduled", {{"task", "daily_reminders"}}, up);
         e.gauge("scheduler_dependency_up", {{"dependency", "database"}}, up);
         e.gauge("scheduler_dependency_up", {{"dependency", "redis"}}, up);
         e.counter("scheduler_job_runs_total", {{"task", "daily_reminders"}, {"status", "failed"}},
                   failing ? 0.2 * t : 0);
         e.counter("scheduler_job_runs_total",
                   {{"task", "daily_reminders"}, {"status", "succeeded"}}, 0);
       }},
  };
  return kMetrics;
}

// --- the examples as written ---------------------------------------------------------------

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<json> firstOfKind(const std::string& path, const std::string& kind) {
  for (const auto& doc : offline::parseDocuments(readFile(path)))
    if (doc.object && doc.object->value("kind", "") == kind) return *doc.object;
  return std::nullopt;
}

enum class Revision { Previous, Bad, Good };

struct RevisionPods {
  Revision revision;
  int number;
  std::string hash;
};

// pod-template-hash values as the deployment controller makes them (10 characters).
const std::vector<RevisionPods> kRevisions = {
    {Revision::Previous, 1, "6b8d9c7f5d"},
    {Revision::Bad, 2, "7f9c6d8b4c"},
    {Revision::Good, 3, "58d4b7c9f6"},
};

struct Pod {
  std::string namespace_;
  std::string name;
  std::string app;
  std::string hash;
  std::unique_ptr<providers::testing::LoopbackServer> exporter;
};

struct Example {
  std::string slug;
  json deployment;
  std::optional<Gate> gate;
  std::string gateErrors;
};

class ExampleTriggers : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "rg-triggers-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    started_ = std::chrono::steady_clock::now();
  }
  void TearDown() override {
    if (HasFailure() && prometheus_) std::cerr << "prometheus log:\n" << prometheus_->logTail();
    prometheus_.reset();
    for (auto& pod : pods_) pod.exporter->stop();
    pods_.clear();
    api_.reset();
    std::filesystem::remove_all(dir_);
  }

  Example load(const std::string& slug) {
    Example example{slug, {}, std::nullopt, {}};
    auto deployment = firstOfKind(kExamplesDir + "/" + slug + "/deployment.yaml", "Deployment");
    if (deployment) example.deployment = *deployment;
    auto gate = firstOfKind(kExamplesDir + "/" + slug + "/gate.yaml", "ReadinessGate");
    if (gate) {
      GateParseResult parsed = parseGate(*gate);
      example.gate = parsed.gate;
      example.gateErrors = parsed.errorSummary();
    }
    return example;
  }

  // A running pod of the example's Deployment at `revision`, its metrics on a loopback exporter
  // at the annotated path: labels and annotations from the pod template, the port annotation
  // pointing at the exporter, status.podIP 127.0.0.1.
  void addPod(const Example& example, const RevisionPods& revision, const Metrics& metrics) {
    const json& meta = example.deployment["metadata"];
    const json& tmpl = example.deployment["spec"]["template"];
    const std::string path = tmpl["metadata"]["annotations"].value("prometheus.io/path", "");
    const bool failing = revision.revision == Revision::Bad;
    auto started = started_;
    auto exporter = std::make_unique<providers::testing::LoopbackServer>(
        [path, failing, metrics, started](const providers::testing::SeenRequest& request) {
          if (request.path != path) return providers::testing::Reply(404, "not found");
          Exposition e;
          metrics(
              e, failing,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
          return providers::testing::Reply(200, e.text(), "text/plain; version=0.0.4");
        });
    Pod pod{meta.value("namespace", "default"),
            meta.value("name", "") + "-" + revision.hash + "-x" + std::to_string(revision.number),
            tmpl["metadata"]["labels"].value("app", ""), revision.hash, std::move(exporter)};
    json labels = tmpl["metadata"]["labels"];
    labels["pod-template-hash"] = revision.hash;
    json annotations = tmpl["metadata"]["annotations"];
    annotations["prometheus.io/port"] = std::to_string(pod.exporter->port());
    api_->create({{"apiVersion", "v1"},
                  {"kind", "Pod"},
                  {"metadata",
                   {{"name", pod.name},
                    {"namespace", pod.namespace_},
                    {"labels", labels},
                    {"annotations", annotations}}},
                  {"spec", tmpl["spec"]},
                  {"status",
                   {{"phase", "Running"},
                    {"podIP", "127.0.0.1"},
                    {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}});
    pods_.push_back(std::move(pod));
  }

  providers::RevisionVariables variables(const Example& example,
                                         const RevisionPods& revision) const {
    return {example.gate->namespace_, example.gate->spec.targetRef.name,
            std::to_string(revision.number), revision.hash, example.gate->name};
  }

  // The query's answer once Prometheus has a value for it (it scrapes every second; a rate
  // needs two scrapes, a minimum of traffic a few more).
  providers::PromQueryResult valueOf(const PrometheusCheck& check, const std::string& query) {
    providers::PromQueryResult result;
    eventually(
        [&] {
          result = provider_.prometheusQuery(prometheus_->address(), query, check.timeout);
          return result.kind == providers::PromQueryResult::Kind::Value;
        },
        60s, 250ms);
    return result;
  }

  std::string dir_;
  std::chrono::steady_clock::time_point started_;
  std::unique_ptr<rg::testing::ApiServer> api_ = std::make_unique<rg::testing::ApiServer>();
  std::vector<Pod> pods_;
  std::unique_ptr<PrometheusServer> prometheus_;
  providers::HttpProvider provider_;
};

// Prometheus's label name rule (strutil.SanitizeLabelName): anything but [a-zA-Z0-9_] becomes _.
std::string sanitize(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  return out;
}

// What Prometheus's Kubernetes discovery (role: pod) makes of a pod: one target per container
// port at podIP:port (one per container without ports), with the pod's metadata as
// __meta_kubernetes_* labels.
json target(const std::string& address, const json& labels) {
  json out = json::object();
  out["targets"] = json::array();
  out["targets"].push_back(address);
  out["labels"] = labels;
  return out;
}

json podTargets(const json& pod) {
  const json& meta = pod["metadata"];
  const json& status = pod["status"];
  const std::string ip = status.value("podIP", "");
  json common = json::object();
  common["__meta_kubernetes_namespace"] = meta.value("namespace", "");
  common["__meta_kubernetes_pod_name"] = meta.value("name", "");
  common["__meta_kubernetes_pod_ip"] = ip;
  common["__meta_kubernetes_pod_phase"] = status.value("phase", "");
  common["__meta_kubernetes_pod_uid"] = meta.value("uid", "");
  if (meta.contains("labels")) {
    for (const auto& item : meta["labels"].items()) {
      common["__meta_kubernetes_pod_label_" + sanitize(item.key())] = item.value();
      common["__meta_kubernetes_pod_labelpresent_" + sanitize(item.key())] = "true";
    }
  }
  if (meta.contains("annotations")) {
    for (const auto& item : meta["annotations"].items()) {
      common["__meta_kubernetes_pod_annotation_" + sanitize(item.key())] = item.value();
      common["__meta_kubernetes_pod_annotationpresent_" + sanitize(item.key())] = "true";
    }
  }
  json targets = json::array();
  for (const auto& container : pod["spec"]["containers"]) {
    json labels = common;
    labels["__meta_kubernetes_pod_container_name"] = container.value("name", "");
    labels["__meta_kubernetes_pod_container_image"] = container.value("image", "");
    if (!container.contains("ports") || container["ports"].empty()) {
      targets.push_back(target(ip, labels));
      continue;
    }
    for (const auto& port : container["ports"]) {
      json withPort = labels;
      const std::string number = std::to_string(port.value("containerPort", 0));
      withPort["__meta_kubernetes_pod_container_port_name"] = port.value("name", "");
      withPort["__meta_kubernetes_pod_container_port_number"] = number;
      withPort["__meta_kubernetes_pod_container_port_protocol"] = port.value("protocol", "TCP");
      targets.push_back(target(ip + ":" + number, withPort));
    }
  }
  return targets;
}

std::vector<std::string> exampleFolders() {
  std::vector<std::string> slugs;
  for (const auto& entry : std::filesystem::directory_iterator(kExamplesDir))
    if (entry.is_directory() && std::filesystem::exists(entry.path() / "gate.yaml"))
      slugs.push_back(entry.path().filename().string());
  std::sort(slugs.begin(), slugs.end());
  return slugs;
}

// A new example cannot be left out: every folder has its exporter here.
TEST(ExampleTriggersCoverage, EveryExampleFolderHasItsMetrics) {
  const auto folders = exampleFolders();
  ASSERT_GE(folders.size(), 7u);
  for (const auto& slug : folders) EXPECT_EQ(exampleMetrics().count(slug), 1u) << slug;
}

TEST_F(ExampleTriggers, CriticalPrometheusTriggersFireOnAStockAnnotationScrape) {
  std::vector<Example> examples;
  for (const auto& slug : exampleFolders()) {
    Example example = load(slug);
    ASSERT_TRUE(example.gate) << slug << ": " << example.gateErrors;
    ASSERT_TRUE(example.deployment.is_object()) << slug << ": no Deployment";
    auto metrics = exampleMetrics().find(slug);
    ASSERT_NE(metrics, exampleMetrics().end()) << slug;
    for (const auto& revision : kRevisions) addPod(example, revision, metrics->second);
    examples.push_back(std::move(example));
  }

  // Discovery: the pods as the API server holds them.
  json targets = json::array();
  for (const json& pod : api_->list("v1", "Pod"))
    for (const json& target : podTargets(pod)) targets.push_back(target);
  ASSERT_GE(targets.size(), pods_.size());
  const std::string targetsFile = dir_ + "/pods.json";
  std::ofstream(targetsFile) << targets.dump(2);
  std::string config = kStockPodsJob;
  config.replace(config.find("@TARGETS_FILE@"), 14, targetsFile);
  prometheus_ = std::make_unique<PrometheusServer>(RG_PROMETHEUS_BINARY, dir_ + "/prometheus",
                                                   ScrapeConfigs{config});

  // Relabelling: every pod is a target with the stock labels, scraped at its annotated port and
  // path.
  for (const auto& pod : pods_) {
    const std::string up = "up{job=\"kubernetes-pods\",namespace=\"" + pod.namespace_ +
                           "\",pod=\"" + pod.name + "\",app=\"" + pod.app +
                           "\",pod_template_hash=\"" + pod.hash + "\"}";
    ASSERT_TRUE(eventually(
        [&] {
          auto value = prometheus_->query(up);
          return value && *value == 1;
        },
        60s, 250ms))
        << up << " never 1";
  }

  for (const auto& example : examples) {
    SCOPED_TRACE(example.slug);
    std::vector<std::string> fired;
    size_t critical = 0;
    for (const auto& check : example.gate->spec.checks) {
      const auto* prom = std::get_if<PrometheusCheck>(&check.body);
      if (!prom || check.severity != Severity::Critical) continue;
      ++critical;
      SCOPED_TRACE(check.name);
      const Threshold threshold = check.threshold.value_or(Threshold{});
      std::optional<double> baseline;
      if (threshold.maxIncreasePercent) {
        // The previous revision's value over the same query: its pods stay healthy.
        auto previous = valueOf(
            *prom, providers::expandVariables(prom->query, variables(example, kRevisions[0])));
        ASSERT_EQ(previous.kind, providers::PromQueryResult::Kind::Value) << previous.error;
        baseline = previous.value;
      }
      std::map<Revision, CheckResult> results;
      for (const auto& revision : {kRevisions[1], kRevisions[2]}) {
        const std::string query =
            providers::expandVariables(prom->query, variables(example, revision));
        auto answer = valueOf(*prom, query);
        ASSERT_EQ(answer.kind, providers::PromQueryResult::Kind::Value)
            << query << ": " << answer.error;
        results[revision.revision] = evaluatePrometheus(*prom, threshold, answer, baseline);
      }
      const CheckResult& bad = results[Revision::Bad];
      const CheckResult& good = results[Revision::Good];
      EXPECT_EQ(bad.outcome, CheckOutcome::Failed) << bad.message;
      EXPECT_EQ(good.outcome, CheckOutcome::Passed) << good.message;
      if (bad.outcome == CheckOutcome::Failed && good.outcome == CheckOutcome::Passed)
        fired.push_back(check.name + " (" + bad.message + ")");
    }
    EXPECT_GE(critical, 1u) << "no Critical prometheus check";
    EXPECT_EQ(fired.size(), critical);
    std::cout << "[example-triggers] " << example.slug << ": " << fired.size() << " of " << critical
              << " Critical prometheus triggers fire on the bad revision and pass on "
              << "the good one\n";
    for (const auto& line : fired) std::cout << "    " << line << "\n";
    RecordProperty(example.slug, std::to_string(fired.size()) + "/" + std::to_string(critical));
  }
}

}  // namespace
}  // namespace rg::e2e
