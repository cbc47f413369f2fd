// The provider and the evaluation against a real Prometheus scraping a fake application.
// One Prometheus serves the whole suite (its first scrape comes ~6 s after start), so ctest
// runs this suite as a single entry.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "reconcilers/providers/http_provider.hpp"
#include "reconcilers/providers/runtime_checks.hpp"
#include "tests/providers/loopback.hpp"

#ifndef RG_PROMETHEUS_BINARY
#define RG_PROMETHEUS_BINARY "/usr/bin/prometheus"
#endif
#ifndef RG_PROMTOOL_BINARY
#define RG_PROMTOOL_BINARY "/usr/bin/promtool"
#endif

namespace rg::providers {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Kind = PromQueryResult::Kind;

// What the fake application exposes. The request counters grow by 7 (code 200) and 3
// (code 500) at every scrape, so every error ratio over them is 0.3.
class MetricsApp {
 public:
  MetricsApp()
      : server_([this](const testing::SeenRequest& r) {
          if (r.path != "/metrics") return testing::Reply{404, "not found"};
          const long scrapes = ++scrapes_;
          std::ostringstream out;
          out << "# TYPE app_error_ratio gauge\n"
              << "app_error_ratio 0.3\n"
              << "# TYPE app_idle_total counter\n"
              << "app_idle_total 5\n"
              << "# TYPE http_requests_total counter\n"
              << "http_requests_total{code=\"200\"} " << 7 * scrapes << "\n"
              << "http_requests_total{code=\"500\"} " << 3 * scrapes << "\n";
          return testing::Reply{200, out.str(), "text/plain; version=0.0.4"};
        }) {}

  int port() const { return server_.port(); }
  long scrapes() const { return scrapes_.load(); }

 private:
  std::atomic<long> scrapes_{0};
  testing::LoopbackServer server_;
};

std::string tail(const std::string& path, std::size_t bytes = 3000) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

// Runs a program to its end; empty on exit status 0, else what happened (with its output).
std::string runToEnd(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  return argv[0] + " failed:\n" + tail(log);
}

class PrometheusProcess {
 public:
  // Empty on success, else what went wrong (with the end of Prometheus's log). `history`, in
  // OpenMetrics text, is written into the TSDB first (promtool backfill).
  std::string start(int scrapePort, const std::string& history = {}) {
    if (::access(RG_PROMETHEUS_BINARY, X_OK) != 0) {
      return std::string(RG_PROMETHEUS_BINARY) +
             " is missing: these tests need Prometheus installed (Debian package prometheus)";
    }
    std::string pattern =
        (std::filesystem::temp_directory_path() / "rg-prometheus-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) return "mkdtemp failed";
    dir_ = pattern;
    port_ = testing::freeLoopbackPort();
    {
      std::ofstream config(dir_ + "/prometheus.yml");
      config << "global:\n"
             << "  scrape_interval: 1s\n"
             << "  evaluation_interval: 1s\n"
             << "scrape_configs:\n"
             << "- job_name: app\n"
             << "  static_configs:\n"
             << "  - targets: ['127.0.0.1:" << scrapePort << "']\n";
    }
    const std::string configFlag = "--config.file=" + dir_ + "/prometheus.yml";
    const std::string listenFlag = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
    const std::string storageFlag = "--storage.tsdb.path=" + dir_ + "/data";
    const std::string log = logPath();
    if (!history.empty()) {
      if (::access(RG_PROMTOOL_BINARY, X_OK) != 0)
        return std::string(RG_PROMTOOL_BINARY) + " is missing (Debian package prometheus)";
      std::ofstream(dir_ + "/history.om") << history;
      auto error = runToEnd({RG_PROMTOOL_BINARY, "tsdb", "create-blocks-from", "openmetrics",
                             dir_ + "/history.om", dir_ + "/data"},
                            dir_ + "/promtool.log");
      if (!error.empty()) return error;
    }
    pid_ = ::fork();
    if (pid_ < 0) return "fork failed";
    if (pid_ == 0) {
      // Do not outlive a crashed test binary.
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      if (::chdir(dir_.c_str()) != 0) ::_exit(126);
      ::execl(RG_PROMETHEUS_BINARY, RG_PROMETHEUS_BINARY, configFlag.c_str(), listenFlag.c_str(),
              storageFlag.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    HttpProvider provider;
    HttpCheck ready;
    ready.url = address() + "/-/ready";
    ready.timeout = kube::Duration(1s);
    const auto deadline = Clock::now() + 30s;
    while (Clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return "prometheus exited during start-up:\n" + tail(log);
      }
      auto probe = provider.httpProbe(ready);
      if (probe.answered && probe.status == 200) return {};
      std::this_thread::sleep_for(100ms);
    }
    return "prometheus not ready after 30 s:\n" + tail(log);
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      const auto deadline = Clock::now() + 15s;
      while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (Clock::now() > deadline) {
          ::kill(pid_, SIGKILL);
          ::waitpid(pid_, &status, 0);
          break;
        }
        std::this_thread::sleep_for(50ms);
      }
      pid_ = -1;
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      dir_.clear();
    }
  }

  std::string address() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string logPath() const { return dir_ + "/prometheus.log"; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
};

class PrometheusLive : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    app_ = new MetricsApp();
    prometheus_ = new PrometheusProcess();
    historyEnd_ = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count() -
                  1;
    error_ = prometheus_->start(app_->port(), history(historyEnd_));
    if (!error_.empty()) return;
    // The first scrape lands a few seconds after start: wait until a sample is queryable.
    HttpProvider provider;
    PromQueryResult last;
    const auto deadline = Clock::now() + 60s;
    while (Clock::now() < deadline) {
      last =
          provider.prometheusQuery(prometheus_->address(), "app_error_ratio", kube::Duration(2s));
      if (last.kind == Kind::Value) return;
      std::this_thread::sleep_for(250ms);
    }
    error_ = "no sample of app_error_ratio after 60 s (" + std::string(toString(last.kind)) + ": " +
             last.error + ", scrapes " + std::to_string(app_->scrapes()) + "):\n" +
             tail(prometheus_->logPath());
  }

  static void TearDownTestSuite() {
    prometheus_->stop();
    delete prometheus_;
    prometheus_ = nullptr;
    delete app_;
    app_ = nullptr;
  }

 protected:
  void SetUp() override { ASSERT_TRUE(error_.empty()) << error_; }

  PromQueryResult query(const std::string& promql) {
    return provider_.prometheusQuery(prometheus_->address(), promql, kube::Duration(5s));
  }

  // Rates need two scrapes inside the window: poll until the query has a value.
  PromQueryResult queryUntilValue(const std::string& promql, std::chrono::seconds limit = 20s) {
    PromQueryResult r;
    const auto deadline = Clock::now() + limit;
    do {
      r = query(promql);
      if (r.kind == Kind::Value) break;
      std::this_thread::sleep_for(250ms);
    } while (Clock::now() < deadline);
    return r;
  }

  CheckSpec spec(const std::string& promql, Threshold threshold) {
    PrometheusCheck body;
    body.address = prometheus_->address();
    body.query = promql;
    CheckSpec check;
    check.name = "prometheus";
    check.body = body;
    check.threshold = threshold;
    return check;
  }

  // Two revisions of Deployment `web` in namespace shop, ending at `end` (Unix seconds), one
  // sample every 15 s:
  // - app_latency_seconds of revision 1's pod (hash aaa111): 1.0 from end-20m to end-12m, then
  //   0.2 until end-6m, when revision 1's pods went away; revision 2's pod (bbb222): 0.5 from
  //   end-6m to end.
  // - app_pod_up, 1 for each running pod over the last 4 minutes: three pods of revision 1,
  //   one of revision 2, and two that only look alike (hash bbb2220, Deployment api).
  static std::string history(long end) {
    std::ostringstream out;
    auto series = [&](const std::string& labels, long from, long to, auto value) {
      for (long t = from; t <= to; t += 15) out << labels << " " << value(t) << " " << t << "\n";
    };
    out << "# TYPE app_latency_seconds gauge\n";
    series(R"(app_latency_seconds{namespace="shop",pod="web-aaa111-p1"})", end - 1200, end - 360,
           [&](long t) { return t <= end - 720 ? 1.0 : 0.2; });
    series(R"(app_latency_seconds{namespace="shop",pod="web-bbb222-p1"})", end - 360, end,
           [](long) { return 0.5; });
    out << "# TYPE app_pod_up gauge\n";
    for (const char* pod : {"web-aaa111-p1", "web-aaa111-p2", "web-aaa111-p3", "web-bbb222-p1",
                            "web-bbb2220-z", "api-bbb222-q"}) {
      series(std::string(R"(app_pod_up{namespace="shop",pod=")") + pod + R"("})", end - 240, end,
             [](long) { return 1; });
    }
    out << "# EOF\n";
    return out.str();
  }

  HttpProvider provider_;
  static inline long historyEnd_ = 0;
  static inline MetricsApp* app_ = nullptr;
  static inline PrometheusProcess* prometheus_ = nullptr;
  static inline std::string error_;
};

TEST_F(PrometheusLive, GaugeValueComesBackAndIsJudged) {
  auto r = query("app_error_ratio");
  ASSERT_EQ(r.kind, Kind::Value) << r.error;
  EXPECT_DOUBLE_EQ(r.value, 0.3);

  Threshold max;
  max.max = 0.1;
  RuntimeEvaluator evaluator(provider_);
  auto evaluation = evaluator.evaluate(spec("app_error_ratio", max));
  EXPECT_EQ(evaluation.result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(evaluation.result.message, "value 0.3 is above max 0.1");
  EXPECT_EQ(evaluation.result.value, "0.3");
  ASSERT_TRUE(evaluation.measured.has_value());
  EXPECT_DOUBLE_EQ(*evaluation.measured, 0.3);
}

TEST_F(PrometheusLive, ErrorRatioOfBumpedCounters) {
  // Selectors, regex matchers, quotes and '/' all travel URL-encoded.
  auto raw = query(R"(sum(http_requests_total{code=~"5.."}) / sum(http_requests_total))");
  ASSERT_EQ(raw.kind, Kind::Value) << raw.error;
  EXPECT_NEAR(raw.value, 0.3, 1e-12);

  auto rate = queryUntilValue(
      R"(sum(rate(http_requests_total{code=~"5.."}[5s])) / sum(rate(http_requests_total[5s])))");
  ASSERT_EQ(rate.kind, Kind::Value) << rate.error;
  EXPECT_NEAR(rate.value, 0.3, 1e-9);

  Threshold t;
  t.max = 0.5;
  t.maxIncreasePercent = 50;
  RuntimeEvaluator evaluator(provider_);
  auto evaluation = evaluator.evaluate(
      spec(R"(sum(http_requests_total{code="500"}) / sum(http_requests_total))", t), 0.18);
  EXPECT_EQ(evaluation.result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(evaluation.result.message, "value 0.3 is 66.7% above baseline 0.18; max increase 50%");
}

TEST_F(PrometheusLive, ScalarResultWithAPlusSign) {
  // '+' must reach Prometheus as %2B, not as a space.
  auto r = query("1+1");
  ASSERT_EQ(r.kind, Kind::Value) << r.error;
  EXPECT_EQ(r.value, 2.0);
}

TEST_F(PrometheusLive, AbsentSeriesIsNoDataAndInconclusive) {
  auto r = query("app_absent_metric");
  EXPECT_EQ(r.kind, Kind::NoData) << r.error;
  EXPECT_EQ(r.error, "query returned no data");

  Threshold max;
  max.max = 0.1;
  RuntimeEvaluator evaluator(provider_);
  auto evaluation = evaluator.evaluate(spec("app_absent_metric", max));
  EXPECT_EQ(evaluation.result.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(evaluation.result.message, "query returned no data");
  EXPECT_FALSE(evaluation.measured.has_value());
}

TEST_F(PrometheusLive, NaNAndInfinitiesAreInconclusive) {
  auto nan = query("(app_idle_total - app_idle_total) / 0");
  EXPECT_EQ(nan.kind, Kind::NoData) << nan.error;
  EXPECT_EQ(nan.error, "query returned NaN (no traffic: 0/0?)");

  auto inf = query("app_idle_total / 0");
  ASSERT_EQ(inf.kind, Kind::Value) << inf.error;
  EXPECT_EQ(inf.value, std::numeric_limits<double>::infinity());

  Threshold t;
  t.max = 0.1;
  t.maxIncreasePercent = 10;
  RuntimeEvaluator evaluator(provider_);
  for (const auto& [promql, message] : std::vector<std::pair<std::string, std::string>>{
           {"(app_idle_total - app_idle_total) / 0", "query returned NaN (no traffic: 0/0?)"},
           {"app_idle_total / 0", "query returned +Inf"},
           {"-app_idle_total / 0", "query returned -Inf"}}) {
    auto evaluation = evaluator.evaluate(spec(promql, t), 0.05);
    EXPECT_EQ(evaluation.result.outcome, CheckOutcome::Inconclusive) << promql;
    EXPECT_EQ(evaluation.result.message, message);
    EXPECT_FALSE(evaluation.measured.has_value()) << "never recorded as a baseline";
  }
}

TEST_F(PrometheusLive, SeveralSeriesIsAnError) {
  auto r = query("http_requests_total");
  EXPECT_EQ(r.kind, Kind::Error);
  EXPECT_EQ(r.error, "query returned 2 series; expected one");
}

TEST_F(PrometheusLive, RangeVectorIsAnError) {
  auto r = query("app_error_ratio[1m]");
  EXPECT_EQ(r.kind, Kind::Error);
  EXPECT_EQ(r.error, "query returned a range vector; expected an instant vector or a scalar");
}

TEST_F(PrometheusLive, SyntaxErrorIsAnErrorWithPrometheusText) {
  auto r = query("sum(");
  EXPECT_EQ(r.kind, Kind::Error);
  EXPECT_NE(r.error.find("parse error"), std::string::npos) << r.error;

  Threshold max;
  max.max = 1;
  RuntimeEvaluator evaluator(provider_);
  auto evaluation = evaluator.evaluate(spec("sum(", max));
  EXPECT_EQ(evaluation.result.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(evaluation.result.message.rfind("query failed: ", 0), 0u) << evaluation.result.message;
  EXPECT_NE(evaluation.result.message.find("parse error"), std::string::npos);
}

RevisionVariables webRevision(const std::string& revision, const std::string& hash) {
  return {"shop", "web", revision, hash, "web-gate"};
}

TEST_F(PrometheusLive, PodTemplateHashSelectsOnlyTheCurrentRevisionsPods) {
  // The scoped query, as a gate author writes it.
  const std::string scoped =
      R"(count(app_pod_up{namespace="{{namespace}}",pod=~"{{name}}-{{podTemplateHash}}-.*"}))";
  Threshold atLeastOne;
  atLeastOne.min = 1;
  RuntimeEvaluator evaluator(provider_);
  const auto current = webRevision("2", "bbb222");
  auto evaluation = evaluator.evaluate(spec(scoped, atLeastOne), std::nullopt, &current);
  EXPECT_EQ(evaluation.result.outcome, CheckOutcome::Passed) << evaluation.result.message;
  EXPECT_EQ(evaluation.result.value, "1") << "one pod of revision 2; not web-bbb2220-z or api-*";
  EXPECT_EQ(evaluation.result.message,
            "value 1 is within threshold (min 1) (query: "
            R"(count(app_pod_up{namespace="shop",pod=~"web-bbb222-.*"})))");

  const auto previous = webRevision("1", "aaa111");
  EXPECT_EQ(evaluator.evaluate(spec(scoped, atLeastOne), std::nullopt, &previous).result.value,
            "3");
  auto all = query(R"(count(app_pod_up{namespace="shop"}))");
  ASSERT_EQ(all.kind, Kind::Value) << all.error;
  EXPECT_EQ(all.value, 6) << "unscoped, every pod counts";
}

TEST_F(PrometheusLive, WindowBaselineAveragesThePreviousRevisionsHistory) {
  const std::string scoped = R"(avg(app_latency_seconds{pod=~"{{name}}-{{podTemplateHash}}-.*"}))";
  Threshold t;
  t.maxIncreasePercent = 20;
  t.baselineWindow = kube::Duration(10min);
  RuntimeEvaluator evaluator(provider_);
  const auto previous = webRevision("1", "aaa111");
  const auto current = webRevision("2", "bbb222");

  // Revision 1's pods are gone (no sample for 6 minutes): a single sample has nothing to say.
  auto now = evaluator.evaluate(spec(scoped, t), std::nullopt, &previous);
  EXPECT_EQ(now.result.outcome, CheckOutcome::Inconclusive) << now.result.message;

  // Its last 10 minutes average 0.2: the 1.0 samples are older than the window.
  auto baseline = evaluator.windowBaseline(spec(scoped, t), previous);
  ASSERT_TRUE(baseline.value) << baseline.note;
  EXPECT_NEAR(*baseline.value, 0.2, 1e-9);
  EXPECT_EQ(baseline.note, "average over 10m0s of revision 1");

  // Revision 2 (0.5) is judged against it.
  auto judged = evaluator.evaluate(spec(scoped, t), baseline.value, &current);
  EXPECT_EQ(judged.result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(judged.result.message,
            "value 0.5 is 150% above baseline 0.2; max increase 20% (query: "
            R"(avg(app_latency_seconds{pod=~"web-bbb222-.*"})))");

  // A longer window reaches back to the 1.0 samples.
  t.baselineWindow = kube::Duration(30min);
  auto longer = evaluator.windowBaseline(spec(scoped, t), previous);
  ASSERT_TRUE(longer.value) << longer.note;
  EXPECT_GT(*longer.value, 0.3);
  EXPECT_LT(*longer.value, 1.0);

  // A window with no sample of the previous revision gives no baseline, and says so.
  t.baselineWindow = kube::Duration(30s);
  auto empty = evaluator.windowBaseline(spec(scoped, t), previous);
  EXPECT_FALSE(empty.value);
  EXPECT_EQ(empty.note, "no data over 30s of revision 1");
}

}  // namespace
}  // namespace rg::providers
