#pragma once
// Faults tests switch on (failing requests, expiring watches, latency) and the record of the
// requests the server answered (to assert e.g. "no GET or LIST at steady state").
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace rg::testing {

struct FaultRule {
  int count = 1;              // requests to fail
  int code = 500;             // HTTP status
  std::string method;         // "" any, else GET/POST/PUT/PATCH/DELETE
  std::string pathContains;   // "" any, else a substring of "path?query"
  std::string bodyContains;   // "" any, else a substring of the request body
  int retryAfterSeconds = 0;  // > 0: Retry-After header and details.retryAfterSeconds
  std::string message = "injected fault";
};

class FaultInjector {
 public:
  void failNext(FaultRule rule);
  // Consumes one matching failure, if any.
  std::optional<FaultRule> take(const std::string& method, const std::string& target,
                                const std::string& body = "");
  // The next watch answers "410 Gone": as an ERROR event in a 200 stream (what the API server
  // does) or, with asHttpStatus, as an HTTP 410 response. With `pathContains`, only the next
  // watch whose path contains it (one informer's, when several watch at once).
  void expireNextWatch(bool asHttpStatus = false, std::string pathContains = "");
  // Consumes the first expiry that applies to a watch of `path`; its value is asHttpStatus.
  std::optional<bool> takeExpiredWatch(const std::string& path = "");
  void setLatency(std::chrono::milliseconds latency);
  std::chrono::milliseconds latency() const;
  // Holds a request for the latency in force when it arrived, even if the latency is lowered
  // meanwhile (a request stuck in a slow server stays stuck); shutdown() releases it.
  void delay();
  // Releases held requests and holds no more (the server is stopping).
  void shutdown();
  void clear();

 private:
  mutable std::mutex mu_;
  std::deque<FaultRule> rules_;
  struct Expiry {
    bool asHttpStatus = false;
    std::string pathContains;
  };
  std::deque<Expiry> expiredWatches_;
  std::chrono::milliseconds latency_{0};
  std::condition_variable released_;
  bool shutdown_ = false;
};

struct RequestRecord {
  std::string method;
  std::string path;
  std::string query;  // decoded, "k=v&k=v" in key order
  std::string verb;   // get list watch create update patch delete deletecollection; "" otherwise
  std::string group;
  std::string version;
  std::string resource;  // plural, e.g. "deployments"
  std::string subresource;
  std::string ns;
  std::string name;
  std::string contentType;
  std::string accept;
  std::string body;
  int code = 0;
};

class RequestRecorder {
 public:
  explicit RequestRecorder(size_t limit = 10000) : limit_(limit) {}
  void record(RequestRecord record);
  // Requests with this verb ("" any) on this resource ("" any; "deployments/status" names a
  // subresource; "deployments" matches the main resource only).
  size_t count(const std::string& verb, const std::string& resource = "") const;
  std::vector<RequestRecord> records() const;
  void reset();

 private:
  mutable std::mutex mu_;
  size_t limit_;
  std::deque<RequestRecord> records_;
};

}  // namespace rg::testing
