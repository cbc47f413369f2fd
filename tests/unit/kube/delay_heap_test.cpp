// The work queue's building blocks: its delay heap and the clocks.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <random>
#include <string>
#include <utility>

#include "kube/clock.hpp"
#include "kube/work_queue.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

TEST(DelayHeap, PopsInReadyOrderAgainstReferenceModel) {
  using TimePoint = Clock::TimePoint;
  detail::DelayHeap heap;
  // Reference: key -> (readyAt, insertion sequence); the minimum pair must pop first.
  std::map<std::string, std::pair<TimePoint, int>> model;
  int seq = 0;
  std::mt19937 rng(42);
  for (int step = 0; step < 5000; ++step) {
    if (rng() % 3 != 0 || model.empty()) {
      const std::string key = "k" + std::to_string(rng() % 64);
      const TimePoint readyAt{std::chrono::milliseconds(rng() % 1000)};
      heap.push(key, readyAt);
      auto [it, inserted] = model.try_emplace(key, readyAt, seq++);
      if (!inserted && readyAt < it->second.first) it->second.first = readyAt;
    } else {
      auto expected = model.begin();
      for (auto it = model.begin(); it != model.end(); ++it) {
        if (it->second < expected->second) expected = it;
      }
      ASSERT_EQ(heap.nextReadyAt(), expected->second.first) << "step " << step;
      ASSERT_EQ(heap.pop(), expected->first) << "step " << step;
      model.erase(expected);
    }
    ASSERT_EQ(heap.size(), model.size());
  }
}

TEST(FakeClock, AdvancesOnlyWhenToldAndNotifiesSubscribers) {
  FakeClock clock;
  const auto start = clock.now();
  int jumps = 0;
  const auto id = clock.subscribe([&] { ++jumps; });
  EXPECT_EQ(clock.now(), start);
  clock.advance(250ms);
  EXPECT_EQ(clock.now() - start, 250ms);
  EXPECT_EQ(jumps, 1);
  clock.advance(-1s);  // time never goes back
  EXPECT_EQ(clock.now() - start, 250ms);
  clock.unsubscribe(id);
  clock.advance(1s);
  EXPECT_EQ(jumps, 2);
}

TEST(Clock, SaturatingAddClampsInsteadOfOverflowing) {
  const Clock::TimePoint t{1h};
  EXPECT_EQ(saturatingAdd(t, 1s), Clock::TimePoint{1h + 1s});
  EXPECT_EQ(saturatingAdd(t, nanoseconds::max()), Clock::TimePoint::max());
  EXPECT_EQ(saturatingAdd(Clock::TimePoint{-1h}, nanoseconds::min()), Clock::TimePoint::min());
}

}  // namespace
}  // namespace rg::kube
