#include "tests/control_plane/control_plane.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "kube/api_error.hpp"
#include "tests/e2e/support/http_get.hpp"
#include "tests/e2e/support/poll.hpp"
#include "tests/providers/loopback.hpp"
#include "tests/support/kubeconfig.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/support/yaml_json.hpp"

#ifndef RG_CONTROL_PLANE_DEFAULT_DIR
#define RG_CONTROL_PLANE_DEFAULT_DIR "/var/cache/readiness-gate/control-plane/v1.20.2"
#endif

namespace rg::controlplane {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* kFetchHint = "run scripts/fetch-control-plane.sh (it builds them once)";

void writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string randomToken() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

// The service-account signing key pair (EC P-256, ES256 tokens): PKCS#8 private, SPKI public.
std::pair<std::string, std::string> serviceAccountKeyPair() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!key) throw std::runtime_error("EVP_EC_gen failed");
  auto pem = [&](bool isPrivate) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    const int ok = isPrivate ? PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0,
                                                        nullptr, nullptr)
                             : PEM_write_bio_PUBKEY(bio.get(), key.get());
    if (ok != 1) throw std::runtime_error("PEM_write failed");
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(size));
  };
  return {pem(true), pem(false)};
}

std::string requireBinary(const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + name;
  if (::access(path.c_str(), X_OK) != 0)
    throw std::runtime_error("the control plane binary " + path + " is missing: " + kFetchHint +
                             " (or point RG_CONTROL_PLANE_DIR at its folder)");
  return path;
}

std::string splitApiVersionGroup(const std::string& apiVersion, std::string* version) {
  const auto slash = apiVersion.find('/');
  if (slash == std::string::npos) {
    *version = apiVersion;
    return "";
  }
  *version = apiVersion.substr(slash + 1);
  return apiVersion.substr(0, slash);
}

// Writes of the objects the scenarios count, with their bodies; nothing else (reads and
// watches would make the log large and slow the server).
constexpr const char* kAuditPolicy = R"(apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Request
  verbs: ["create", "update", "patch", "delete"]
  resources:
  - group: "apps"
    resources: ["deployments", "deployments/scale", "replicasets"]
  - group: ""
    resources: ["pods", "pods/status"]
  - group: "gates.readiness.dev"
    resources: ["readinessgates", "readinessgates/status"]
  - group: "coordination.k8s.io"
    resources: ["leases"]
- level: None
)";

}  // namespace

rg::kube::ResourceRef resourceForKind(const std::string& apiVersion, const std::string& kind) {
  struct Entry {
    const char* kind;
    const char* resource;
    bool namespaced;
  };
  static const Entry kEntries[] = {
      {"Namespace", "namespaces", false},
      {"Node", "nodes", false},
      {"ServiceAccount", "serviceaccounts", true},
      {"Secret", "secrets", true},
      {"ConfigMap", "configmaps", true},
      {"Service", "services", true},
      {"Pod", "pods", true},
      {"Event", "events", true},
      {"Deployment", "deployments", true},
      {"ReplicaSet", "replicasets", true},
      {"ClusterRole", "clusterroles", false},
      {"ClusterRoleBinding", "clusterrolebindings", false},
      {"Role", "roles", true},
      {"RoleBinding", "rolebindings", true},
      {"CustomResourceDefinition", "customresourcedefinitions", false},
      {"ReadinessGate", "readinessgates", true},
      {"Lease", "leases", true},
  };
  std::string version;
  const std::string group = splitApiVersionGroup(apiVersion, &version);
  for (const auto& e : kEntries)
    if (kind == e.kind) return rg::kube::ResourceRef{group, version, e.resource, e.namespaced};
  throw std::invalid_argument("resourceForKind: no resource known for kind " + kind);
}

std::string ControlPlane::operatorUser() {
  return std::string("system:serviceaccount:") + kOperatorNamespace + ":" + kOperatorServiceAccount;
}

ControlPlane::ControlPlane(ControlPlaneOptions options) : options_(std::move(options)) {
  if (options_.binDir.empty()) {
    const char* env = std::getenv("RG_CONTROL_PLANE_DIR");
    options_.binDir = env && *env ? env : RG_CONTROL_PLANE_DEFAULT_DIR;
  }
#ifdef RG_SOURCE_DIR
  if (options_.sourceDir.empty()) options_.sourceDir = RG_SOURCE_DIR;
#endif
  if (options_.kubectl.empty()) options_.kubectl = options_.sourceDir + "/.tools/bin/kubectl";
  for (const char* name : {"etcd", "kube-apiserver", "kube-controller-manager"})
    requireBinary(options_.binDir, name);
  if (!options_.pickPort) options_.pickPort = [] { return providers::testing::freeLoopbackPort(); };

  std::string pattern = (std::filesystem::temp_directory_path() / "rg-cp-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  // A free port can be taken by another test between its choice and the bind: such a start
  // is retried on new ports (and only such a start).
  for (int attempt = 1;; ++attempt) {
    try {
      etcdClientPort_ = options_.pickPort();
      etcdPeerPort_ = options_.pickPort();
      apiPort_ = options_.pickPort();
      kcmPort_ = options_.pickPort();
      writeCredentials();
      startEtcd();
      startApiServer();
      startControllerManager();
      break;
    } catch (const std::exception& e) {
      const std::string tails = logTails();
      if (attempt < 3 && tails.find("address already in use") != std::string::npos) {
        controllerManager_.reset();
        apiServer_.reset();
        etcd_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_ + "/etcd", ec);
        continue;
      }
      teardown();
      throw std::runtime_error(std::string("control plane did not start: ") + e.what() + "\n" +
                               tails);
    }
  }
  try {
    if (options_.installOperatorIdentity) {
      installCrd();
      installOperatorIdentity();
    }
  } catch (const std::exception& e) {
    const std::string tails = logTails();
    teardown();
    throw std::runtime_error(std::string("control plane did not start: ") + e.what() + "\n" +
                             tails);
  }
}

ControlPlane::~ControlPlane() {
  teardown();
}

void ControlPlane::teardown() {
  admin_.reset();
  // SIGKILL (the children's destructors): the data goes with the directory, and
  // kube-apiserver's graceful shutdown alone takes several seconds.
  controllerManager_.reset();
  apiServer_.reset();
  etcd_.reset();
  if (dir_.empty()) return;
  if (std::getenv("RG_E2E_KEEP")) {
    std::cerr << "control plane files kept in " << dir_ << "\n";
  } else {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  dir_.clear();
}

std::string ControlPlane::server() const {
  return "https://127.0.0.1:" + std::to_string(apiPort_);
}

std::string ControlPlane::etcdUrl() const {
  return "http://127.0.0.1:" + std::to_string(etcdClientPort_);
}

void ControlPlane::writeCredentials() {
  const auto certs = rg::testing::generateCertificates();
  caPem_ = certs.caCertPem;
  writeFile(dir_ + "/ca.crt", certs.caCertPem);
  writeFile(dir_ + "/server.crt", certs.serverCertPem);
  writeFile(dir_ + "/server.key", certs.serverKeyPem);
  const auto [saKey, saPub] = serviceAccountKeyPair();
  writeFile(dir_ + "/sa.key", saKey);
  writeFile(dir_ + "/sa.pub", saPub);
  std::string tokens;
  int uid = 0;
  for (const char* user : {"admin", "harness", "stand-in-kubelet"}) {
    tokens_[user] = randomToken();
    tokens += tokens_[user] + "," + user + "," + std::to_string(++uid) + ",\"system:masters\"\n";
  }
  adminToken_ = tokens_["admin"];
  const std::string harnessToken = tokens_["harness"];
  writeFile(dir_ + "/tokens.csv", tokens);
  writeFile(dir_ + "/audit-policy.yaml", kAuditPolicy);
  adminKubeconfig_ = dir_ + "/admin.kubeconfig";
  rg::testing::writeKubeconfig(adminKubeconfig_,
                               {server(), caPem_, adminToken_, "", "", "default", "admin"});
  rg::testing::writeKubeconfig(dir_ + "/harness.kubeconfig",
                               {server(), caPem_, harnessToken, "", "", "default", "harness"});

  rg::kube::RestClientOptions clientOptions;
  clientOptions.requestTimeout = 20s;
  clientOptions.userAgent = "rg-control-plane-fixture";
  admin_ = std::make_unique<rg::kube::RestClient>(clientConfig("admin"), clientOptions);
}

rg::kube::ClientConfig ControlPlane::clientConfig(const std::string& user) const {
  auto it = tokens_.find(user);
  if (it == tokens_.end()) throw std::invalid_argument("no static token for user " + user);
  rg::kube::ClientConfig config;
  config.server = server();
  config.caPem = caPem_;
  config.credentials.token = it->second;
  config.source = "control plane fixture (" + user + ")";
  return config;
}

void ControlPlane::startEtcd() {
  if (etcd_ && etcd_->running()) throw std::logic_error("etcd is already running");
  const std::string peer = "http://127.0.0.1:" + std::to_string(etcdPeerPort_);
  etcd_ = std::make_unique<rg::e2e::ChildProcess>(
      std::vector<std::string>{requireBinary(options_.binDir, "etcd"), "--name", "default",
                               "--data-dir", dir_ + "/etcd", "--listen-client-urls", etcdUrl(),
                               "--advertise-client-urls", etcdUrl(), "--listen-peer-urls", peer,
                               "--initial-advertise-peer-urls", peer, "--initial-cluster",
                               "default=" + peer},
      dir_ + "/etcd-" + std::to_string(++etcdStarts_) + ".log");
  const bool healthy = rg::e2e::eventually(
      [&] {
        if (!etcd_->running()) return true;
        return rg::e2e::httpGet(etcdUrl() + "/health", 1s).status == 200;
      },
      options_.startTimeout, 100ms);
  if (!healthy || !etcd_->running())
    throw std::runtime_error("etcd did not become healthy on " + etcdUrl());
}

void ControlPlane::stopEtcd(std::chrono::milliseconds grace) {
  if (etcd_) etcd_->stop(grace);
}

void ControlPlane::startApiServer() {
  if (apiServer_ && apiServer_->running())
    throw std::logic_error("kube-apiserver is already running");
  const std::string d = dir_ + "/";
  apiServer_ = std::make_unique<rg::e2e::ChildProcess>(
      std::vector<std::string>{
          requireBinary(options_.binDir, "kube-apiserver"),
          "--etcd-servers=" + etcdUrl(),
          "--bind-address=127.0.0.1",
          "--advertise-address=127.0.0.1",
          "--secure-port=" + std::to_string(apiPort_),
          // 1.20 also serves plain HTTP on 8080 unless told not to: parallel tests collide.
          "--insecure-port=0",
          "--cert-dir=" + d + "apiserver-certs",
          "--tls-cert-file=" + d + "server.crt",
          "--tls-private-key-file=" + d + "server.key",
          "--client-ca-file=" + d + "ca.crt",
          "--token-auth-file=" + d + "tokens.csv",
          "--authorization-mode=RBAC",
          "--service-account-key-file=" + d + "sa.pub",
          "--service-account-signing-key-file=" + d + "sa.key",
          "--service-account-issuer=https://kubernetes.default.svc",
          "--service-cluster-ip-range=10.0.0.0/24",
          // No Endpoints for the `kubernetes` Service: its address would be loopback, which the
          // reconciler refuses noisily every few seconds.
          "--endpoint-reconciler-type=none",
          "--audit-policy-file=" + d + "audit-policy.yaml",
          "--audit-log-path=" + d + "audit.log",
          "--audit-log-format=json",
      },
      d + "kube-apiserver-" + std::to_string(++apiStarts_) + ".log");
  waitForApiServer();
}

void ControlPlane::stopApiServer(std::chrono::milliseconds grace) {
  if (apiServer_) apiServer_->stop(grace);
}

void ControlPlane::waitForApiServer() {
  rg::kube::ClientConfig config = admin_->config();
  rg::kube::RestClientOptions quick;
  quick.requestTimeout = 2s;
  quick.maxRetries = 0;
  rg::kube::RestClient probe(config, quick);
  std::string last;
  const bool ready = rg::e2e::eventually(
      [&] {
        if (!apiServer_->running()) return true;
        try {
          auto r = probe.send({"GET", "/readyz", {}, std::nullopt, "application/json"});
          last = std::to_string(r.status) + " " + r.body.substr(0, 300);
          return r.status == 200;
        } catch (const std::exception& e) {
          last = e.what();
          return false;
        }
      },
      options_.startTimeout, 200ms);
  if (!apiServer_->running())
    throw std::runtime_error("kube-apiserver exited (status " +
                             std::to_string(apiServer_->wait(0ms)) + ")");
  if (!ready) throw std::runtime_error("kube-apiserver /readyz never answered 200: " + last);
}

void ControlPlane::startControllerManager() {
  if (controllerManager_ && controllerManager_->running())
    throw std::logic_error("kube-controller-manager is already running");
  const std::string d = dir_ + "/";
  controllerManager_ = std::make_unique<rg::e2e::ChildProcess>(
      std::vector<std::string>{
          requireBinary(options_.binDir, "kube-controller-manager"),
          "--kubeconfig=" + adminKubeconfig_,
          "--leader-elect=false",
          "--controllers=deployment,replicaset,garbagecollector,serviceaccount,"
          "serviceaccount-token,namespace",
          "--service-account-private-key-file=" + d + "sa.key",
          "--root-ca-file=" + d + "ca.crt",
          "--use-service-account-credentials=false",
          // 1.20 serves plain HTTP on 10252 and HTTPS on 10257 by default: parallel tests collide.
          "--port=0",
          "--bind-address=127.0.0.1",
          "--secure-port=" + std::to_string(kcmPort_),
          "--cert-dir=" + d + "kcm-certs",
      },
      d + "kube-controller-manager-" + std::to_string(++kcmStarts_) + ".log");
  waitForControllerManager();
}

void ControlPlane::stopControllerManager(std::chrono::milliseconds grace) {
  if (controllerManager_) controllerManager_->stop(grace);
}

// The controller manager has no readiness endpoint that needs no delegated authentication;
// its serviceaccount and token controllers having done their work on `default` shows it runs.
void ControlPlane::waitForControllerManager() {
  const auto serviceAccounts = resourceForKind("v1", "ServiceAccount");
  const bool ready = rg::e2e::eventually(
      [&] {
        if (!controllerManager_->running()) return true;
        try {
          const json sa = admin_->get(serviceAccounts, "default", "default");
          return !sa.value("secrets", json::array()).empty();
        } catch (const std::exception&) {
          return false;
        }
      },
      options_.startTimeout, 200ms);
  if (!controllerManager_->running()) throw std::runtime_error("kube-controller-manager exited");
  if (!ready)
    throw std::runtime_error(
        "kube-controller-manager never created the default ServiceAccount's token");
}

json ControlPlane::create(json object) {
  const auto ref =
      resourceForKind(object.value("apiVersion", ""), object.value("kind", std::string()));
  std::string ns = object.value("/metadata/namespace"_json_pointer, std::string());
  if (ref.namespaced && ns.empty()) {
    ns = "default";
    object["metadata"]["namespace"] = ns;
  }
  return admin_->create(ref, ref.namespaced ? ns : "", object);
}

std::optional<json> ControlPlane::get(const std::string& apiVersion, const std::string& kind,
                                      const std::string& ns, const std::string& name) {
  const auto ref = resourceForKind(apiVersion, kind);
  try {
    return admin_->get(ref, ref.namespaced ? ns : "", name);
  } catch (const rg::kube::NotFoundError&) {
    return std::nullopt;
  }
}

std::vector<json> ControlPlane::list(const std::string& apiVersion, const std::string& kind,
                                     const std::string& ns) {
  const auto ref = resourceForKind(apiVersion, kind);
  auto result = admin_->listAll(ref, ref.namespaced ? ns : "");
  for (auto& item : result.items) {
    // Lists carry no apiVersion/kind per item; readers compare objects with GETs.
    item["apiVersion"] = apiVersion;
    item["kind"] = kind;
  }
  return result.items;
}

void ControlPlane::createFromFile(const std::string& path,
                                  const std::vector<std::string>& skipKinds) {
  for (auto& document : rg::testing::yamlDocumentsToJson(readFile(path))) {
    if (!document.is_object()) continue;  // an empty document
    const std::string kind = document.value("kind", "");
    if (std::find(skipKinds.begin(), skipKinds.end(), kind) != skipKinds.end()) continue;
    create(document);
  }
}

void ControlPlane::installCrd() {
  const std::string crdPath = options_.sourceDir + "/crds/readinessgates.gates.readiness.dev.yaml";
  createFromFile(crdPath);
  const bool established = rg::e2e::eventually(
      [&] {
        auto crd = get("apiextensions.k8s.io/v1", "CustomResourceDefinition", "",
                       "readinessgates.gates.readiness.dev");
        if (!crd) return false;
        for (const auto& c : crd->value("/status/conditions"_json_pointer, json::array()))
          if (c.value("type", "") == "Established" && c.value("status", "") == "True") {
            try {  // Established; served once the group's handler is installed
              list("gates.readiness.dev/v1alpha1", "ReadinessGate", "default");
              return true;
            } catch (const std::exception&) {
              return false;
            }
          }
        return false;
      },
      30s, 100ms);
  if (!established) throw std::runtime_error("the ReadinessGate CRD never became Established");
}

void ControlPlane::installOperatorIdentity() {
  // Namespace, CRD (already created), ServiceAccount, ClusterRole(Binding) as the chart renders
  // them; the operator's own Deployment and Service are not for a test.
  createFromFile(options_.sourceDir + "/manifests/install.yaml",
                 {"CustomResourceDefinition", "Deployment", "Service"});
  std::string token;
  std::string last = "no token Secret yet";
  const bool ok = rg::e2e::eventually(
      [&] {
        try {
          auto sa = get("v1", "ServiceAccount", kOperatorNamespace, kOperatorServiceAccount);
          if (!sa) return false;
          for (const auto& ref : sa->value("secrets", json::array())) {
            auto secret = get("v1", "Secret", kOperatorNamespace, ref.value("name", ""));
            if (!secret) continue;
            auto decoded =
                rg::kube::base64Decode(secret->value("/data/token"_json_pointer, std::string()));
            if (decoded && !decoded->empty()) {
              token = *decoded;
              return true;
            }
          }
        } catch (const std::exception& e) {
          last = e.what();
        }
        return false;
      },
      options_.startTimeout, 100ms);
  if (!ok) throw std::runtime_error("no token for ServiceAccount " + operatorUser() + ": " + last);
  operatorKubeconfig_ = dir_ + "/operator.kubeconfig";
  rg::testing::writeKubeconfig(operatorKubeconfig_,
                               {server(), caPem_, token, "", "", "default", "operator"});
}

rg::testing::ProcessResult ControlPlane::kubectl(const std::vector<std::string>& args,
                                                 std::chrono::milliseconds timeout) {
  if (::access(options_.kubectl.c_str(), X_OK) != 0)
    throw std::runtime_error(options_.kubectl + " is missing: run scripts/fetch-tools.sh");
  std::vector<std::string> argv = {options_.kubectl, "--kubeconfig", dir_ + "/harness.kubeconfig",
                                   "--cache-dir", dir_ + "/kube-cache"};
  argv.insert(argv.end(), args.begin(), args.end());
  rg::testing::ProcessOptions processOptions;
  processOptions.env["HOME"] = dir_;
  return rg::testing::runProcess(argv, timeout, processOptions);
}

std::vector<AuditEvent> ControlPlane::auditEvents() const {
  std::vector<AuditEvent> out;
  std::ifstream in(dir_ + "/audit.log");
  std::string line;
  while (std::getline(in, line)) {
    const json e = json::parse(line, nullptr, false);
    if (e.is_discarded() || e.value("stage", "") != "ResponseComplete") continue;
    AuditEvent event;
    event.verb = e.value("verb", "");
    event.user = e.value("/user/username"_json_pointer, std::string());
    event.resource = e.value("/objectRef/resource"_json_pointer, std::string());
    event.subresource = e.value("/objectRef/subresource"_json_pointer, std::string());
    event.ns = e.value("/objectRef/namespace"_json_pointer, std::string());
    event.name = e.value("/objectRef/name"_json_pointer, std::string());
    event.code = e.value("/responseStatus/code"_json_pointer, 0);
    event.requestObject = e.value("requestObject", json());
    out.push_back(std::move(event));
  }
  return out;
}

std::string ControlPlane::logTails(size_t bytesEach) const {
  std::string out;
  auto add = [&](const char* name, const std::unique_ptr<rg::e2e::ChildProcess>& p) {
    if (p) out += std::string("---- ") + name + " log (end):\n" + p->logTail(bytesEach) + "\n";
  };
  add("etcd", etcd_);
  add("kube-apiserver", apiServer_);
  add("kube-controller-manager", controllerManager_);
  return out;
}

}  // namespace rg::controlplane
