// The Dockerfile cannot be built here; these tests keep it consistent with the build: the
// builder uses the repository's scripts, copies the binary from where scripts/build.sh puts
// it, the runtime stage installs exactly the packages of the binary's shared libraries, and
// the numeric USER is the chart's runAsUser.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/install/chart_render.hpp"

namespace rg::install {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::IsEmpty;

struct Instruction {
  std::string keyword;  // upper case
  std::string arguments;
};

struct Stage {
  std::string image;
  std::string name;
  std::vector<Instruction> instructions;

  std::vector<std::string> all(const std::string& keyword) const {
    std::vector<std::string> out;
    for (const auto& i : instructions)
      if (i.keyword == keyword) out.push_back(i.arguments);
    return out;
  }
  std::string last(const std::string& keyword) const {
    auto found = all(keyword);
    if (found.empty()) throw std::runtime_error("stage " + image + " has no " + keyword);
    return found.back();
  }
};

std::string trim(const std::string& s) {
  auto begin = s.find_first_not_of(" \t");
  auto end = s.find_last_not_of(" \t");
  return begin == std::string::npos ? "" : s.substr(begin, end - begin + 1);
}

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

// Comments dropped, continuation lines joined, split into stages at FROM.
std::vector<Stage> parseDockerfile(const std::string& text) {
  std::vector<Stage> stages;
  std::istringstream in(text);
  std::string line, pending;
  auto flush = [&] {
    std::string instruction = trim(pending);
    pending.clear();
    if (instruction.empty()) return;
    auto space = instruction.find_first_of(" \t");
    Instruction i{instruction.substr(0, space),
                  space == std::string::npos ? "" : trim(instruction.substr(space))};
    for (auto& c : i.keyword) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (i.keyword == "FROM") {
      auto parts = words(i.arguments);
      stages.push_back({parts.at(0), parts.size() >= 3 ? parts[2] : "", {}});
      return;
    }
    if (stages.empty()) throw std::runtime_error("Dockerfile: " + i.keyword + " before FROM");
    stages.back().instructions.push_back(i);
  };
  while (std::getline(in, line)) {
    if (trim(line).starts_with("#")) continue;
    if (!line.empty() && line.back() == '\\') {
      pending += line.substr(0, line.size() - 1) + " ";
      continue;
    }
    pending += line;
    flush();
  }
  flush();
  return stages;
}

std::vector<Stage> dockerfile() {
  return parseDockerfile(readFile(sourcePath("Dockerfile")));
}

// Packages named after `apt-get install` (options skipped) up to the end of that command.
std::set<std::string> aptPackages(const Stage& stage) {
  std::set<std::string> packages;
  for (const auto& run : stage.all("RUN")) {
    auto parts = words(run);
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      if (parts[i] != "apt-get" || parts[i + 1] != "install") continue;
      for (size_t j = i + 2; j < parts.size(); ++j) {
        if (parts[j] == "&&" || parts[j] == ";" || parts[j] == "||") break;
        if (!parts[j].starts_with("-")) packages.insert(parts[j]);
      }
    }
  }
  return packages;
}

std::string stripArch(const std::string& package) {
  return package.substr(0, package.find(':'));
}

// Path forms dpkg may know a library under: bookworm's merged /usr means /lib or /usr/lib.
std::vector<std::string> pathForms(const std::string& library) {
  std::vector<std::string> forms{library, fs::canonical(library).string()};
  for (const auto& path : std::vector<std::string>(forms)) {
    if (path.starts_with("/usr/lib/")) forms.push_back(path.substr(4));
    if (path.starts_with("/lib/")) forms.push_back("/usr" + path);
  }
  return forms;
}

// Packages of the built binary's shared libraries, libc6 aside (every Debian image has it).
std::set<std::string> libraryPackages() {
  auto ldd = testing::runProcess({"ldd", RG_OPERATOR_BINARY}, kToolTimeout);
  if (ldd.exitCode != 0) throw std::runtime_error("ldd failed: " + ldd.err);
  static const std::regex kResolved(R"(^\s*(\S+) => (/\S+) \(0x[0-9a-f]+\)\s*$)");
  std::map<std::string, std::vector<std::string>> forms;  // library -> its path forms
  std::vector<std::string> query{"dpkg", "-S"};
  std::istringstream in(ldd.out);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, kResolved)) continue;
    const std::string soname = m[1];
    // Sanitizer builds link their runtimes; release images are never built with them.
    if (soname.starts_with("libasan") || soname.starts_with("libubsan") ||
        soname.starts_with("libtsan") || soname.starts_with("liblsan"))
      continue;
    forms[m[2]] = pathForms(m[2]);
    query.insert(query.end(), forms[m[2]].begin(), forms[m[2]].end());
  }
  if (forms.empty()) throw std::runtime_error("ldd listed no libraries:\n" + ldd.out);
  // One dpkg run for every path (it is slow to start); unknown forms only print to stderr.
  auto dpkg = testing::runProcess(query, kToolTimeout);
  std::map<std::string, std::string> owner;  // path -> package
  std::istringstream owned(dpkg.out);
  for (std::string line; std::getline(owned, line);) {
    auto colon = line.find(": ");
    if (colon != std::string::npos)
      owner[line.substr(colon + 2)] = stripArch(line.substr(0, colon));
  }
  std::set<std::string> packages;
  for (const auto& [library, paths] : forms) {
    std::string package;
    for (const auto& path : paths)
      if (owner.contains(path)) package = owner[path];
    if (package.empty()) throw std::runtime_error("no Debian package owns " + library);
    if (package != "libc6") packages.insert(package);
  }
  return packages;
}

TEST(Dockerfile, HasABuildAndARuntimeStageOnBookwormSlim) {
  auto stages = dockerfile();
  ASSERT_EQ(stages.size(), 2u);
  EXPECT_EQ(stages[0].image, "debian:bookworm-slim");
  EXPECT_EQ(stages[1].image, "debian:bookworm-slim");
  EXPECT_FALSE(stages[0].name.empty()) << "the build stage needs a name for COPY --from";
}

TEST(Dockerfile, BuildsWithTheRepositoryScripts) {
  const Stage build = dockerfile()[0];
  auto runs = build.all("RUN");
  ASSERT_EQ(runs.size(), 2u);
  // The same package list as a developer machine: scripts/setup.sh's build profile.
  EXPECT_THAT(words(runs[0]), ::testing::ElementsAre("bash", "scripts/setup.sh", "build"));
  EXPECT_NE(runs[1].find("bash scripts/build.sh --target readiness-gate"), std::string::npos)
      << runs[1];
  // setup.sh is copied before it runs (the package layer is cached apart from the sources).
  auto copies = build.all("COPY");
  ASSERT_GE(copies.size(), 2u);
  EXPECT_EQ(copies[0], "scripts/setup.sh scripts/setup.sh");
  EXPECT_EQ(copies[1], ". .");
}

TEST(Dockerfile, CopiesTheBinaryFromWhereTheBuildPutsIt) {
  auto stages = dockerfile();
  const Stage& build = stages[0];
  std::smatch m;
  const std::string buildRun = build.all("RUN").at(1);
  std::string buildDir = "build";  // scripts/build.sh's default
  if (std::regex_search(buildRun, m, std::regex(R"(BUILD_DIR=(\S+))"))) buildDir = m[1];
  // Where CMake puts the target relative to its build tree, as in this build.
  const std::string relative =
      fs::relative(fs::canonical(RG_OPERATOR_BINARY), fs::canonical(RG_BINARY_DIR)).string();
  const std::string expected = build.last("WORKDIR") + "/" + buildDir + "/" + relative;

  auto copy = words(stages[1].last("COPY"));
  ASSERT_EQ(copy.size(), 3u);
  EXPECT_EQ(copy[0], "--from=" + build.name);
  EXPECT_EQ(copy[1], expected);
  EXPECT_EQ(copy[2], "/usr/local/bin/readiness-gate") << "ENTRYPOINT finds it on PATH";
  EXPECT_NE(buildRun.find("strip " + buildDir + "/" + relative), std::string::npos) << buildRun;
}

TEST(Dockerfile, RuntimeStageInstallsExactlyTheBinarysLibraryPackages) {
  const Stage runtime = dockerfile()[1];
  auto installed = aptPackages(runtime);
  auto needed = libraryPackages();
  std::set<std::string> missing, extra;
  for (const auto& p : needed)
    if (!installed.contains(p)) missing.insert(p);
  for (const auto& p : installed)
    if (!needed.contains(p) && p != "ca-certificates") extra.insert(p);
  EXPECT_THAT(missing, IsEmpty()) << "the binary links libraries of these packages";
  EXPECT_THAT(extra, IsEmpty()) << "the runtime image needs only the binary's libraries";
  // HTTPS runtime checks verify servers against the system CA bundle.
  EXPECT_TRUE(installed.contains("ca-certificates"));
}

TEST(Dockerfile, RunsAsTheChartsNumericNonRootUser) {
  auto user = dockerfile()[1].last("USER");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(user, m, std::regex(R"((\d+):(\d+))"))) << user;
  auto pod = theObject(render(), "Deployment", "readiness-gate",
                       kNamespace)["spec"]["template"]["spec"]["securityContext"];
  EXPECT_NE(m[1], "0");
  EXPECT_EQ(std::stoi(m[1]), pod["runAsUser"].get<int>());
  EXPECT_EQ(std::stoi(m[2]), pod["runAsGroup"].get<int>());
}

TEST(Dockerfile, EntrypointIsTheRunCommand) {
  auto entrypoint = json::parse(dockerfile()[1].last("ENTRYPOINT"));
  EXPECT_EQ(entrypoint, (json::array({"readiness-gate", "run"})));
  EXPECT_THAT(dockerfile()[1].all("CMD"), IsEmpty()) << "the chart passes flags as args";
}

// A local build tree in the context would make scripts/build.sh reuse its CMake cache.
TEST(Dockerfile, ContextLeavesOutLocalBuildTreesAndTools) {
  std::set<std::string> ignored;
  std::istringstream in(readFile(sourcePath(".dockerignore")));
  for (std::string line; std::getline(in, line);)
    if (!trim(line).empty() && !trim(line).starts_with("#")) ignored.insert(trim(line));
  for (const char* entry : {"build", "build-*", ".tools", ".git"})
    EXPECT_TRUE(ignored.contains(entry)) << entry;
  for (const char* needed : {"CMakeLists.txt", "scripts", "operator", "reconcilers", "tests"})
    EXPECT_FALSE(ignored.contains(needed)) << needed;
}

}  // namespace
}  // namespace rg::install
