#pragma once
// A Kubernetes REST client on generic JSON objects: get, list, watch, create, update, patch,
// delete on any group/version/resource. The HTTP stack stays behind the pimpl.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/api_error.hpp"
#include "kube/kube_config.hpp"
#include "kube/resource.hpp"
#include "kube/watch_stream.hpp"

namespace rg::kube {

enum class PatchType {
  Merge,           // application/merge-patch+json (RFC 7386)
  StrategicMerge,  // application/strategic-merge-patch+json (built-in kinds only)
  Json,            // application/json-patch+json (RFC 6902)
  Apply,           // application/apply-patch+yaml (server-side apply; needs a field manager)
};
std::string_view contentTypeFor(PatchType type);

using Query = std::vector<std::pair<std::string, std::string>>;

struct ListOptions {
  std::string labelSelector;
  std::string fieldSelector;
  std::int64_t limit = 0;  // page size; 0: everything in one answer
  std::string continueToken;
  std::string resourceVersion;
  std::string resourceVersionMatch;
  int timeoutSeconds = 0;
  // listAll: called on each item as its page arrives, before the next page is asked for. An
  // informer trims items there, so a list of thousands of objects is never held whole.
  std::function<void(nlohmann::json& item)> eachItem;
};

struct ListResult {
  std::vector<nlohmann::json> items;
  std::string resourceVersion;  // of the list: where a watch should start
};

struct WatchOptions {
  std::string labelSelector;
  std::string fieldSelector;
  std::string resourceVersion;  // empty: start from the current state (synthetic ADDED events)
  bool allowWatchBookmarks = true;
  int timeoutSeconds = 0;  // server-side end of the watch; 0: the server's default
};

struct WriteOptions {
  std::string fieldManager;
  bool dryRun = false;
};

struct PatchOptions {
  std::string fieldManager;  // required by Apply; defaults to "readiness-gate" there
  bool force = false;        // Apply: take ownership of conflicting fields
  bool dryRun = false;
};

struct DeleteOptions {
  std::string propagationPolicy;  // Foreground, Background, Orphan
  std::optional<std::int64_t> gracePeriodSeconds;
  std::string preconditionUid;
  std::string preconditionResourceVersion;
  bool dryRun = false;
};

// A raw request, for paths the typed helpers do not cover (/version, discovery).
struct RestRequest {
  std::string method = "GET";
  std::string path;  // "/api/v1/namespaces/default/pods"
  Query query;
  std::optional<std::string> body;
  std::string contentType = "application/json";
};

struct RestResponse {
  int status = 0;
  std::string body;
};

// Finished HTTP attempts by (method, code); code is "<error>" when no answer came (as in
// client-go's rest_client_requests_total). Retries count as separate attempts.
struct RequestCounts {
  std::map<std::pair<std::string, std::string>, std::uint64_t> byMethodAndCode;
  // Requests that ended in an error answer (after retries), by what they asked for: verb,
  // API group, resource ("pods/status" for a subresource) and code. Each refusal (401, 403) is
  // also logged at error level with the namespace and name.
  struct ApiErrorKey {
    std::string verb;
    std::string group;
    std::string resource;
    std::string code;
    auto operator<=>(const ApiErrorKey&) const = default;
  };
  std::map<ApiErrorKey, std::uint64_t> apiErrors;

  std::uint64_t get(const std::string& method, const std::string& code) const {
    auto it = byMethodAndCode.find({method, code});
    return it == byMethodAndCode.end() ? 0 : it->second;
  }
  std::uint64_t apiErrorCount(const std::string& verb, const std::string& group,
                              const std::string& resource, const std::string& code) const {
    auto it = apiErrors.find({verb, group, resource, code});
    return it == apiErrors.end() ? 0 : it->second;
  }
  std::uint64_t total() const {
    std::uint64_t sum = 0;
    for (const auto& [key, count] : byMethodAndCode) sum += count;
    return sum;
  }
};

struct RestClientOptions {
  // Inactivity limit of an ordinary request (no byte received for this long: fail).
  std::chrono::milliseconds requestTimeout = std::chrono::seconds(30);
  // Inactivity limit of a watch stream; keep it above the server's gap between events
  // (bookmarks come about every minute).
  std::chrono::milliseconds watchIdleTimeout = std::chrono::minutes(5);
  // Retries after the first attempt for 429, 5xx and (idempotent verbs) connection failures.
  int maxRetries = 5;
  std::chrono::milliseconds initialBackoff = std::chrono::milliseconds(200);
  std::chrono::milliseconds maxBackoff = std::chrono::seconds(10);
  // Upper bound on an honoured Retry-After.
  std::chrono::milliseconds maxRetryAfter = std::chrono::seconds(30);
  // Empty: "readiness-gate/<version> (linux/<arch>)".
  std::string userAgent;
};

class RestClient {
 public:
  // Throws ConfigError when the server URL or the TLS material is unusable.
  explicit RestClient(ClientConfig config, RestClientOptions options = {});
  ~RestClient();
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  const ClientConfig& config() const;
  const RestClientOptions& options() const;
  static std::string defaultUserAgent();

  // All calls are thread-safe and throw ApiError (or a subclass: NotFoundError, ConflictError,
  // AlreadyExistsError, GoneError, InvalidError) on non-2xx answers, TransportError when no
  // answer came, ConfigError when credentials cannot be obtained.

  nlohmann::json get(const ResourceRef& ref, std::string_view ns, std::string_view name,
                     std::string_view subresource = {});
  // One page (the raw List object). An empty namespace lists across namespaces.
  nlohmann::json list(const ResourceRef& ref, std::string_view ns, const ListOptions& options = {});
  // Follows `continue` to the last page; if a continue token expires (410) it restarts with
  // one unpaginated list, as client-go's pager does.
  ListResult listAll(const ResourceRef& ref, std::string_view ns, ListOptions options = {});
  // Starts a watch; the returned stream yields events as the server sends them.
  std::unique_ptr<WatchStream> watch(const ResourceRef& ref, std::string_view ns,
                                     const WatchOptions& options = {});

  nlohmann::json create(const ResourceRef& ref, std::string_view ns, const nlohmann::json& object,
                        const WriteOptions& options = {});
  // PUT of the whole object; namespace and name come from its metadata. A stale
  // metadata.resourceVersion yields ConflictError.
  nlohmann::json update(const ResourceRef& ref, const nlohmann::json& object,
                        const WriteOptions& options = {});
  nlohmann::json updateStatus(const ResourceRef& ref, const nlohmann::json& object,
                              const WriteOptions& options = {});
  nlohmann::json patch(const ResourceRef& ref, std::string_view ns, std::string_view name,
                       PatchType type, const nlohmann::json& patch,
                       const PatchOptions& options = {}, std::string_view subresource = {});
  nlohmann::json patchStatus(const ResourceRef& ref, std::string_view ns, std::string_view name,
                             PatchType type, const nlohmann::json& patch,
                             const PatchOptions& options = {});
  // Returns what the server answered (the object being deleted, or a Status).
  nlohmann::json remove(const ResourceRef& ref, std::string_view ns, std::string_view name,
                        const DeleteOptions& options = {});

  // Raw access with the same authentication, retries and accounting. send() returns non-2xx
  // answers; call() throws them as ApiError and parses the body.
  RestResponse send(const RestRequest& request);
  nlohmann::json call(const RestRequest& request);

  RequestCounts requestCounts() const;

  // For a shutdown with nothing left to write: requests in flight (except watch streams, which
  // their owners close) and retry waits end at once, and every later request fails, with
  // TransportError "cancelled".
  void cancelAll();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rg::kube
