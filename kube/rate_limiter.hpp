#pragma once
// Rate limiters for retries, after client-go's util/workqueue: per-item exponential backoff, a
// global token bucket, and the maximum of several. All are safe to call from many threads.
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "kube/clock.hpp"

namespace rg::kube {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // How long to wait before the next retry of `key`; counts as one failure of `key`.
  virtual std::chrono::nanoseconds when(const std::string& key) = 0;
  // Stops tracking `key` (it succeeded); its backoff starts over on the next failure.
  virtual void forget(const std::string& key) = 0;
  // Failures of `key` since it was last forgotten.
  virtual int numRequeues(const std::string& key) = 0;
};

// baseDelay * 2^failures, capped at maxDelay, tracked per key.
class ItemExponentialFailureRateLimiter final : public RateLimiter {
 public:
  ItemExponentialFailureRateLimiter(std::chrono::nanoseconds baseDelay,
                                    std::chrono::nanoseconds maxDelay);

  std::chrono::nanoseconds when(const std::string& key) override;
  void forget(const std::string& key) override;
  int numRequeues(const std::string& key) override;

 private:
  const std::chrono::nanoseconds baseDelay_;
  const std::chrono::nanoseconds maxDelay_;
  std::mutex mu_;
  std::unordered_map<std::string, std::int64_t> failures_;
};

// A token bucket shared by all keys (golang.org/x/time/rate's Reserve().Delay()): it starts full
// with `burst` tokens, refills at `qps`, and each call takes a token, possibly on credit, returning
// how long until that token exists.
class BucketRateLimiter final : public RateLimiter {
 public:
  // Throws std::invalid_argument unless qps > 0 and burst >= 1.
  BucketRateLimiter(double qps, int burst, std::shared_ptr<Clock> clock = realClock());

  std::chrono::nanoseconds when(const std::string& key) override;
  void forget(const std::string&) override {}
  int numRequeues(const std::string&) override { return 0; }

 private:
  const double qps_;
  const double burst_;
  const std::shared_ptr<Clock> clock_;
  std::mutex mu_;
  double tokens_;
  Clock::TimePoint last_;
};

// The longest delay of its members; numRequeues is the largest of theirs.
class MaxOfRateLimiter final : public RateLimiter {
 public:
  explicit MaxOfRateLimiter(std::vector<std::shared_ptr<RateLimiter>> limiters);

  std::chrono::nanoseconds when(const std::string& key) override;
  void forget(const std::string& key) override;
  int numRequeues(const std::string& key) override;

 private:
  const std::vector<std::shared_ptr<RateLimiter>> limiters_;
};

// client-go's DefaultControllerRateLimiter: max of per-item 5 ms .. 1000 s exponential backoff
// and a 10 qps / burst 100 bucket.
std::shared_ptr<RateLimiter> defaultControllerRateLimiter(
    std::shared_ptr<Clock> clock = realClock());

}  // namespace rg::kube
