#include "tests/e2e/support/operator_process.hpp"

#include <stdexcept>

#include "tests/e2e/support/http_get.hpp"
#include "tests/e2e/support/poll.hpp"
#include "tests/providers/loopback.hpp"

namespace rg::e2e {

using namespace std::chrono_literals;

OperatorProcess::OperatorProcess(OperatorOptions options) : options_(std::move(options)) {}

OperatorProcess::~OperatorProcess() {
  if (process_) process_->stop(5s);
}

void OperatorProcess::start(std::chrono::milliseconds timeout) {
  launch();
  const std::string readyz = "http://127.0.0.1:" + std::to_string(healthPort_) + "/readyz";
  const bool ready = eventually(
      [&] { return !process_->running() || httpGet(readyz, 1s).status == 200; }, timeout, 50ms);
  if (!ready || !process_->running())
    throw std::runtime_error("the operator did not become ready (" + readyz + "):\n" + logTail());
}

void OperatorProcess::launch() {
  if (process_ && process_->running()) throw std::logic_error("the operator is already running");
  ++starts_;
  healthPort_ = providers::testing::freeLoopbackPort();
  // /metrics on a free port unless the test binds it itself (the last flag wins).
  metricsPort_ = providers::testing::freeLoopbackPort();
  for (size_t i = 0; i + 1 < options_.extraArgs.size(); ++i) {
    const std::string& address = options_.extraArgs[i + 1];
    if (options_.extraArgs[i] == "--metrics-bind-address")
      metricsPort_ = std::stoi(address.substr(address.rfind(':') + 1));
  }
  std::vector<std::string> argv = {options_.binary,
                                   "run",
                                   "--kubeconfig",
                                   options_.kubeconfig,
                                   "--metrics-bind-address",
                                   "127.0.0.1:" + std::to_string(metricsPort_),
                                   "--health-probe-bind-address",
                                   "127.0.0.1:" + std::to_string(healthPort_),
                                   "--log-format",
                                   "json"};
  argv.insert(argv.end(), options_.extraArgs.begin(), options_.extraArgs.end());
  process_ = std::make_unique<ChildProcess>(
      argv, options_.dir + "/operator-" + std::to_string(starts_) + ".log");
}

void OperatorProcess::kill(int signal) {
  if (!process_) return;
  process_->signal(signal);
  process_->wait(10s);
}

int OperatorProcess::stop() {
  return process_ ? process_->stop(10s) : -1;
}

bool OperatorProcess::running() {
  return process_ && process_->running();
}

pid_t OperatorProcess::pid() const {
  return process_ ? process_->pid() : -1;
}

std::string OperatorProcess::logTail(size_t bytes) const {
  return process_ ? process_->logTail(bytes) : "";
}

std::optional<double> OperatorProcess::metric(const std::string& name,
                                              const std::string& labels) const {
  const HttpReply reply = httpGet("http://127.0.0.1:" + std::to_string(metricsPort_) + "/metrics");
  if (reply.status != 200) return std::nullopt;
  const std::string series = "\n" + name + "{" + labels + "} ";
  const auto at = reply.body.find(series);
  if (at == std::string::npos) return std::nullopt;
  return std::stod(reply.body.substr(at + series.size()));
}

int OperatorProcess::waitForRounds(const std::string& ns, const std::string& gate, int rounds,
                                   std::chrono::milliseconds timeout) const {
  const std::string labels = "namespace=\"" + ns + "\",gate=\"" + gate + "\"";
  const auto lastRound = [&] {
    return metric("readinessgate_last_evaluation_timestamp_seconds", labels);
  };
  std::optional<double> seen = lastRound();
  for (int i = 0; i < rounds; ++i) {
    const bool moved = eventually(
        [&] {
          auto now = lastRound();
          return now && now != seen;
        },
        timeout, std::chrono::milliseconds(50));
    if (!moved) return i;
    seen = lastRound();
  }
  return rounds;
}

}  // namespace rg::e2e
