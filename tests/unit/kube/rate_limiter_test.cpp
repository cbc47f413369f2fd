#include "kube/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "kube/clock.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

TEST(ItemExponentialFailureRateLimiter, DoublesFromBaseDelay) {
  ItemExponentialFailureRateLimiter limiter(5ms, 1000s);
  EXPECT_EQ(limiter.when("ns/a"), 5ms);
  EXPECT_EQ(limiter.when("ns/a"), 10ms);
  EXPECT_EQ(limiter.when("ns/a"), 20ms);
  EXPECT_EQ(limiter.when("ns/a"), 40ms);
  EXPECT_EQ(limiter.when("ns/a"), 80ms);
  EXPECT_EQ(limiter.numRequeues("ns/a"), 5);
}

TEST(ItemExponentialFailureRateLimiter, TracksEachKeySeparately) {
  ItemExponentialFailureRateLimiter limiter(5ms, 1000s);
  EXPECT_EQ(limiter.when("ns/a"), 5ms);
  EXPECT_EQ(limiter.when("ns/a"), 10ms);
  EXPECT_EQ(limiter.when("ns/b"), 5ms);
  EXPECT_EQ(limiter.numRequeues("ns/a"), 2);
  EXPECT_EQ(limiter.numRequeues("ns/b"), 1);
  EXPECT_EQ(limiter.numRequeues("ns/never"), 0);
}

TEST(ItemExponentialFailureRateLimiter, ForgetResetsBackoff) {
  ItemExponentialFailureRateLimiter limiter(5ms, 1000s);
  limiter.when("ns/a");
  limiter.when("ns/a");
  limiter.when("ns/b");
  limiter.forget("ns/a");
  EXPECT_EQ(limiter.numRequeues("ns/a"), 0);
  EXPECT_EQ(limiter.when("ns/a"), 5ms);
  EXPECT_EQ(limiter.numRequeues("ns/b"), 1);  // other keys keep their count
}

TEST(ItemExponentialFailureRateLimiter, CapsAtMaxDelay) {
  ItemExponentialFailureRateLimiter limiter(5ms, 1000s);
  // 5 ms * 2^17 = 655.36 s is the last delay under the cap; 2^18 would be 1310.72 s.
  for (int i = 0; i < 17; ++i) limiter.when("ns/a");
  EXPECT_EQ(limiter.when("ns/a"), 655360ms);
  EXPECT_EQ(limiter.when("ns/a"), 1000s);
  EXPECT_EQ(limiter.when("ns/a"), 1000s);
}

TEST(ItemExponentialFailureRateLimiter, LargeRequeueCountsStayAtCap) {
  ItemExponentialFailureRateLimiter limiter(5ms, 1000s);
  // Well past 2^63: a naive shift or multiply would overflow into negative or tiny delays.
  for (int i = 0; i < 200; ++i) {
    const nanoseconds delay = limiter.when("ns/a");
    ASSERT_GT(delay, nanoseconds::zero()) << "failure " << i;
    ASSERT_LE(delay, nanoseconds{1000s}) << "failure " << i;
  }
  EXPECT_EQ(limiter.when("ns/a"), 1000s);
  EXPECT_EQ(limiter.numRequeues("ns/a"), 201);
}

TEST(ItemExponentialFailureRateLimiter, HugeBaseDoesNotOverflow) {
  const nanoseconds base{nanoseconds::max().count() / 2 + 1};
  ItemExponentialFailureRateLimiter limiter(base, nanoseconds::max());
  EXPECT_EQ(limiter.when("ns/a"), base);
  EXPECT_EQ(limiter.when("ns/a"), nanoseconds::max());  // 2 * base exceeds the range
}

TEST(ItemExponentialFailureRateLimiter, ZeroBaseNeverWaits) {
  ItemExponentialFailureRateLimiter limiter(0ms, 1000s);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(limiter.when("ns/a"), nanoseconds::zero());
}

TEST(BucketRateLimiter, BurstIsFreeThenTokensAreSpacedByOneOverQps) {
  auto clock = std::make_shared<FakeClock>();
  BucketRateLimiter limiter(10.0, 100, clock);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(limiter.when("k"), nanoseconds::zero()) << i;
  // Tokens taken on credit: each waits one more 100 ms refill than the previous.
  EXPECT_EQ(limiter.when("k"), 100ms);
  EXPECT_EQ(limiter.when("k"), 200ms);
  EXPECT_EQ(limiter.when("k"), 300ms);
}

TEST(BucketRateLimiter, RefillsAtQpsWithFakeClock) {
  auto clock = std::make_shared<FakeClock>();
  BucketRateLimiter limiter(10.0, 100, clock);
  for (int i = 0; i < 100; ++i) limiter.when("k");
  EXPECT_EQ(limiter.when("k"), 100ms);  // bucket now owes one token
  clock->advance(100ms);                // ... which has been refilled
  EXPECT_EQ(limiter.when("k"), 100ms);
  clock->advance(200ms);  // two tokens refilled: one pays the debt, one is free
  EXPECT_EQ(limiter.when("k"), nanoseconds::zero());
  EXPECT_EQ(limiter.when("k"), 100ms);
}

TEST(BucketRateLimiter, RefillStopsAtBurst) {
  auto clock = std::make_shared<FakeClock>();
  BucketRateLimiter limiter(10.0, 100, clock);
  clock->advance(1h);  // would be 36000 tokens without the cap
  for (int i = 0; i < 100; ++i) ASSERT_EQ(limiter.when("k"), nanoseconds::zero()) << i;
  EXPECT_EQ(limiter.when("k"), 100ms);
}

TEST(BucketRateLimiter, SharedByAllKeysAndNeverCountsRequeues) {
  auto clock = std::make_shared<FakeClock>();
  BucketRateLimiter limiter(1.0, 2, clock);
  EXPECT_EQ(limiter.when("a"), nanoseconds::zero());
  EXPECT_EQ(limiter.when("b"), nanoseconds::zero());
  EXPECT_EQ(limiter.when("c"), 1s);
  EXPECT_EQ(limiter.numRequeues("a"), 0);
  limiter.forget("c");  // no per-key state: the debt stays
  EXPECT_EQ(limiter.when("c"), 2s);
}

TEST(BucketRateLimiter, RejectsInvalidParameters) {
  EXPECT_THROW(BucketRateLimiter(0.0, 10), std::invalid_argument);
  EXPECT_THROW(BucketRateLimiter(-1.0, 10), std::invalid_argument);
  EXPECT_THROW(BucketRateLimiter(10.0, 0), std::invalid_argument);
}

TEST(MaxOfRateLimiter, ReturnsLongestDelayAndLargestRequeueCount) {
  auto clock = std::make_shared<FakeClock>();
  auto fast = std::make_shared<ItemExponentialFailureRateLimiter>(1ms, 1s);
  auto slow = std::make_shared<ItemExponentialFailureRateLimiter>(30ms, 60ms);
  MaxOfRateLimiter limiter({fast, slow});
  EXPECT_EQ(limiter.when("k"), 30ms);
  EXPECT_EQ(limiter.when("k"), 60ms);
  EXPECT_EQ(limiter.when("k"), 60ms);  // slow capped; fast at 4 ms
  for (int i = 0; i < 4; ++i) limiter.when("k");
  EXPECT_EQ(limiter.when("k"), 128ms);  // fast (1 ms * 2^7) overtakes the capped one
  EXPECT_EQ(limiter.numRequeues("k"), 8);
  limiter.forget("k");
  EXPECT_EQ(fast->numRequeues("k"), 0);
  EXPECT_EQ(slow->numRequeues("k"), 0);
  EXPECT_EQ(limiter.when("k"), 30ms);
}

TEST(DefaultControllerRateLimiter, PerItemBackoffUntilBucketDominates) {
  auto clock = std::make_shared<FakeClock>();
  auto limiter = defaultControllerRateLimiter(clock);
  EXPECT_EQ(limiter->when("ns/a"), 5ms);
  EXPECT_EQ(limiter->when("ns/a"), 10ms);
  EXPECT_EQ(limiter->when("ns/a"), 20ms);
  EXPECT_EQ(limiter->numRequeues("ns/a"), 3);
  limiter->forget("ns/a");
  EXPECT_EQ(limiter->numRequeues("ns/a"), 0);
  EXPECT_EQ(limiter->when("ns/a"), 5ms);
  // 4 tokens spent; 96 more keys empty the burst of 100, then the bucket's delay wins.
  for (int i = 0; i < 96; ++i) ASSERT_EQ(limiter->when("ns/k" + std::to_string(i)), 5ms) << i;
  EXPECT_EQ(limiter->when("ns/b"), 100ms);
  EXPECT_EQ(limiter->when("ns/c"), 200ms);
}

TEST(DefaultControllerRateLimiter, ReachesThousandSecondCap) {
  auto clock = std::make_shared<FakeClock>();
  auto limiter = defaultControllerRateLimiter(clock);
  nanoseconds last{};
  for (int i = 0; i < 40; ++i) {
    clock->advance(1000s);  // keep the bucket full so only the backoff counts
    last = limiter->when("ns/a");
  }
  EXPECT_EQ(last, 1000s);
}

}  // namespace
}  // namespace rg::kube
