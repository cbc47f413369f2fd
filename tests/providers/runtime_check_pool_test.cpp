// RuntimeCheckPool: runtime check calls on their own threads, answers kept only for the round
// that waits for them, a per-namespace limit, and the inline mode without threads.
#include "reconcilers/providers/runtime_check_pool.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "reconcilers/providers/fake_provider.hpp"

namespace rg::providers {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr auto kLong = 5000ms;  // only reached when a test fails

HttpCheck httpCheck(const std::string& url) {
  HttpCheck check;
  check.url = url;
  return check;
}

// The keys the pool reported as answered, in order.
class AnsweredKeys {
 public:
  void operator()(const std::string& key) {
    {
      std::lock_guard lock(mu_);
      keys_.push_back(key);
    }
    cv_.notify_all();
  }
  bool waitFor(size_t count, std::chrono::milliseconds timeout = kLong) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return keys_.size() >= count; });
  }
  std::vector<std::string> keys() {
    std::lock_guard lock(mu_);
    return keys_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> keys_;
};

class RuntimeCheckPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    provider_.setHttp("http://a/", HttpProbeResult{true, 200, "ok", {}});
    provider_.setHttp("http://b/", HttpProbeResult{true, 503, "down", {}});
    provider_.setPrometheus("up", PromQueryResult::of(1));
  }
  std::unique_ptr<RuntimeCheckPool> pool(RuntimeCheckPoolOptions options) {
    return std::make_unique<RuntimeCheckPool>(provider_, options,
                                              [this](const std::string& key) { answered_(key); });
  }

  // Holds the provider; a round of shop/api asks for a, gives up waiting (the pool's wait is
  // short) and ends pending.
  void abandonARoundOnAHeldCall(RuntimeCheckPool& checks) {
    provider_.hold();
    auto round = checks.round("shop/api");
    round.httpProbe(httpCheck("http://a/"));
    ASSERT_TRUE(provider_.waitForCalls(1, kLong));
    EXPECT_FALSE(round.settle());
    EXPECT_TRUE(round.pending());
  }

  // With one thread and the provider held: a runs (held), b waits in the queue.
  void askTwoWithTheFirstRunning(RuntimeCheckPool::Round& round) {
    round.httpProbe(httpCheck("http://a/"));
    round.httpProbe(httpCheck("http://b/"));
    ASSERT_TRUE(provider_.waitForCalls(1, kLong));
  }

  FakeProvider provider_;
  AnsweredKeys answered_;
};

TEST_F(RuntimeCheckPoolTest, WithoutWorkersCallsRunOnTheCallerAndNeverWait) {
  auto checks = pool({0, 0, 100ms});
  auto round = checks->round("shop/api");
  auto answer = round.httpProbe(httpCheck("http://a/"));
  EXPECT_TRUE(answer.answered);
  EXPECT_EQ(answer.status, 200);
  EXPECT_FALSE(round.pending());
  EXPECT_TRUE(round.settle());
  // Asked again in the same round (the evaluation after the calls were started): one call.
  EXPECT_EQ(round.httpProbe(httpCheck("http://a/")).status, 200);
  EXPECT_EQ(provider_.httpCalls().size(), 1u);
}

TEST_F(RuntimeCheckPoolTest, WithoutWorkersEachRoundCallsAgain) {
  auto checks = pool({0, 0, 100ms});
  { checks->round("shop/api").httpProbe(httpCheck("http://a/")); }
  { checks->round("shop/api").httpProbe(httpCheck("http://a/")); }
  EXPECT_EQ(provider_.httpCalls().size(), 2u);
}

TEST_F(RuntimeCheckPoolTest, ARoundFindsTheAnswersItsCallsGaveOnceSettled) {
  auto checks = pool({2, 0, kLong});
  auto round = checks->round("shop/api");
  auto first = round.httpProbe(httpCheck("http://a/"));
  EXPECT_FALSE(first.answered);
  EXPECT_EQ(first.error, "no answer yet");
  EXPECT_TRUE(round.pending());
  auto query = round.prometheusQuery("http://prom", "up", kube::Duration(1s));
  EXPECT_EQ(query.kind, PromQueryResult::Kind::Error);

  ASSERT_TRUE(round.settle());
  EXPECT_FALSE(round.pending());
  auto again = round.httpProbe(httpCheck("http://a/"));
  EXPECT_TRUE(again.answered);
  EXPECT_EQ(again.status, 200);
  auto value = round.prometheusQuery("http://prom", "up", kube::Duration(1s));
  EXPECT_EQ(value.kind, PromQueryResult::Kind::Value);
  EXPECT_FALSE(round.pending());
  // Each call was made once; the round that waited needs no answered() call.
  EXPECT_EQ(provider_.httpCalls().size(), 1u);
  EXPECT_EQ(provider_.prometheusCalls().size(), 1u);
  EXPECT_TRUE(answered_.keys().empty());
}

TEST_F(RuntimeCheckPoolTest, TheCallsOfOneRoundRunInParallel) {
  auto checks = pool({4, 0, kLong});
  provider_.hold();
  auto round = checks->round("shop/api");
  round.httpProbe(httpCheck("http://a/"));
  round.httpProbe(httpCheck("http://b/"));
  round.prometheusQuery("http://prom", "up", kube::Duration(1s));
  // All three are inside the provider at once, none answered yet.
  EXPECT_TRUE(provider_.waitForCalls(3, kLong));
  EXPECT_EQ(provider_.maxConcurrentCalls(), 3u);
  provider_.release();
  EXPECT_TRUE(round.settle());
}

TEST_F(RuntimeCheckPoolTest, AHungCallGivesTheRoundBackAndReportsTheGateWhenItAnswers) {
  auto checks = pool({1, 0, 20ms});
  abandonARoundOnAHeldCall(*checks);
  EXPECT_TRUE(answered_.keys().empty());
  provider_.release();
  ASSERT_TRUE(answered_.waitFor(1));
  EXPECT_THAT(answered_.keys(), ElementsAre("shop/api"));

  // The round that comes back finds the answer without calling again.
  auto round = checks->round("shop/api");
  auto answer = round.httpProbe(httpCheck("http://a/"));
  EXPECT_TRUE(answer.answered);
  EXPECT_FALSE(round.pending());
  EXPECT_EQ(provider_.httpCalls().size(), 1u);
}

TEST_F(RuntimeCheckPoolTest, AnswersAreNotKeptForALaterRound) {
  auto checks = pool({1, 0, kLong});
  {
    auto round = checks->round("shop/api");
    round.httpProbe(httpCheck("http://a/"));
    ASSERT_TRUE(round.settle());
    round.httpProbe(httpCheck("http://a/"));
  }
  auto next = checks->round("shop/api");
  next.httpProbe(httpCheck("http://a/"));
  EXPECT_TRUE(next.pending());  // asked again: a round judges a fresh answer
  ASSERT_TRUE(next.settle());
  EXPECT_EQ(provider_.httpCalls().size(), 2u);
}

TEST_F(RuntimeCheckPoolTest, AnAnswerNobodyWaitsForAnyMoreIsDropped) {
  auto checks = pool({1, 0, 20ms});
  abandonARoundOnAHeldCall(*checks);
  // A later round of the gate that needed no call (its spec changed) ends the wait.
  { auto round = checks->round("shop/api"); }
  provider_.release();
  // The held call ends; nothing reports the gate, and the next round calls again.
  for (int i = 0; i < 2500 && checks->stats().running > 0; ++i) std::this_thread::sleep_for(2ms);
  ASSERT_EQ(checks->stats().running, 0u);
  auto round = checks->round("shop/api");
  round.httpProbe(httpCheck("http://a/"));
  EXPECT_TRUE(round.pending());
  EXPECT_TRUE(answered_.keys().empty());
}

TEST_F(RuntimeCheckPoolTest, StopCancelsTheCallsInProgress) {
  auto checks = pool({1, 0, 20ms});
  provider_.hold();
  {
    auto round = checks->round("shop/api");
    round.httpProbe(httpCheck("http://a/"));
    ASSERT_TRUE(provider_.waitForCalls(1, kLong));
  }
  auto stopped = std::async(std::launch::async, [&] { checks->stop(); });
  const bool ended = stopped.wait_for(kLong) == std::future_status::ready;
  provider_.release();  // lets a failing run end
  EXPECT_TRUE(ended) << "stop() waited for the held call";
  EXPECT_TRUE(provider_.cancelled());
}

TEST_F(RuntimeCheckPoolTest, InlineModeCancelsNothing) {
  // Without threads the reconcile workers make the calls and use their answers.
  auto checks = pool({0, 0, 20ms});
  checks->stop();
  EXPECT_FALSE(provider_.cancelled());
}

TEST_F(RuntimeCheckPoolTest, ARoundWaitsOnlyForItsOwnCalls) {
  provider_.holdUrl("http://a/");
  provider_.setHttp("http://b/", HttpProbeResult{true, 204, {}, {}});
  RuntimeCheckPool checks(provider_, {2, 0, kLong},
                          [this](const std::string& key) { answered_(key); });
  {
    RuntimeCheckPool::Round first = checks.round("shop/api");
    first.httpProbe(httpCheck("http://a/"));
    EXPECT_TRUE(first.pending());
  }
  // The gate's spec changed: its next round needs only b, and does not wait for a.
  {
    RuntimeCheckPool::Round next = checks.round("shop/api");
    next.httpProbe(httpCheck("http://b/"));
    EXPECT_TRUE(next.settle());
    EXPECT_EQ(next.httpProbe(httpCheck("http://b/")).status, 204);
  }
  // a's answer comes after a round that needed nothing of it: dropped, nobody told.
  provider_.release();
  for (int i = 0; i < 2500 && checks.stats().running > 0; ++i) std::this_thread::sleep_for(2ms);
  EXPECT_EQ(checks.stats().running, 0u);
  EXPECT_TRUE(answered_.keys().empty());
}

TEST_F(RuntimeCheckPoolTest, OneNamespaceCannotTakeEveryThread) {
  auto checks = pool({3, 1, 20ms});
  provider_.hold();
  auto slow = checks->round("team-a/slow");
  slow.httpProbe(httpCheck("http://a/"));
  slow.httpProbe(httpCheck("http://b/"));
  ASSERT_TRUE(provider_.waitForCalls(1, kLong));
  auto other = checks->round("team-b/api");
  other.prometheusQuery("http://prom", "up", kube::Duration(1s));
  ASSERT_TRUE(provider_.waitForCalls(2, kLong));
  // team-a's second call waits for its first, though a thread is free; team-b's runs.
  EXPECT_EQ(checks->stats().running, 2u);
  EXPECT_EQ(checks->stats().queued, 1u);
  EXPECT_EQ(provider_.prometheusCalls().size(), 1u);
  provider_.release();
  EXPECT_TRUE(other.settle());
  EXPECT_TRUE(provider_.waitForCalls(3, kLong));
}

TEST_F(RuntimeCheckPoolTest, AForgottenGatesCallsAreDroppedAndNotReported) {
  auto checks = pool({1, 0, 20ms});
  provider_.hold();
  {
    auto round = checks->round("shop/api");
    askTwoWithTheFirstRunning(round);
    EXPECT_FALSE(round.settle());
  }
  EXPECT_EQ(checks->stats().queued, 1u);
  checks->forget("shop/api");
  EXPECT_EQ(checks->stats().queued, 0u);
  provider_.release();
  checks->stop();  // waits for the running call
  EXPECT_EQ(provider_.httpCalls().size(), 1u);
  EXPECT_TRUE(answered_.keys().empty());
}

TEST_F(RuntimeCheckPoolTest, ARoundWhoseGateIsForgottenBeforeItSettlesLeavesNothingBehind) {
  auto checks = pool({1, 0, 20ms});
  provider_.hold();
  {
    auto round = checks->round("shop/api");
    round.httpProbe(httpCheck("http://a/"));
    ASSERT_TRUE(provider_.waitForCalls(1, kLong));
    checks->forget("shop/api");  // the gate was deleted while its round ran
    EXPECT_FALSE(round.settle());
  }
  provider_.release();
  // A gate of that name made again starts afresh: its round settles on its own call, and
  // nothing of the forgotten round waits to report it.
  auto round = checks->round("shop/api");
  round.httpProbe(httpCheck("http://a/"));
  EXPECT_TRUE(round.settle());
  EXPECT_EQ(round.httpProbe(httpCheck("http://a/")).status, 200);
  checks->stop();
  EXPECT_TRUE(answered_.keys().empty());
}

TEST_F(RuntimeCheckPoolTest, AThrowingProviderGivesAnErrorAnswer) {
  class Throwing final : public Provider {
   public:
    HttpProbeResult httpProbe(const HttpCheck&) override { throw std::runtime_error("boom"); }
    PromQueryResult prometheusQuery(const std::string&, const std::string&,
                                    kube::Duration) override {
      throw std::runtime_error("bang");
    }
  } throwing;
  RuntimeCheckPool checks(throwing, {1, 0, kLong}, {});
  auto round = checks.round("shop/api");
  round.httpProbe(httpCheck("http://a/"));
  round.prometheusQuery("http://prom", "up", kube::Duration(1s));
  ASSERT_TRUE(round.settle());
  auto probe = round.httpProbe(httpCheck("http://a/"));
  EXPECT_FALSE(probe.answered);
  EXPECT_THAT(probe.error, HasSubstr("provider error: boom"));
  auto query = round.prometheusQuery("http://prom", "up", kube::Duration(1s));
  EXPECT_EQ(query.kind, PromQueryResult::Kind::Error);
  EXPECT_THAT(query.error, HasSubstr("provider error: bang"));
}

TEST_F(RuntimeCheckPoolTest, StopDropsQueuedCallsAndLaterRoundsStayPending) {
  auto checks = pool({1, 0, 20ms});
  provider_.hold();
  auto round = checks->round("shop/api");
  askTwoWithTheFirstRunning(round);
  std::thread releaser([this] {
    std::this_thread::sleep_for(20ms);
    provider_.release();
  });
  checks->stop();
  releaser.join();
  EXPECT_EQ(provider_.httpCalls().size(), 1u);
  EXPECT_FALSE(round.settle());
  auto late = checks->round("shop/other");
  late.httpProbe(httpCheck("http://a/"));
  EXPECT_TRUE(late.pending());
  EXPECT_EQ(provider_.httpCalls().size(), 1u);
}

}  // namespace
}  // namespace rg::providers
