// Replays every fuzz entry point over its seed corpus (fuzz/corpus/<target>/) and the inputs of
// past findings (fuzz/regressions/<target>/), so that the normal g++ test run, with or without
// sanitizers, catches a regression without clang or libFuzzer.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/fuzz_targets.hpp"

namespace rg::fuzz {
namespace {

namespace fs = std::filesystem;

const fs::path kFuzzDir = RG_FUZZ_DIR;

std::vector<fs::path> filesIn(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class FuzzReplay : public ::testing::TestWithParam<Target> {};

TEST_P(FuzzReplay, SeedCorpus) {
  auto files = filesIn(kFuzzDir / "corpus" / GetParam().name);
  ASSERT_FALSE(files.empty()) << "no seeds in fuzz/corpus/" << GetParam().name;
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    GetParam().run(readFile(file));
  }
}

// Every past finding, of every target, replayed (a target without findings adds none).
TEST(FuzzRegressions, EveryFindingIsHandled) {
  size_t replayed = 0;
  for (const auto& target : kTargets) {
    for (const auto& file : filesIn(kFuzzDir / "regressions" / target.name)) {
      SCOPED_TRACE(file.string());
      target.run(readFile(file));
      ++replayed;
    }
  }
  EXPECT_GT(replayed, 0u) << "fuzz/regressions/ holds no findings";
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay, ::testing::ValuesIn(kTargets),
                         [](const ::testing::TestParamInfo<Target>& info) {
                           return std::string(info.param.name);
                         });

// A folder that names no target would never be replayed (a typo, or a renamed target).
TEST(FuzzLayout, EveryInputFolderBelongsToATarget) {
  std::set<std::string> names;
  for (const auto& target : kTargets) names.insert(target.name);
  for (const char* kind : {"corpus", "regressions"}) {
    if (!fs::is_directory(kFuzzDir / kind)) continue;
    for (const auto& entry : fs::directory_iterator(kFuzzDir / kind)) {
      EXPECT_TRUE(names.count(entry.path().filename().string()))
          << "fuzz/" << kind << "/" << entry.path().filename().string() << " names no target";
    }
  }
}

// An expected abort leaves no core file, which the test script would report as a crash.
void withoutCoreFile() {
  const rlimit none{0, 0};
  setrlimit(RLIMIT_CORE, &none);
}

// The properties the targets check must be able to fail.
TEST(FuzzProperties, InvalidUtf8IsReported) {
  EXPECT_DEATH(
      {
        withoutCoreFile();
        requireJsonText("test", "cut \xc3");
      },
      "test: property violated: text is not valid UTF-8");
  requireJsonText("test", "caf\xc3\xa9");
}

}  // namespace
}  // namespace rg::fuzz
