#include "kube/exec_credentials.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>

#include <spdlog/spdlog.h>

extern char** environ;

namespace rg::kube {
namespace {

struct ProcessResult {
  int spawnError = 0;  // errno of posix_spawnp, 0 when it started
  bool timedOut = false;
  int exitStatus = -1;  // exit code, or -signal
  std::string out;
  std::string err;
};

constexpr size_t kMaxOutput = 4 * 1024 * 1024;

// Runs argv with envp, stdin from /dev/null, capturing stdout and stderr, killed after timeout.
ProcessResult runProcess(const std::vector<std::string>& argv, const std::vector<std::string>& envp,
                         std::chrono::milliseconds timeout) {
  ProcessResult result;
  int outPipe[2];
  int errPipe[2];
  if (::pipe2(outPipe, O_CLOEXEC) != 0) {
    result.spawnError = errno;
    return result;
  }
  if (::pipe2(errPipe, O_CLOEXEC) != 0) {
    result.spawnError = errno;
    ::close(outPipe[0]);
    ::close(outPipe[1]);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2);

  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  std::vector<char*> cenv;
  for (const auto& e : envp) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);

  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, cargv[0], &actions, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(outPipe[1]);
  ::close(errPipe[1]);
  if (rc != 0) {
    result.spawnError = rc;
    ::close(outPipe[0]);
    ::close(errPipe[0]);
    return result;
  }

  auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int openCount = 2;
  char buf[8192];
  while (openCount > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timedOut = true;
      break;
    }
    int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        if (sinks[i]->size() < kMaxOutput) sinks[i]->append(buf, static_cast<size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --openCount;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) ::close(f.fd);
  }
  if (result.timedOut) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    result.exitStatus = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exitStatus = -WTERMSIG(status);
  }
  return result;
}

std::string excerpt(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  if (text.size() > 300) text = text.substr(0, 300) + "...";
  return text;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parseRfc3339(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  size_t pos = static_cast<size_t>(consumed);
  long long nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    long long scale = 100000000;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      nanos += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
  }
  long offset = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int hh = 0;
    int mm = 0;
    if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d", &hh, &mm) != 2) return std::nullopt;
    offset = (hh * 3600L + mm * 60L) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  time_t secs = ::timegm(&tm);
  if (secs == static_cast<time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(secs - offset) +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(
             std::chrono::nanoseconds(nanos));
}

ExecCredentialProvider::ExecCredentialProvider(ExecConfig config) : config_(std::move(config)) {}

Credentials ExecCredentialProvider::current() {
  std::lock_guard lock(mutex_);
  if (cached_ && (!expiry_ || std::chrono::system_clock::now() < *expiry_)) return *cached_;
  std::optional<std::chrono::system_clock::time_point> expiry;
  Credentials fresh = run(expiry);
  cached_ = fresh;
  expiry_ = expiry;
  return fresh;
}

bool ExecCredentialProvider::invalidate(const Credentials& used) {
  std::lock_guard lock(mutex_);
  // Another request may already have refreshed them: then they differ from `used` anyway.
  if (cached_ && *cached_ == used) {
    cached_.reset();
    expiry_.reset();
  }
  return true;
}

Credentials ExecCredentialProvider::run(
    std::optional<std::chrono::system_clock::time_point>& expiry) const {
  const std::string& origin = config_.origin;
  if (config_.apiVersion != "client.authentication.k8s.io/v1" &&
      config_.apiVersion != "client.authentication.k8s.io/v1beta1") {
    throw ConfigError(origin + ".apiVersion: unsupported exec plugin API version \"" +
                      config_.apiVersion + "\"");
  }
  if (config_.interactiveMode == "Always") {
    throw ConfigError(origin +
                      ".interactiveMode: Always needs a terminal; this client is "
                      "not interactive");
  }

  nlohmann::json info = {{"apiVersion", config_.apiVersion},
                         {"kind", "ExecCredential"},
                         {"spec", {{"interactive", false}}}};
  if (config_.provideClusterInfo && !config_.cluster.is_null()) {
    info["spec"]["cluster"] = config_.cluster;
  }

  // The plugin inherits our environment, plus its own variables and KUBERNETES_EXEC_INFO.
  std::map<std::string, std::string> vars;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos) vars[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [name, value] : config_.env) vars[name] = value;
  vars["KUBERNETES_EXEC_INFO"] = info.dump();
  std::vector<std::string> envp;
  envp.reserve(vars.size());
  for (const auto& [name, value] : vars) envp.push_back(name + "=" + value);

  std::vector<std::string> argv{config_.command};
  argv.insert(argv.end(), config_.args.begin(), config_.args.end());

  auto started = std::chrono::steady_clock::now();
  ProcessResult r = runProcess(argv, envp, config_.timeout);
  spdlog::debug("exec credential plugin {} ran in {} ms", config_.command,
                std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count());
  const std::string cmd = "command \"" + config_.command + "\"";
  if (r.spawnError != 0) {
    std::string msg =
        origin + ": " + cmd +
        (r.spawnError == ENOENT ? " not found" : std::string(": ") + std::strerror(r.spawnError));
    if (!config_.installHint.empty()) msg += ". " + excerpt(config_.installHint);
    throw ConfigError(msg);
  }
  if (r.timedOut) {
    throw ConfigError(origin + ": " + cmd + " did not finish within " +
                      std::to_string(config_.timeout.count()) + " ms");
  }
  if (r.exitStatus != 0) {
    std::string msg = origin + ": " + cmd + " failed: exit status " + std::to_string(r.exitStatus);
    // stderr is the plugin's diagnostic channel; stdout may hold credentials and is never shown.
    if (!r.err.empty()) msg += ": " + excerpt(r.err);
    throw ConfigError(msg);
  }

  auto doc = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) throw ConfigError(origin + ": " + cmd + " printed no ExecCredential JSON");
  if (doc.value("kind", "") != "ExecCredential") {
    throw ConfigError(origin + ": " + cmd + " printed kind \"" + doc.value("kind", "") +
                      "\", want ExecCredential");
  }
  if (doc.value("apiVersion", "") != config_.apiVersion) {
    throw ConfigError(origin + ": " + cmd + " answered apiVersion \"" +
                      doc.value("apiVersion", "") + "\", configured \"" + config_.apiVersion +
                      "\"");
  }
  auto status = doc.find("status");
  if (status == doc.end() || !status->is_object()) {
    throw ConfigError(origin + ": " + cmd + " printed an ExecCredential without status");
  }
  Credentials creds;
  creds.token = status->value("token", "");
  creds.clientCertPem = status->value("clientCertificateData", "");
  creds.clientKeyPem = status->value("clientKeyData", "");
  if (creds.clientCertPem.empty() != creds.clientKeyPem.empty()) {
    throw ConfigError(origin + ": " + cmd +
                      " must print both clientCertificateData and clientKeyData, or neither");
  }
  if (creds.token.empty() && creds.clientCertPem.empty()) {
    throw ConfigError(origin + ": " + cmd + " printed neither a token nor a client certificate");
  }
  expiry.reset();
  std::string exp = status->value("expirationTimestamp", "");
  if (!exp.empty()) {
    expiry = parseRfc3339(exp);
    if (!expiry) {
      throw ConfigError(origin + ": " + cmd + " printed an invalid expirationTimestamp \"" + exp +
                        "\"");
    }
  }
  return creds;
}

}  // namespace rg::kube
