#pragma once
// A scripted Provider for tests of anything that evaluates runtime checks: answers are set per
// URL / per query, calls are recorded. Thread-safe, like the real provider. hold() makes calls
// block until release(), as a slow or hung target would; holdUrl() does so for one URL only.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
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

  void hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void holdUrl(const std::string& url) {
    std::lock_guard lock(mutex_);
    heldUrls_.insert(url);
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      held_ = false;
      heldUrls_.clear();
    }
    changed_.notify_all();
  }
  // Like the real provider's: held calls end, and cancelled() says it happened.
  void cancelCalls() override {
    {
      std::lock_guard lock(mutex_);
      cancelled_ = true;
      held_ = false;
      heldUrls_.clear();
    }
    changed_.notify_all();
  }
  bool cancelled() const {
    std::lock_guard lock(mutex_);
    return cancelled_;
  }
  // Waits up to `timeout` until `calls` calls have started (held ones included).
  bool waitForCalls(size_t calls, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return started_ >= calls; });
  }
  // Calls inside the provider at once, at most.
  size_t maxConcurrentCalls() const {
    std::lock_guard lock(mutex_);
    return maxInside_;
  }

  HttpProbeResult httpProbe(const HttpCheck& check) override {
    std::unique_lock lock(mutex_);
    httpCalls_.push_back(check);
    Inside inside(*this, lock, check.url);
    auto it = http_.find(check.url);
    if (it != http_.end()) return it->second;
    // Unscripted URLs behave like a host that is not there.
    return HttpProbeResult{false, 0, {}, "no answer scripted for " + check.url};
  }

  PromQueryResult prometheusQuery(const std::string& address, const std::string& query,
                                  kube::Duration timeout) override {
    std::unique_lock lock(mutex_);
    promCalls_.push_back({address, query, timeout});
    Inside inside(*this, lock, address);
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
  // One call inside the provider: counted, and blocked while held.
  struct Inside {
    FakeProvider& fake;
    Inside(FakeProvider& f, std::unique_lock<std::mutex>& lock, const std::string& url) : fake(f) {
      ++fake.started_;
      fake.maxInside_ = std::max(fake.maxInside_, ++fake.inside_);
      fake.changed_.notify_all();
      fake.changed_.wait(lock, [&] { return !fake.held_ && !fake.heldUrls_.contains(url); });
    }
    ~Inside() { --fake.inside_; }
  };

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool held_ = false;
  bool cancelled_ = false;
  std::set<std::string> heldUrls_;
  size_t started_ = 0, inside_ = 0, maxInside_ = 0;
  std::map<std::string, HttpProbeResult> http_;
  std::map<std::string, PromQueryResult> prometheus_;
  std::vector<HttpCheck> httpCalls_;
  std::vector<PromCall> promCalls_;
};

}  // namespace rg::providers
