#include "kube/rate_limiter.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace rg::kube {

using std::chrono::nanoseconds;

ItemExponentialFailureRateLimiter::ItemExponentialFailureRateLimiter(nanoseconds baseDelay,
                                                                     nanoseconds maxDelay)
    : baseDelay_(std::max(baseDelay, nanoseconds::zero())),
      maxDelay_(std::max(maxDelay, nanoseconds::zero())) {}

nanoseconds ItemExponentialFailureRateLimiter::when(const std::string& key) {
  std::int64_t exponent = 0;
  {
    std::lock_guard lock(mu_);
    std::int64_t& failures = failures_[key];
    exponent = failures;
    if (failures < std::numeric_limits<std::int64_t>::max()) ++failures;
  }
  // base * 2^exponent > max  <=>  base > max >> exponent (exact for non-negative integers), so the
  // cap is found without ever computing a product that could overflow.
  const auto base = baseDelay_.count();
  const auto cap = maxDelay_.count();
  if (base == 0) return nanoseconds::zero();
  if (exponent >= 63 || base > (cap >> exponent)) return maxDelay_;
  return nanoseconds{base << exponent};
}

void ItemExponentialFailureRateLimiter::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

int ItemExponentialFailureRateLimiter::numRequeues(const std::string& key) {
  std::lock_guard lock(mu_);
  const auto it = failures_.find(key);
  if (it == failures_.end()) return 0;
  return static_cast<int>(std::min<std::int64_t>(it->second, INT_MAX));
}

BucketRateLimiter::BucketRateLimiter(double qps, int burst, std::shared_ptr<Clock> clock)
    : qps_(qps), burst_(burst), clock_(std::move(clock)), tokens_(burst) {
  if (!(qps > 0) || !std::isfinite(qps)) throw std::invalid_argument("qps must be positive");
  if (burst < 1) throw std::invalid_argument("burst must be at least 1");
  if (!clock_) throw std::invalid_argument("clock is required");
  last_ = clock_->now();
}

nanoseconds BucketRateLimiter::when(const std::string&) {
  std::lock_guard lock(mu_);
  const Clock::TimePoint now = clock_->now();
  if (now > last_) {
    const double elapsedSeconds = static_cast<double>((now - last_).count()) / 1e9;
    tokens_ = std::min(burst_, tokens_ + elapsedSeconds * qps_);
    last_ = now;
  }
  tokens_ -= 1;
  if (tokens_ >= 0) return nanoseconds::zero();
  // Rounded to the nearest nanosecond so 1 token at 10 qps is exactly 100 ms, not 99.999999 ms.
  const double waitNs = std::round(-tokens_ * 1e9 / qps_);
  if (waitNs >= static_cast<double>(std::numeric_limits<nanoseconds::rep>::max())) {
    return nanoseconds::max();
  }
  return nanoseconds{static_cast<nanoseconds::rep>(waitNs)};
}

MaxOfRateLimiter::MaxOfRateLimiter(std::vector<std::shared_ptr<RateLimiter>> limiters)
    : limiters_(std::move(limiters)) {
  for (const auto& limiter : limiters_) {
    if (!limiter) throw std::invalid_argument("null rate limiter");
  }
}

nanoseconds MaxOfRateLimiter::when(const std::string& key) {
  // Every member is asked, since each call also records a failure or spends a token.
  nanoseconds longest = nanoseconds::zero();
  for (const auto& limiter : limiters_) longest = std::max(longest, limiter->when(key));
  return longest;
}

void MaxOfRateLimiter::forget(const std::string& key) {
  for (const auto& limiter : limiters_) limiter->forget(key);
}

int MaxOfRateLimiter::numRequeues(const std::string& key) {
  int most = 0;
  for (const auto& limiter : limiters_) most = std::max(most, limiter->numRequeues(key));
  return most;
}

std::shared_ptr<RateLimiter> defaultControllerRateLimiter(std::shared_ptr<Clock> clock) {
  using namespace std::chrono_literals;
  return std::make_shared<MaxOfRateLimiter>(std::vector<std::shared_ptr<RateLimiter>>{
      std::make_shared<ItemExponentialFailureRateLimiter>(5ms, 1000s),
      std::make_shared<BucketRateLimiter>(10.0, 100, std::move(clock)),
  });
}

}  // namespace rg::kube
