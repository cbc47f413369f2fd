#pragma once
// An in-process Kubernetes API server for tests: real HTTP(S) on 127.0.0.1, the REST and
// watch protocol for built-in and CRD-defined resources, direct C++ access to its state,
// change hooks, fault injection and request accounting. cpprestsdk stays behind this header.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/fault_injector.hpp"
#include "tests/support/resource_registry.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/support/watch_hub.hpp"

namespace rg::testing {

class ClusterState;

struct ApiServerOptions {
  bool tls = false;
  // With tls: the TLS handshake requires a client certificate signed by the test CA.
  bool requireClientCert = false;
  // Non-empty: requests without "Authorization: Bearer <token>" get 401.
  std::string bearerToken;
  size_t watchHistory = 1000;  // events kept for watch resumption (older: 410 Gone)
  std::chrono::milliseconds bookmarkInterval{1000};
  std::chrono::seconds defaultWatchTimeout{1800};  // when the client sends no timeoutSeconds
  uint16_t port = 0;                               // 0: a free loopback port
  // Keep connections open between requests, as a real API server does. Off by default: the
  // cpprestsdk listener's close() may crash on a kept-alive connection that is about to read
  // its next request. Safe when every client is gone before stop() (the benchmark).
  bool keepAlive = false;
};

class ApiServer {
 public:
  // Starts listening; throws std::runtime_error when no port could be bound.
  explicit ApiServer(ApiServerOptions options = {});
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Ends open watches and stops listening. Idempotent.
  void stop();

  const std::string& url() const;  // http(s)://127.0.0.1:<port>
  uint16_t port() const;
  const ApiServerOptions& options() const;
  // The test PKI (only meaningful with tls).
  const Certificates& certificates() const;
  std::string kubeconfig(bool withClientCert = false) const;
  void writeKubeconfig(const std::string& path, bool withClientCert = false) const;

  // --- Resource types -------------------------------------------------------------------
  void registerResource(const ResourceInfo& info);

  // --- Direct state access (no HTTP; throws ApiError) -------------------------------------
  ClusterState& cluster();
  // Creates `obj` (apiVersion/kind pick the resource). Status, uid and creationTimestamp
  // given by the test are kept.
  nlohmann::json create(const nlohmann::json& obj);
  // Replaces spec and status; metadata.resourceVersion, when set, must match.
  nlohmann::json update(const nlohmann::json& obj);
  // As PUT .../status.
  nlohmann::json updateStatus(const nlohmann::json& obj);
  // Atomic read-modify-write of the whole object.
  nlohmann::json mutate(const std::string& apiVersion, const std::string& kind,
                        const std::string& ns, const std::string& name,
                        const std::function<void(nlohmann::json&)>& fn);
  std::optional<nlohmann::json> get(const std::string& apiVersion, const std::string& kind,
                                    const std::string& ns, const std::string& name) const;
  std::vector<nlohmann::json> list(const std::string& apiVersion, const std::string& kind,
                                   const std::string& ns = "") const;
  // false when absent. Objects with finalizers are only marked for deletion.
  bool remove(const std::string& apiVersion, const std::string& kind, const std::string& ns,
              const std::string& name);
  uint64_t resourceVersion() const;
  // Forgets the watch history: watches from any earlier resourceVersion get 410.
  void compactHistory();

  // Hooks run on one thread, in commit order, after each change (see HookDispatcher).
  int onChange(std::function<void(const StoreEvent&)> hook);
  void removeHook(int id);
  void waitForHooks();

  // --- Faults -----------------------------------------------------------------------------
  void failNext(const FaultRule& rule);
  void failNext(int count, int code, const std::string& method = "",
                const std::string& pathContains = "", int retryAfterSeconds = 0);
  void dropWatches();
  // See FaultInjector::expireNextWatch.
  void expireNextWatch(bool asHttpStatus = false, const std::string& pathContains = "");
  void setLatency(std::chrono::milliseconds latency);
  void clearFaults();
  void setBookmarkInterval(std::chrono::milliseconds interval);
  size_t openWatchCount() const;

  // --- Request accounting -----------------------------------------------------------------
  size_t requestCount(const std::string& verb, const std::string& resource = "") const;
  std::vector<RequestRecord> requests() const;
  void resetRequests();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rg::testing
