#pragma once
// A real Kubernetes control plane for tests: etcd, kube-apiserver and kube-controller-manager
// (1.20.2, built by scripts/fetch-control-plane.sh) as child processes on free loopback ports,
// each in its own process group with its log in the fixture's temporary directory.
//
//   ControlPlane cp;                       // starts all three; ~10-15 s; throws on failure
//   cp.adminClient().create(...);          // rg::kube::RestClient as system:masters
//   cp.operatorKubeconfig();               // the operator's ServiceAccount token + CA
//   cp.kubectl({"get", "pods", "-A"});     // .tools/bin/kubectl 1.32 as admin
//   cp.auditEvents();                      // the API server's audit log (writes, see below)
//
// What it sets up, in order:
// - a certificate authority and a serving certificate for IP:127.0.0.1 and DNS:localhost, an
//   EC service-account signing key, and a --token-auth-file with static tokens, all in group
//   system:masters: `admin` (adminClient()), `harness` (kubectl()) and `stand-in-kubelet`;
// - etcd with a data dir under dir()/etcd;
// - kube-apiserver with --authorization-mode=RBAC, the insecure port off, and an audit log
//   (dir()/audit.log) of every write to Deployments, ReplicaSets, Pods and pods/status at
//   level Request (the patch body is the audit event's requestObject);
// - kube-controller-manager with the deployment, replicaset, garbagecollector,
//   serviceaccount, serviceaccount-token and namespace controllers (no scheduler, no
//   kubelet: see stand_in_kubelet.hpp);
// - the ReadinessGate CRD from crds/, created through the API (1.20 does not know
//   `x-kubernetes-validations`; its decoder drops the unknown field, as kubectl apply
//   --validate=false would have it), waited for until Established;
// - the operator's identity from manifests/install.yaml: Namespace readiness-gate-system,
//   ServiceAccount readiness-gate, ClusterRole and ClusterRoleBinding readiness-gate exactly
//   as the chart renders them; the token Secret that 1.20's token controller creates for the
//   ServiceAccount is read and written into operatorKubeconfig(), so the operator runs with
//   the chart's permissions and no more.
//
// The binaries come from $RG_CONTROL_PLANE_DIR (CMake sets it on the tests), else
// ControlPlaneOptions::binDir. A missing binary throws with a message to run
// scripts/fetch-control-plane.sh: a test FAILURE, never a skip.
//
// Everything is stopped in the destructor (also when a test failed or the constructor threw
// half way) and the directory removed, unless RG_E2E_KEEP=1 (then its path is printed).
//
// For fault tests the processes can be stopped and started again on the same ports, data and
// certificates: stopApiServer()/startApiServer(), stopControllerManager()/
// startControllerManager(), and etcdUrl() for etcdctl (compaction).
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/rest_client.hpp"
#include "tests/e2e/support/child_process.hpp"
#include "tests/support/subprocess.hpp"

namespace rg::controlplane {

struct ControlPlaneOptions {
  // Where etcd, kube-apiserver and kube-controller-manager are; empty: $RG_CONTROL_PLANE_DIR,
  // then the compiled-in default (scripts/fetch-control-plane.sh's cache folder).
  std::string binDir;
  // The project's source tree (crds/, manifests/install.yaml); empty: compiled-in.
  std::string sourceDir;
  // kubectl 1.32 (scripts/fetch-tools.sh); empty: <sourceDir>/.tools/bin/kubectl.
  std::string kubectl;
  // Install the CRD and the operator's Namespace/ServiceAccount/RBAC (false: a bare cluster,
  // e.g. for helm install tests).
  bool installOperatorIdentity = true;
  // Chooses each listening port; empty: a free loopback port. A start that fails because a
  // chosen port was taken meanwhile is retried (twice) on new ports.
  std::function<int()> pickPort;
  // Up to how long each component may take to become ready.
  std::chrono::seconds startTimeout{90};
};

// One line of the API server's audit log (level Request, stage ResponseComplete).
struct AuditEvent {
  std::string verb;         // "patch", "update", "create", ...
  std::string user;         // "system:serviceaccount:readiness-gate-system:readiness-gate"
  std::string resource;     // "deployments"
  std::string subresource;  // "status" or ""
  std::string ns;
  std::string name;
  int code = 0;                  // responseStatus.code
  nlohmann::json requestObject;  // the body as sent (a JSON patch is an array)
};

class ControlPlane {
 public:
  explicit ControlPlane(ControlPlaneOptions options = {});
  ~ControlPlane();
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  // The ServiceAccount the operator runs as, and its user name in audit events.
  static constexpr const char* kOperatorNamespace = "readiness-gate-system";
  static constexpr const char* kOperatorServiceAccount = "readiness-gate";
  static std::string operatorUser();

  const std::string& dir() const { return dir_; }
  std::string server() const;  // https://127.0.0.1:<port>
  const std::string& caPem() const { return caPem_; }
  const std::string& adminKubeconfig() const { return adminKubeconfig_; }
  // The `harness` token (system:masters): what kubectl() uses, a user of its own in audit events.
  std::string harnessKubeconfig() const { return dir_ + "/harness.kubeconfig"; }
  // Empty unless installOperatorIdentity.
  const std::string& operatorKubeconfig() const { return operatorKubeconfig_; }
  std::string etcdUrl() const;  // http://127.0.0.1:<port>

  // Client settings for a static-token user: "admin", "harness" or "stand-in-kubelet" (each
  // in group system:masters, each its own user name in audit events).
  rg::kube::ClientConfig clientConfig(const std::string& user) const;
  // A client as system:masters (static token `admin`).
  rg::kube::RestClient& adminClient() { return *admin_; }

  // Generic helpers on the admin client. The kind decides the resource (a fixed table of the
  // kinds the tests use; unknown kinds throw). `ns` empty: the object's own or "default".
  nlohmann::json create(nlohmann::json object);
  std::optional<nlohmann::json> get(const std::string& apiVersion, const std::string& kind,
                                    const std::string& ns, const std::string& name);
  std::vector<nlohmann::json> list(const std::string& apiVersion, const std::string& kind,
                                   const std::string& ns);
  // Every document of a YAML file, created in order (a document of a skipped kind is left out).
  void createFromFile(const std::string& path, const std::vector<std::string>& skipKinds = {});

  // kubectl as admin, with a private HOME and discovery cache.
  rg::testing::ProcessResult kubectl(const std::vector<std::string>& args,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(60));

  // The audit log read now (events of every user; filter by AuditEvent::user).
  std::vector<AuditEvent> auditEvents() const;

  // Fault control. stop*: SIGTERM, then SIGKILL after `grace`. start*: on the same port and
  // files, waits until ready. Starting one that runs throws std::logic_error.
  void stopApiServer(std::chrono::milliseconds grace = std::chrono::seconds(10));
  void startApiServer();
  void stopControllerManager(std::chrono::milliseconds grace = std::chrono::seconds(10));
  void startControllerManager();
  void stopEtcd(std::chrono::milliseconds grace = std::chrono::seconds(10));
  void startEtcd();

  // The end of each component's log, for failure messages.
  std::string logTails(size_t bytesEach = 3000) const;

 private:
  void teardown();  // stops what runs, removes (or keeps) dir_; idempotent
  void writeCredentials();
  void waitForApiServer();
  void waitForControllerManager();
  void installCrd();
  void installOperatorIdentity();

  ControlPlaneOptions options_;
  std::string dir_;
  std::string adminToken_;
  std::map<std::string, std::string> tokens_;  // user -> static token
  std::string caPem_;
  int etcdClientPort_ = 0;
  int etcdPeerPort_ = 0;
  int apiPort_ = 0;
  int kcmPort_ = 0;
  std::string adminKubeconfig_;
  std::string operatorKubeconfig_;
  std::unique_ptr<rg::e2e::ChildProcess> etcd_;
  std::unique_ptr<rg::e2e::ChildProcess> apiServer_;
  std::unique_ptr<rg::e2e::ChildProcess> controllerManager_;
  int apiStarts_ = 0;
  int kcmStarts_ = 0;
  int etcdStarts_ = 0;
  std::unique_ptr<rg::kube::RestClient> admin_;
};

// The resource of a kind the tests use ("Deployment" -> apps/v1 deployments); throws
// std::invalid_argument for other kinds.
rg::kube::ResourceRef resourceForKind(const std::string& apiVersion, const std::string& kind);

}  // namespace rg::controlplane
