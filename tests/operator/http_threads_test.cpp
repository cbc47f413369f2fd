// The operator sizes cpprestsdk's shared thread pool instead of taking its 40 threads. ctest runs
// each test in a process of its own, so the pool is not started before a test starts.
#include "operator/http_threads.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <iterator>
#include <utility>
// Kept after <utility>.
#include <pplx/threadpool.h>

namespace rg {
namespace {

std::ptrdiff_t threadCount() {
  return std::distance(std::filesystem::directory_iterator("/proc/self/task"),
                       std::filesystem::directory_iterator());
}

TEST(HttpThreads, TheSharedPoolRunsTheGivenNumberOfThreads) {
  const auto before = threadCount();
  ASSERT_TRUE(limitHttpThreads(3));
  crossplat::threadpool::shared_instance();  // starts the pool, as a first request would
  EXPECT_EQ(threadCount() - before, 3);
}

TEST(HttpThreads, APoolAlreadyStartedKeepsItsSize) {
  crossplat::threadpool::shared_instance();
  const auto started = threadCount();
  EXPECT_FALSE(limitHttpThreads(2));
  crossplat::threadpool::shared_instance();
  EXPECT_EQ(threadCount(), started);
}

}  // namespace
}  // namespace rg
