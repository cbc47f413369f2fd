#include "tests/support/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace rg::testing {
namespace {

void closeFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

Process::Process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty()) throw std::invalid_argument("empty argv");
  // Everything the child needs is prepared before fork: only async-signal-safe calls after.
  std::map<std::string, std::string> envMap;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string::npos) envMap[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [k, v] : options.env) envMap[k] = v;
  std::vector<std::string> envStrings;
  for (const auto& [k, v] : envMap) envStrings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : envStrings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);

  int inPipe[2], outPipe[2], errPipe[2];
  if (::pipe2(inPipe, O_CLOEXEC) != 0 || ::pipe2(outPipe, O_CLOEXEC) != 0 ||
      ::pipe2(errPipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  const std::string cwd = options.workingDir;
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::setpgid(0, 0);
    ::dup2(inPipe[0], 0);
    ::dup2(outPipe[1], 1);
    ::dup2(errPipe[1], 2);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execvpe(cargv[0], cargv.data(), envp.data());
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);
  ::close(inPipe[0]);
  ::close(outPipe[1]);
  ::close(errPipe[1]);
  outFd_ = outPipe[0];
  errFd_ = errPipe[0];
  if (!options.stdinData.empty()) {
    // Small inputs only (manifests): written before reading output.
    const char* p = options.stdinData.data();
    size_t left = options.stdinData.size();
    while (left > 0) {
      const ssize_t n = ::write(inPipe[1], p, left);
      if (n <= 0) break;
      p += n;
      left -= static_cast<size_t>(n);
    }
  }
  ::close(inPipe[1]);
}

Process::~Process() {
  kill();
  closeFd(outFd_);
  closeFd(errFd_);
}

bool Process::pump(std::chrono::milliseconds budget) {
  pollfd fds[2];
  nfds_t n = 0;
  if (outFd_ >= 0) fds[n++] = {outFd_, POLLIN, 0};
  if (errFd_ >= 0) fds[n++] = {errFd_, POLLIN, 0};
  if (n == 0) return false;
  const int rc = ::poll(fds, n, static_cast<int>(budget.count()));
  if (rc <= 0) return true;
  for (nfds_t i = 0; i < n; ++i) {
    if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    char buf[8192];
    const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
    const bool isOut = fds[i].fd == outFd_;
    if (got > 0) {
      std::lock_guard lock(mu_);
      (isOut ? out_ : err_).append(buf, static_cast<size_t>(got));
    } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
      closeFd(isOut ? outFd_ : errFd_);
    }
  }
  return outFd_ >= 0 || errFd_ >= 0;
}

bool Process::reap(bool block) {
  if (exited_) return true;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  if (r == pid_) {
    exited_ = true;
    exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return exited_;
}

bool Process::running() {
  return !reap(false);
}

bool Process::waitForStdout(const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mu_);
      if (out_.find(text) != std::string::npos) return true;
    }
    if (!pump(std::chrono::milliseconds(50)) && reap(false)) break;
  }
  std::lock_guard lock(mu_);
  return out_.find(text) != std::string::npos;
}

int Process::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const bool open = pump(std::chrono::milliseconds(50));
    if (reap(false)) {
      drain();
      return exitCode_;
    }
    if (!open) ::usleep(20000);
  }
  timedOut_ = true;
  kill();
  return exitCode_;
}

void Process::drain() {
  // Output still buffered in the pipes after exit (a grandchild may keep them open: bounded).
  for (int i = 0; i < 1000 && (outFd_ >= 0 || errFd_ >= 0); ++i) {
    pollfd fds[2];
    nfds_t n = 0;
    if (outFd_ >= 0) fds[n++] = {outFd_, POLLIN, 0};
    if (errFd_ >= 0) fds[n++] = {errFd_, POLLIN, 0};
    if (::poll(fds, n, 10) <= 0) break;
    pump(std::chrono::milliseconds(0));
  }
}

void Process::kill() {
  if (pid_ <= 0 || exited_) return;
  if (!reap(false)) {
    ::kill(-pid_, SIGKILL);  // the child's own process group
    reap(true);
  }
  drain();
}

std::string Process::stdoutText() const {
  std::lock_guard lock(mu_);
  return out_;
}

std::string Process::stderrText() const {
  std::lock_guard lock(mu_);
  return err_;
}

ProcessResult runProcess(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         const ProcessOptions& options) {
  Process p(argv, options);
  ProcessResult r;
  r.exitCode = p.wait(timeout);
  r.timedOut = p.timedOut();
  r.out = p.stdoutText();
  r.err = p.stderrText();
  return r;
}

}  // namespace rg::testing
