#include "tests/support/fault_injector.hpp"

namespace rg::testing {

void FaultInjector::failNext(FaultRule rule) {
  std::lock_guard lock(mu_);
  if (rule.count > 0) rules_.push_back(std::move(rule));
}

std::optional<FaultRule> FaultInjector::take(const std::string& method, const std::string& target,
                                             const std::string& body) {
  std::lock_guard lock(mu_);
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (!it->method.empty() && it->method != method) continue;
    if (!it->pathContains.empty() && target.find(it->pathContains) == std::string::npos) continue;
    if (!it->bodyContains.empty() && body.find(it->bodyContains) == std::string::npos) continue;
    FaultRule hit = *it;
    if (--it->count <= 0) rules_.erase(it);
    return hit;
  }
  return std::nullopt;
}

void FaultInjector::expireNextWatch(bool asHttpStatus, std::string pathContains) {
  std::lock_guard lock(mu_);
  expiredWatches_.push_back({asHttpStatus, std::move(pathContains)});
}

std::optional<bool> FaultInjector::takeExpiredWatch(const std::string& path) {
  std::lock_guard lock(mu_);
  for (auto it = expiredWatches_.begin(); it != expiredWatches_.end(); ++it) {
    if (!it->pathContains.empty() && path.find(it->pathContains) == std::string::npos) continue;
    const bool asHttp = it->asHttpStatus;
    expiredWatches_.erase(it);
    return asHttp;
  }
  return std::nullopt;
}

void FaultInjector::setLatency(std::chrono::milliseconds latency) {
  std::lock_guard lock(mu_);
  latency_ = latency;
}

std::chrono::milliseconds FaultInjector::latency() const {
  std::lock_guard lock(mu_);
  return latency_;
}

void FaultInjector::delay() {
  std::unique_lock lock(mu_);
  if (shutdown_ || latency_.count() <= 0) return;
  released_.wait_for(lock, latency_, [&] { return shutdown_; });
}

void FaultInjector::shutdown() {
  {
    std::lock_guard lock(mu_);
    shutdown_ = true;
  }
  released_.notify_all();
}

void FaultInjector::clear() {
  std::lock_guard lock(mu_);
  rules_.clear();
  expiredWatches_.clear();
  latency_ = std::chrono::milliseconds(0);
}

void RequestRecorder::record(RequestRecord record) {
  std::lock_guard lock(mu_);
  records_.push_back(std::move(record));
  while (records_.size() > limit_) records_.pop_front();
}

size_t RequestRecorder::count(const std::string& verb, const std::string& resource) const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& r : records_) {
    if (!verb.empty() && r.verb != verb) continue;
    if (!resource.empty()) {
      const std::string full =
          r.subresource.empty() ? r.resource : r.resource + "/" + r.subresource;
      if (full != resource) continue;
    }
    ++n;
  }
  return n;
}

std::vector<RequestRecord> RequestRecorder::records() const {
  std::lock_guard lock(mu_);
  return {records_.begin(), records_.end()};
}

void RequestRecorder::reset() {
  std::lock_guard lock(mu_);
  records_.clear();
}

}  // namespace rg::testing
