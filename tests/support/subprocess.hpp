#pragma once
// Child processes for tests (kubectl, the operator binary): bounded in time, output captured,
// killed with their process group when the test ends.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace rg::testing {

struct ProcessOptions {
  std::map<std::string, std::string> env;  // added to (or replacing in) the parent environment
  std::string stdinData;
  std::string workingDir;
};

struct ProcessResult {
  int exitCode = -1;  // -1 when killed by a signal or timed out
  bool timedOut = false;
  std::string out;
  std::string err;
};

class Process {
 public:
  Process(const std::vector<std::string>& argv, const ProcessOptions& options = {});
  ~Process();  // kills the process group if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // Reads output until stdout contains `text`; false on timeout or exit first.
  bool waitForStdout(const std::string& text, std::chrono::milliseconds timeout);
  // Waits for exit, killing the group at the deadline. Returns the exit code (-1: killed).
  int wait(std::chrono::milliseconds timeout);
  void kill();
  bool running();
  std::string stdoutText() const;
  std::string stderrText() const;
  bool timedOut() const { return timedOut_; }

 private:
  // Reads what is available for up to `budget`; false when both pipes are at EOF.
  bool pump(std::chrono::milliseconds budget);
  bool reap(bool block);
  void drain();

  pid_t pid_ = -1;
  int outFd_ = -1;
  int errFd_ = -1;
  int exitCode_ = -1;
  bool exited_ = false;
  bool timedOut_ = false;
  mutable std::mutex mu_;
  std::string out_;
  std::string err_;
};

// Runs to completion (or kills at `timeout`) and returns the captured output.
ProcessResult runProcess(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         const ProcessOptions& options = {});

}  // namespace rg::testing
