#pragma once
// A long-running child process for end-to-end tests (the operator, Prometheus): output goes to
// a log file, it runs in its own process group, and it dies with the test process.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace rg::e2e {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with stdout and stderr appended to `logPath`; throws on failure.
  ChildProcess(const std::vector<std::string>& argv, const std::string& logPath);
  ~ChildProcess();  // SIGKILL to the group if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signal` to the process group.
  void signal(int signal);
  // Waits up to `timeout` for exit; returns the exit status (128+N for signal N), or -1 when
  // still running.
  int wait(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL after `grace`. Returns the exit status.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  const std::string& logPath() const { return logPath_; }
  // The last `bytes` of the log.
  std::string logTail(size_t bytes = 4000) const;

 private:
  bool reap(bool block);

  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = -1;
  std::string logPath_;
};

}  // namespace rg::e2e
