#include "kube/kube_config.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "kube/exec_credentials.hpp"
#include "kube/in_cluster_config.hpp"

namespace rg::kube {
namespace {

namespace fs = std::filesystem;

// One named entry (cluster, user or context) and where it was defined.
struct Entry {
  YAML::Node body;    // the "cluster" / "user" / "context" map
  std::string file;   // kubeconfig path
  std::string field;  // "users[0].user"
};

struct Merged {
  std::map<std::string, Entry> clusters;
  std::map<std::string, Entry> users;
  std::map<std::string, Entry> contexts;
  std::string currentContext;
  std::vector<std::string> files;
};

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

[[noreturn]] void fail(const std::string& file, const std::string& field, const std::string& what) {
  throw ConfigError(file + ": " + field + ": " + what);
}

// Relative paths in a kubeconfig are relative to the folder of the file that holds them.
std::string resolvePath(const std::string& file, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(file).parent_path() / path).lexically_normal().string();
}

std::string readFileFor(const std::string& file, const std::string& field,
                        const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail(file, field, "file " + path + " not found");
  std::ifstream in(path, std::ios::binary);
  if (!in || S_ISDIR(st.st_mode)) {
    fail(file, field, "file " + path + " cannot be read: " + std::strerror(errno ? errno : EISDIR));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A scalar string field; empty when absent.
std::string scalar(const Entry& e, const char* key) {
  YAML::Node node = e.body[key];
  if (!node.IsDefined() || node.IsNull()) return {};
  if (!node.IsScalar()) fail(e.file, e.field + "." + key, "must be a string");
  return node.Scalar();
}

bool boolean(const Entry& e, const char* key) {
  YAML::Node node = e.body[key];
  if (!node.IsDefined() || node.IsNull()) return false;
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    fail(e.file, e.field + "." + key, "must be true or false");
  }
  return value;
}

std::string decodeField(const Entry& e, const char* key, const std::string& value) {
  auto decoded = base64Decode(value);
  if (!decoded) fail(e.file, e.field + "." + key, "invalid base64");
  return *decoded;
}

// Scalars stay strings: the plugin receives the extension as the file spelled it.
nlohmann::json yamlToJson(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& kv : node) out[kv.first.Scalar()] = yamlToJson(kv.second);
    return out;
  }
  if (node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : node) out.push_back(yamlToJson(item));
    return out;
  }
  if (node.IsScalar()) return node.Scalar();
  return nullptr;
}

std::string base64Encode(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// PEM sanity checks, so that a bad file is reported with its field rather than as a TLS
// failure on the first request.
int countCertificates(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_free(cert);
    ++count;
  }
  BIO_free(bio);
  ERR_clear_error();  // the read that ends the loop always leaves an error behind
  return count;
}

bool keyMatchesCertificate(const std::string& certPem, const std::string& keyPem, bool& keyParsed) {
  BIO* kb = BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
  BIO_free(kb);
  keyParsed = key != nullptr;
  if (!key) {
    ERR_clear_error();
    return false;
  }
  BIO* cb = BIO_new_mem_buf(certPem.data(), static_cast<int>(certPem.size()));
  X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
  BIO_free(cb);
  bool ok = cert != nullptr && X509_check_private_key(cert, key) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  ERR_clear_error();
  return ok;
}

void mergeSection(const YAML::Node& root, const std::string& file, const char* section,
                  const char* bodyKey, std::map<std::string, Entry>& into) {
  YAML::Node list = root[section];
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) fail(file, section, "must be a list");
  for (size_t i = 0; i < list.size(); ++i) {
    std::string field = std::string(section) + "[" + std::to_string(i) + "]";
    YAML::Node item = list[i];
    if (!item.IsMap()) fail(file, field, "must be a map");
    YAML::Node name = item["name"];
    if (!name.IsDefined() || !name.IsScalar() || name.Scalar().empty()) {
      fail(file, field + ".name", "missing");
    }
    YAML::Node body = item[bodyKey];
    if (body.IsDefined() && !body.IsNull() && !body.IsMap()) {
      fail(file, field + "." + bodyKey, "must be a map");
    }
    // As with client-go, the first file that defines a name wins.
    into.try_emplace(name.Scalar(), Entry{body.IsDefined() ? body : YAML::Node(YAML::NodeType::Map),
                                          file, field + "." + bodyKey});
  }
}

void mergeRoot(const YAML::Node& root, const std::string& file, Merged& merged) {
  merged.files.push_back(file);
  if (root.IsNull()) return;  // an empty file is an empty config
  if (!root.IsMap()) throw ConfigError(file + ": not a kubeconfig (expected a map)");
  mergeSection(root, file, "clusters", "cluster", merged.clusters);
  mergeSection(root, file, "users", "user", merged.users);
  mergeSection(root, file, "contexts", "context", merged.contexts);
  YAML::Node current = root["current-context"];
  if (merged.currentContext.empty() && current.IsDefined() && current.IsScalar()) {
    merged.currentContext = current.Scalar();
  }
}

void mergeFile(const std::string& file, Merged& merged) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    throw ConfigError(file + ": file not found or not readable");
  } catch (const YAML::Exception& e) {
    throw ConfigError(file + ": invalid YAML: " + e.what());
  }
  mergeRoot(root, file, merged);
}

std::string filesLabel(const Merged& merged) {
  std::string out;
  for (const auto& f : merged.files) out += (out.empty() ? "" : ":") + f;
  return out;
}

void loadCluster(const Entry& e, ClientConfig& config, nlohmann::json& execCluster,
                 const YAML::Node& extensions) {
  config.server = scalar(e, "server");
  if (config.server.empty()) fail(e.file, e.field + ".server", "missing");
  while (config.server.size() > 1 && config.server.back() == '/') config.server.pop_back();
  if (config.server.rfind("https://", 0) != 0 && config.server.rfind("http://", 0) != 0) {
    fail(e.file, e.field + ".server", "\"" + config.server + "\" is not an http(s) URL");
  }
  std::string caFile = scalar(e, "certificate-authority");
  std::string caData = scalar(e, "certificate-authority-data");
  if (!caFile.empty() && !caData.empty()) {
    fail(e.file, e.field + ".certificate-authority",
         "both certificate-authority and certificate-authority-data are set");
  }
  std::string caField =
      e.field + (caData.empty() ? ".certificate-authority" : ".certificate-authority-data");
  if (!caData.empty()) config.caPem = decodeField(e, "certificate-authority-data", caData);
  if (!caFile.empty()) config.caPem = readFileFor(e.file, caField, resolvePath(e.file, caFile));
  if (!config.caPem.empty() && countCertificates(config.caPem) == 0) {
    fail(e.file, caField, "no PEM certificate found");
  }
  config.insecureSkipTlsVerify = boolean(e, "insecure-skip-tls-verify");
  if (config.insecureSkipTlsVerify && !config.caPem.empty()) {
    fail(e.file, e.field + ".insecure-skip-tls-verify",
         "cannot be true together with a certificate authority");
  }
  config.tlsServerName = scalar(e, "tls-server-name");
  config.proxyUrl = scalar(e, "proxy-url");
  if (!config.proxyUrl.empty() && config.proxyUrl.rfind("http://", 0) != 0) {
    fail(e.file, e.field + ".proxy-url", "only http:// proxies are supported");
  }

  execCluster = {{"server", config.server}};
  if (!config.tlsServerName.empty()) execCluster["tls-server-name"] = config.tlsServerName;
  if (config.insecureSkipTlsVerify) execCluster["insecure-skip-tls-verify"] = true;
  if (!config.caPem.empty()) execCluster["certificate-authority-data"] = base64Encode(config.caPem);
  if (!config.proxyUrl.empty()) execCluster["proxy-url"] = config.proxyUrl;
  // Per-cluster plugin configuration lives in extensions[name=client.authentication.k8s.io/exec].
  if (extensions.IsDefined() && extensions.IsSequence()) {
    for (const auto& ext : extensions) {
      // ext is const: a missing key gives an invalid node, on which IsScalar() throws.
      if (ext.IsMap() && ext["name"].IsDefined() && ext["name"].IsScalar() &&
          ext["name"].Scalar() == "client.authentication.k8s.io/exec" && ext["extension"]) {
        execCluster["config"] = yamlToJson(ext["extension"]);
      }
    }
  }
}

void loadUser(const Entry& e, ClientConfig& config, const nlohmann::json& execCluster) {
  if (e.body["auth-provider"].IsDefined() && !e.body["auth-provider"].IsNull()) {
    fail(e.file, e.field + ".auth-provider",
         "auth providers are not supported; use an exec credential plugin");
  }
  if (!scalar(e, "username").empty() || !scalar(e, "password").empty()) {
    fail(e.file, e.field + ".username", "basic authentication is not supported");
  }

  std::string certFile = scalar(e, "client-certificate");
  std::string certData = scalar(e, "client-certificate-data");
  std::string keyFile = scalar(e, "client-key");
  std::string keyData = scalar(e, "client-key-data");
  if (!certFile.empty() && !certData.empty()) {
    fail(e.file, e.field + ".client-certificate",
         "both client-certificate and client-certificate-data are set");
  }
  if (!keyFile.empty() && !keyData.empty()) {
    fail(e.file, e.field + ".client-key", "both client-key and client-key-data are set");
  }
  std::string certField =
      e.field + (certData.empty() ? ".client-certificate" : ".client-certificate-data");
  std::string keyField = e.field + (keyData.empty() ? ".client-key" : ".client-key-data");
  if (!certData.empty())
    config.credentials.clientCertPem = decodeField(e, "client-certificate-data", certData);
  if (!certFile.empty()) {
    config.credentials.clientCertPem =
        readFileFor(e.file, certField, resolvePath(e.file, certFile));
  }
  if (!keyData.empty())
    config.credentials.clientKeyPem = decodeField(e, "client-key-data", keyData);
  if (!keyFile.empty()) {
    config.credentials.clientKeyPem = readFileFor(e.file, keyField, resolvePath(e.file, keyFile));
  }
  const auto& creds = config.credentials;
  if (!creds.clientCertPem.empty() && creds.clientKeyPem.empty()) {
    fail(e.file, e.field + ".client-key", "missing (client-certificate is set)");
  }
  if (creds.clientCertPem.empty() && !creds.clientKeyPem.empty()) {
    fail(e.file, e.field + ".client-certificate", "missing (client-key is set)");
  }
  if (!creds.clientCertPem.empty()) {
    if (countCertificates(creds.clientCertPem) == 0)
      fail(e.file, certField, "no PEM certificate found");
    bool keyParsed = false;
    if (!keyMatchesCertificate(creds.clientCertPem, creds.clientKeyPem, keyParsed)) {
      fail(e.file, keyField,
           keyParsed ? "does not match the client certificate" : "no PEM private key found");
    }
  }

  config.credentials.token = scalar(e, "token");
  std::string tokenFile = scalar(e, "tokenFile");
  if (config.credentials.token.empty() && !tokenFile.empty()) {
    auto provider = std::make_shared<TokenFileCredentials>(resolvePath(e.file, tokenFile),
                                                           e.file + ": " + e.field + ".tokenFile");
    provider->current();  // report a missing file now
    config.credentialProvider = std::move(provider);
  }

  YAML::Node exec = e.body["exec"];
  if (exec.IsDefined() && !exec.IsNull()) {
    Entry ex{exec, e.file, e.field + ".exec"};
    if (!exec.IsMap()) fail(e.file, ex.field, "must be a map");
    ExecConfig cfg;
    cfg.origin = e.file + ": " + ex.field;
    cfg.apiVersion = scalar(ex, "apiVersion");
    if (cfg.apiVersion.empty()) fail(e.file, ex.field + ".apiVersion", "missing");
    if (cfg.apiVersion != "client.authentication.k8s.io/v1" &&
        cfg.apiVersion != "client.authentication.k8s.io/v1beta1") {
      fail(e.file, ex.field + ".apiVersion", "unsupported version \"" + cfg.apiVersion + "\"");
    }
    cfg.command = scalar(ex, "command");
    if (cfg.command.empty()) fail(e.file, ex.field + ".command", "missing");
    // client-go resolves a command with a path separator against the kubeconfig's folder;
    // a bare name is looked up in PATH.
    if (cfg.command.find('/') != std::string::npos) cfg.command = resolvePath(e.file, cfg.command);
    YAML::Node args = exec["args"];
    if (args.IsDefined() && !args.IsNull()) {
      if (!args.IsSequence()) fail(e.file, ex.field + ".args", "must be a list");
      for (size_t i = 0; i < args.size(); ++i) {
        if (!args[i].IsScalar()) {
          fail(e.file, ex.field + ".args[" + std::to_string(i) + "]", "must be a string");
        }
        cfg.args.push_back(args[i].Scalar());
      }
    }
    YAML::Node vars = exec["env"];
    if (vars.IsDefined() && !vars.IsNull()) {
      if (!vars.IsSequence()) fail(e.file, ex.field + ".env", "must be a list");
      for (size_t i = 0; i < vars.size(); ++i) {
        std::string f = ex.field + ".env[" + std::to_string(i) + "]";
        if (!vars[i].IsMap() || !vars[i]["name"].IsScalar()) fail(e.file, f + ".name", "missing");
        std::string value = vars[i]["value"].IsScalar() ? vars[i]["value"].Scalar() : "";
        cfg.env.emplace_back(vars[i]["name"].Scalar(), value);
      }
    }
    cfg.installHint = scalar(ex, "installHint");
    cfg.interactiveMode = scalar(ex, "interactiveMode");
    cfg.provideClusterInfo = boolean(ex, "provideClusterInfo");
    cfg.cluster = execCluster;
    config.credentialProvider = std::make_shared<ExecCredentialProvider>(std::move(cfg));
  }
}

// The configuration of one context (the current one when `context` is empty).
ClientConfig configFor(const Merged& merged, const std::string& context) {
  const std::string label = filesLabel(merged);

  std::string contextName = context.empty() ? merged.currentContext : context;
  if (contextName.empty()) {
    throw ConfigError(label + ": current-context: not set and no context was given");
  }
  auto ctxIt = merged.contexts.find(contextName);
  if (ctxIt == merged.contexts.end()) {
    throw ConfigError(label + ": contexts: no context named \"" + contextName + "\"");
  }
  const Entry& ctx = ctxIt->second;
  std::string clusterName = scalar(ctx, "cluster");
  if (clusterName.empty()) fail(ctx.file, ctx.field + ".cluster", "missing");
  auto clusterIt = merged.clusters.find(clusterName);
  if (clusterIt == merged.clusters.end()) {
    fail(ctx.file, ctx.field + ".cluster", "no cluster named \"" + clusterName + "\"");
  }

  ClientConfig config;
  config.source = label;
  if (std::string ns = scalar(ctx, "namespace"); !ns.empty()) config.defaultNamespace = ns;

  nlohmann::json execCluster;
  loadCluster(clusterIt->second, config, execCluster, clusterIt->second.body["extensions"]);

  std::string userName = scalar(ctx, "user");
  if (!userName.empty()) {
    auto userIt = merged.users.find(userName);
    if (userIt == merged.users.end()) {
      fail(ctx.file, ctx.field + ".user", "no user named \"" + userName + "\"");
    }
    loadUser(userIt->second, config, execCluster);
  }
  return config;
}

}  // namespace

std::optional<std::string> base64Decode(std::string_view text) {
  std::string input;
  input.reserve(text.size());
  for (char c : text) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') input.push_back(c);
  }
  if (input.size() % 4 != 0) return std::nullopt;
  std::string out(input.size() / 4 * 3 + 3, '\0');
  EVP_ENCODE_CTX* ctx = EVP_ENCODE_CTX_new();
  EVP_DecodeInit(ctx);
  int len = 0;
  int total = 0;
  bool ok = EVP_DecodeUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &len,
                             reinterpret_cast<const unsigned char*>(input.data()),
                             static_cast<int>(input.size())) >= 0;
  total = len;
  if (ok) {
    ok = EVP_DecodeFinal(ctx, reinterpret_cast<unsigned char*>(out.data()) + total, &len) == 1;
    total += len;
  }
  EVP_ENCODE_CTX_free(ctx);
  if (!ok) return std::nullopt;
  out.resize(static_cast<size_t>(total));
  return out;
}

ClientConfig loadKubeConfig(const KubeConfigOptions& options) {
  std::vector<std::string> candidates;
  bool explicitFile = !options.path.empty();
  if (explicitFile) {
    candidates.push_back(options.path);
  } else if (std::string list = env("KUBECONFIG"); !list.empty()) {
    std::stringstream ss(list);
    for (std::string item; std::getline(ss, item, ':');) {
      if (!item.empty()) candidates.push_back(item);
    }
  }
  if (candidates.empty()) {
    std::string home = env("HOME");
    if (home.empty()) throw ConfigError("kubeconfig: no path given, KUBECONFIG and HOME unset");
    candidates.push_back(home + "/.kube/config");
    explicitFile = true;  // the only candidate: its absence is an error
  }

  Merged merged;
  for (const auto& file : candidates) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
      // Missing entries of a KUBECONFIG list are skipped, as kubectl does.
      if (explicitFile) throw ConfigError(file + ": file not found");
      continue;
    }
    mergeFile(file, merged);
  }
  if (merged.files.empty()) {
    throw ConfigError("KUBECONFIG: none of the files exist: " + env("KUBECONFIG"));
  }
  return configFor(merged, options.context);
}

ClientConfig parseKubeConfig(const std::string& text, const std::string& origin,
                             const std::string& context) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(origin + ": invalid YAML: " + e.what());
  }
  Merged merged;
  mergeRoot(root, origin, merged);
  return configFor(merged, context);
}

ClientConfig loadDefaultConfig(const KubeConfigOptions& options) {
  if (!options.path.empty() || !env("KUBECONFIG").empty()) return loadKubeConfig(options);
  if (options.context.empty() && inClusterAvailable()) return loadInClusterConfig();
  return loadKubeConfig(options);
}

}  // namespace rg::kube
