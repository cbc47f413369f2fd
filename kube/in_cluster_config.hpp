#pragma once
// In-cluster configuration (service account token, CA, namespace) and token files that are
// re-read when they rotate.
#include <chrono>
#include <mutex>
#include <string>

#include "kube/kube_config.hpp"

namespace rg::kube {

// A bearer token read from a file and re-read when the file changes (kubelet rotates projected
// service account tokens; client-go re-reads them periodically). The file is stat'ed at most
// once per `recheck`; a 401 forces a re-read.
class TokenFileCredentials : public CredentialProvider {
 public:
  // `origin` prefixes error messages (e.g. "/home/u/.kube/config: users[0].user.tokenFile").
  TokenFileCredentials(std::string path, std::string origin,
                       std::chrono::milliseconds recheck = std::chrono::seconds(5));

  Credentials current() override;
  bool invalidate(const Credentials& used) override;
  const std::string& path() const { return path_; }

 private:
  void reload();  // requires mutex_

  std::string path_;
  std::string origin_;
  std::chrono::milliseconds recheck_;
  std::mutex mutex_;
  std::string token_;
  bool loaded_ = false;
  std::chrono::steady_clock::time_point lastCheck_{};
  // Identity of the file last read: rotation replaces it (new inode / mtime / size).
  long long mtimeNs_ = -1;
  long long size_ = -1;
  unsigned long long inode_ = 0;
};

struct InClusterOptions {
  std::string root = "/var/run/secrets/kubernetes.io/serviceaccount";
  // Empty: $KUBERNETES_SERVICE_HOST / $KUBERNETES_SERVICE_PORT.
  std::string host;
  std::string port;
  std::chrono::milliseconds tokenRecheck = std::chrono::seconds(5);
};

// True when the process runs in a pod: the service environment variables are set and the token
// file exists.
bool inClusterAvailable(const InClusterOptions& options = {});

// Throws ConfigError naming the missing variable or file.
ClientConfig loadInClusterConfig(const InClusterOptions& options = {});

}  // namespace rg::kube
