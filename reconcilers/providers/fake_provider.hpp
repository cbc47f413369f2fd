#pragma once
// A scripted Provider for tests of anything that evaluates runtime checks: answers are set per
// URL / per query, calls are recorded. Thread-safe, like the real provider.
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "reconcilers/providers/provider.hpp"

namespace rg::providers {

class FakeProvider final : public Provider {
 public:
  struct PromCall {
    std::string address;
    std::string query;
    kube::Duration timeout;
  };

  void setHttp(const std::string& url, HttpProbeResult result) {
    std::lock_guard lock(mutex_);
    http_[url] = std::move(result);
  }
  void setPrometheus(const std::string& query, PromQueryResult result) {
    std::lock_guard lock(mutex_);
    prometheus_[query] = std::move(result);
  }

  HttpProbeResult httpProbe(const HttpCheck& check) override {
    std::lock_guard lock(mutex_);
    httpCalls_.push_back(check);
    auto it = http_.find(check.url);
    if (it != http_.end()) return it->second;
    // Unscripted URLs behave like a host that is not there.
    return HttpProbeResult{false, 0, {}, "no answer scripted for " + check.url};
  }

  PromQueryResult prometheusQuery(const std::string& address, const std::string& query,
                                  kube::Duration timeout) override {
    std::lock_guard lock(mutex_);
    promCalls_.push_back({address, query, timeout});
    auto it = prometheus_.find(query);
    if (it != prometheus_.end()) return it->second;
    return PromQueryResult::failure("no answer scripted for query " + query);
  }

  std::vector<HttpCheck> httpCalls() const {
    std::lock_guard lock(mutex_);
    return httpCalls_;
  }
  std::vector<PromCall> prometheusCalls() const {
    std::lock_guard lock(mutex_);
    return promCalls_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, HttpProbeResult> http_;
  std::map<std::string, PromQueryResult> prometheus_;
  std::vector<HttpCheck> httpCalls_;
  std::vector<PromCall> promCalls_;
};

}  // namespace rg::providers
