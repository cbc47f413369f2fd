#include "kube/request_info.hpp"

#include <string_view>
#include <vector>

namespace rg::kube {
namespace {

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::string_view rest(path);
  const auto queryAt = rest.find('?');
  if (queryAt != std::string_view::npos) rest = rest.substr(0, queryAt);
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const auto part = rest.substr(0, slash);
    if (!part.empty()) out.emplace_back(part);
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return out;
}

bool isWatchQuery(const std::string& query) {
  std::string_view rest(query);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    if (pair == "watch=true" || pair == "watch=1") return true;
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return false;
}

std::string lower(std::string method) {
  for (auto& c : method) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return method;
}

}  // namespace

RequestInfo requestInfo(const std::string& method, const std::string& path,
                        const std::string& query) {
  RequestInfo info;
  info.path = path;
  info.verb = lower(method);
  const auto parts = segments(path);
  // /api/<version>/... or /apis/<group>/<version>/...
  size_t at = 0;
  if (parts.size() >= 3 && parts[0] == "api") {
    at = 2;
  } else if (parts.size() >= 4 && parts[0] == "apis") {
    info.group = parts[1];
    at = 3;
  } else {
    return info;  // discovery, /version, /healthz...
  }
  if (parts.size() > at + 2 && parts[at] == "namespaces") {
    info.ns = parts[at + 1];
    at += 2;
  } else if (parts.size() == at + 2 && parts[at] == "namespaces") {
    // /api/v1/namespaces/<name>: the namespace object itself.
    info.isResource = true;
    info.resource = "namespaces";
    info.name = parts[at + 1];
  }
  if (!info.isResource) {
    if (parts.size() <= at) return info;
    info.isResource = true;
    info.resource = parts[at];
    if (parts.size() > at + 1) info.name = parts[at + 1];
    if (parts.size() > at + 2) info.resource += "/" + parts[at + 2];
  }
  const bool collection = info.name.empty();
  if (method == "GET") {
    info.verb = isWatchQuery(query) ? "watch" : (collection ? "list" : "get");
  } else if (method == "POST") {
    info.verb = "create";
  } else if (method == "PUT") {
    info.verb = "update";
  } else if (method == "PATCH") {
    info.verb = "patch";
  } else if (method == "DELETE") {
    info.verb = collection ? "deletecollection" : "delete";
  }
  return info;
}

std::string RequestInfo::describe() const {
  if (!isResource) return verb + " " + path;
  std::string out = verb + " " + resource;
  if (!group.empty()) {
    // "deployments.apps/status": the group goes with the resource, before the subresource.
    const auto slash = out.find('/');
    out.insert(slash == std::string::npos ? out.size() : slash, "." + group);
  }
  if (!name.empty()) out += " \"" + name + "\"";
  if (!ns.empty()) {
    out += " in namespace \"" + ns + "\"";
  } else if (name.empty()) {
    out += " (cluster-wide)";  // across namespaces, or a cluster-scoped resource
  }
  return out;
}

}  // namespace rg::kube
