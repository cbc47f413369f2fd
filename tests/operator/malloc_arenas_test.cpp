// The operator's malloc arena limit: threads share the arenas instead of each getting its own,
// and MALLOC_ARENA_MAX in the environment overrides it.
#include "operator/malloc_arenas.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <string>
#include <thread>
#include <vector>

namespace rg {
namespace {

// Arenas in use, from glibc's malloc_info report (one <heap> element per arena).
int arenaCount() {
  char* buffer = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&buffer, &size);
  malloc_info(0, out);
  std::fclose(out);
  const std::string xml(buffer, size);
  std::free(buffer);
  int count = 0;
  for (auto at = xml.find("<heap nr="); at != std::string::npos; at = xml.find("<heap nr=", at + 1))
    ++count;
  return count;
}

TEST(MallocArenas, NewThreadsShareTheLimitedArenas) {
  unsetenv("MALLOC_ARENA_MAX");
  const int before = arenaCount();
  ASSERT_GE(before, 1);
  ASSERT_EQ(limitMallocArenas(2), 2);
  // Eight threads allocating at once would otherwise get eight new arenas.
  constexpr int kThreads = 8;
  std::latch allocated(kThreads);
  std::latch release(1);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      std::vector<char> block(4096, 'x');
      allocated.count_down();
      release.wait();
    });
  }
  allocated.wait();
  const int during = arenaCount();
  release.count_down();
  for (auto& t : threads) t.join();
  EXPECT_LE(during, std::max(before, 2));
}

TEST(MallocArenas, TheEnvironmentSettingStands) {
  setenv("MALLOC_ARENA_MAX", "4", 1);
  EXPECT_EQ(limitMallocArenas(2), 4);
  setenv("MALLOC_ARENA_MAX", "many", 1);
  EXPECT_EQ(limitMallocArenas(2), 0);
  unsetenv("MALLOC_ARENA_MAX");
}

}  // namespace
}  // namespace rg
