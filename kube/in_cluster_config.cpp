#include "kube/in_cluster_config.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

namespace rg::kube {
namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

bool readWholeFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

std::string trimmed(std::string s) {
  const char* ws = " \t\r\n";
  auto end = s.find_last_not_of(ws);
  if (end == std::string::npos) return {};
  auto begin = s.find_first_not_of(ws);
  return s.substr(begin, end - begin + 1);
}

}  // namespace

TokenFileCredentials::TokenFileCredentials(std::string path, std::string origin,
                                           std::chrono::milliseconds recheck)
    : path_(std::move(path)), origin_(std::move(origin)), recheck_(recheck) {}

void TokenFileCredentials::reload() {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    // Keep serving the last token if the file vanishes briefly during a rotation.
    if (loaded_) return;
    throw ConfigError(origin_ + ": file " + path_ + " not found");
  }
  long long mtime = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  if (loaded_ && mtime == mtimeNs_ && st.st_size == size_ && st.st_ino == inode_) return;
  std::string content;
  if (!readWholeFile(path_, content)) {
    if (loaded_) return;
    throw ConfigError(origin_ + ": file " + path_ + " cannot be read");
  }
  content = trimmed(std::move(content));
  if (content.empty()) {
    if (loaded_) return;  // a half-written file: keep the previous token
    throw ConfigError(origin_ + ": file " + path_ + " is empty");
  }
  token_ = std::move(content);
  mtimeNs_ = mtime;
  size_ = st.st_size;
  inode_ = st.st_ino;
  loaded_ = true;
}

Credentials TokenFileCredentials::current() {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  if (!loaded_ || now - lastCheck_ >= recheck_) {
    reload();
    lastCheck_ = now;
  }
  Credentials creds;
  creds.token = token_;
  return creds;
}

bool TokenFileCredentials::invalidate(const Credentials& used) {
  std::lock_guard lock(mutex_);
  try {
    reload();
  } catch (const ConfigError&) {
    return false;
  }
  lastCheck_ = std::chrono::steady_clock::now();
  return token_ != used.token;
}

bool inClusterAvailable(const InClusterOptions& options) {
  std::string host = options.host.empty() ? env("KUBERNETES_SERVICE_HOST") : options.host;
  std::string port = options.port.empty() ? env("KUBERNETES_SERVICE_PORT") : options.port;
  struct stat st {};
  return !host.empty() && !port.empty() && ::stat((options.root + "/token").c_str(), &st) == 0;
}

ClientConfig loadInClusterConfig(const InClusterOptions& options) {
  std::string host = options.host.empty() ? env("KUBERNETES_SERVICE_HOST") : options.host;
  std::string port = options.port.empty() ? env("KUBERNETES_SERVICE_PORT") : options.port;
  if (host.empty() || port.empty()) {
    throw ConfigError(
        "in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
  }
  ClientConfig config;
  config.source = "in-cluster";
  // An IPv6 service address needs brackets in a URL.
  bool ipv6 = host.find(':') != std::string::npos && host.front() != '[';
  config.server = "https://" + (ipv6 ? "[" + host + "]" : host) + ":" + port;

  const std::string tokenPath = options.root + "/token";
  auto tokens =
      std::make_shared<TokenFileCredentials>(tokenPath, "in-cluster: token", options.tokenRecheck);
  tokens->current();  // fail now, with the file named, if the token is missing
  config.credentialProvider = std::move(tokens);

  const std::string caPath = options.root + "/ca.crt";
  if (!readWholeFile(caPath, config.caPem)) {
    throw ConfigError("in-cluster: ca.crt: file " + caPath + " not found");
  }
  std::string ns;
  if (readWholeFile(options.root + "/namespace", ns) && !trimmed(ns).empty()) {
    config.defaultNamespace = trimmed(ns);
  }
  return config;
}

}  // namespace rg::kube
