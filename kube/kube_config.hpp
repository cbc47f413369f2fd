#pragma once
// How to reach and authenticate to an API server: kubeconfig files and the shared types that
// in-cluster configuration and exec plugins also produce.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace rg::kube {

// A configuration problem. The message names the file and the field, e.g.
// "/home/u/.kube/config: users[0].user.client-key: file /x/key.pem not found".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a request presents to the API server. PEM strings; empty fields are absent.
struct Credentials {
  std::string token;
  std::string clientCertPem;
  std::string clientKeyPem;

  bool operator==(const Credentials&) const = default;
};

// Credentials that can change while the process runs (rotated token files, exec plugins).
// Implementations are thread-safe.
class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;
  // The credentials to use now; throws ConfigError when they cannot be obtained.
  virtual Credentials current() = 0;
  // The API server answered 401 to a request made with `used`. Returns true when fresh
  // credentials may differ, so that the request is worth one more attempt.
  virtual bool invalidate(const Credentials& used) {
    (void)used;
    return false;
  }
};

struct ClientConfig {
  std::string server;  // "https://host:port", optionally with a path prefix
  std::string caPem;   // trusted CAs; empty: the system's roots
  bool insecureSkipTlsVerify = false;
  std::string tlsServerName;  // name to verify instead of the server URL's host
  std::string proxyUrl;       // http:// proxy (HTTPS goes through CONNECT)
  // Static credentials (kubeconfig token / client-certificate).
  Credentials credentials;
  // Dynamic credentials (token file, exec plugin); its non-empty fields override `credentials`.
  std::shared_ptr<CredentialProvider> credentialProvider;
  std::string defaultNamespace = "default";
  std::string source;  // where this came from (a kubeconfig path, "in-cluster"), for messages
};

struct KubeConfigOptions {
  // Explicit kubeconfig file; empty: $KUBECONFIG (colon-separated files, merged), then
  // ~/.kube/config.
  std::string path;
  // Context to use; empty: the file's current-context.
  std::string context;
};

// Reads a kubeconfig. Throws ConfigError.
ClientConfig loadKubeConfig(const KubeConfigOptions& options = {});

// Reads one kubeconfig from `text` (no $KUBECONFIG merging). `origin` names it in messages and
// anchors relative paths (certificate files, exec commands). Throws ConfigError.
ClientConfig parseKubeConfig(const std::string& text, const std::string& origin,
                             const std::string& context = {});

// controller-runtime's order: an explicit path, $KUBECONFIG, in-cluster, ~/.kube/config.
ClientConfig loadDefaultConfig(const KubeConfigOptions& options = {});

// Standard base64 (line breaks tolerated); nullopt when malformed.
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace rg::kube
