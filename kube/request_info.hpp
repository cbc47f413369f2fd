#pragma once
// What a REST request does in Kubernetes' terms (verb, group, resource, namespace, name), read
// from its method and path as the API server's RequestInfo does, so that a refused request can
// be reported the way RBAC names it ("cannot patch deployments in namespace shop").
#include <string>

namespace rg::kube {

struct RequestInfo {
  bool isResource = false;  // false for /version, discovery and other non-resource paths
  std::string verb;         // get list watch create update patch delete deletecollection
  std::string group;        // "" for the core group
  std::string resource;     // plural; "pods/status" with a subresource
  std::string ns;
  std::string name;
  std::string path;  // as given, for non-resource requests

  // "patch deployments.apps \"web\" in namespace \"shop\"",
  // "list pods (cluster-wide)", "get /version".
  std::string describe() const;
};

// `query` is the encoded query string without "?" (or empty); watch=true or =1 makes a GET a
// watch.
RequestInfo requestInfo(const std::string& method, const std::string& path,
                        const std::string& query = {});

}  // namespace rg::kube
