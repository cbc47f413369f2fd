#pragma once
// The Kubernetes REST protocol over ClusterState: routing, content negotiation (JSON, Table,
// PartialObjectMetadata), list/watch parameters, patches, auth and injected faults.
#include <chrono>
#include <string>

#include "tests/support/cluster_state.hpp"
#include "tests/support/fault_injector.hpp"
#include "tests/support/http_types.hpp"
#include "tests/support/request_path.hpp"
#include "tests/support/watch_registry.hpp"

namespace rg::testing {

struct RestOptions {
  std::string bearerToken;  // non-empty: requests without "Authorization: Bearer <token>" get 401
  std::chrono::seconds defaultWatchTimeout{1800};
  std::string serverAddress;  // host:port, for /api's serverAddressByClientCIDRs
};

class RestHandler {
 public:
  RestHandler(ClusterState& cluster, FaultInjector& faults, RequestRecorder& recorder,
              WatchRegistry& watches, RestOptions options);

  HttpResponse handle(const HttpRequest& request);

 private:
  HttpResponse dispatch(const HttpRequest& req, const Route& route);
  HttpResponse handleResource(const HttpRequest& req, const Route& route);
  HttpResponse list(const HttpRequest& req, const ResourceInfo& info, const Route& route);
  HttpResponse watch(const HttpRequest& req, const ResourceInfo& info, const Route& route);
  HttpResponse deleteCollection(const HttpRequest& req, const ResourceInfo& info,
                                const Route& route);

  ClusterState& cluster_;
  FaultInjector& faults_;
  RequestRecorder& recorder_;
  WatchRegistry& watches_;
  RestOptions options_;
};

// The Kubernetes verb of a request ("" for non-resource requests).
std::string verbOf(const std::string& method, const Route& route, const HttpRequest& req);

}  // namespace rg::testing
