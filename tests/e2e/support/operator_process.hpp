#pragma once
// The built readiness-gate binary running `run` against a test API server: started as a child
// process, ready once /readyz answers 200 (informers synced), killable and restartable.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/e2e/support/child_process.hpp"

namespace rg::e2e {

struct OperatorOptions {
  std::string binary;      // the readiness-gate executable
  std::string kubeconfig;  // points at the test API server
  std::string dir;         // logs go to <dir>/operator-<n>.log
  std::vector<std::string> extraArgs;
};

class OperatorProcess {
 public:
  explicit OperatorProcess(OperatorOptions options);
  ~OperatorProcess();

  // Starts a new process and waits until /readyz answers 200; throws with the end of its log.
  void start(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Starts a new process without waiting for /readyz (for a process expected to stay unready).
  void launch();
  // Sends `signal` (SIGKILL: no clean shutdown) and waits for the exit.
  void kill(int signal);
  // SIGTERM and wait: a clean stop. Returns the exit status.
  int stop();
  bool running();
  pid_t pid() const;
  int healthPort() const { return healthPort_; }
  int metricsPort() const { return metricsPort_; }
  // The value of the series `name{labels}` on /metrics ("namespace=\"a\",gate=\"b\"", as
  // rendered), or nullopt when it is absent or /metrics does not answer.
  std::optional<double> metric(const std::string& name, const std::string& labels) const;
  // Waits for up to `rounds` evaluation rounds of gate `ns`/`gate` (moves of
  // readinessgate_last_evaluation_timestamp_seconds), each within `timeout`; returns how many
  // were seen.
  int waitForRounds(const std::string& ns, const std::string& gate, int rounds,
                    std::chrono::milliseconds timeout) const;
  int starts() const { return starts_; }
  std::string logTail(size_t bytes = 6000) const;

 private:
  OperatorOptions options_;
  int healthPort_ = 0;
  int metricsPort_ = 0;
  int starts_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace rg::e2e
