#include "operator/cli/check_command.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "offline_fixture.hpp"

namespace rg::cli {
namespace {

using offline::testing::ManifestDir;
using ::testing::HasSubstr;

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run run(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int code = runCheckCommand(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(CheckCommand, HelpDocumentsFlagsAndExitCodes) {
  auto r = run({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("--filename"));
  EXPECT_THAT(r.out, HasSubstr("--output"));
  EXPECT_THAT(r.out, HasSubstr("Exit status"));
}

TEST(CheckCommand, UsageErrorsExitTwo) {
  EXPECT_EQ(run({}).code, 2);
  auto r = run({"-f"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("flag --filename needs a value"));
  EXPECT_THAT(run({"-f", "x", "--output", "yaml"}).err, HasSubstr("--output must be text or json"));
  EXPECT_THAT(run({"--frobnicate"}).err, HasSubstr("unknown flag --frobnicate"));
}

TEST(CheckCommand, PassingAndFailingExitCodes) {
  ManifestDir dir;
  dir.write("deploy.yaml", offline::testing::kDeployment);
  dir.write("gate.yaml", offline::testing::kGate);
  auto failing = run({"-f", dir.path()});
  EXPECT_EQ(failing.code, 1);
  EXPECT_THAT(failing.out, HasSubstr("- [ ] secrets"));
  dir.write("secret.yaml", offline::testing::kSecret);
  auto passing = run({"--filename=" + dir.path()});
  EXPECT_EQ(passing.code, 0);
  EXPECT_THAT(passing.out, HasSubstr("Result: PASSED"));
}

TEST(CheckCommand, JsonOutputAndNamespaceFlag) {
  ManifestDir dir;
  std::string gate = offline::testing::kGate;
  gate.erase(gate.find(", namespace: shop"), std::string(", namespace: shop").size());
  dir.write("gate.yaml", gate);
  dir.write("deploy.yaml", offline::testing::kDeployment);
  dir.write("secret.yaml", offline::testing::kSecret);
  auto r = run({"-n", "shop", "-o", "json", dir.path()});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["gates"][0]["namespace"], "shop");
  EXPECT_EQ(json["exitCode"], 0);
}

TEST(CheckCommand, InputErrorsGoToStderrInTextMode) {
  ManifestDir dir;
  auto file = dir.write("bad.yaml", "kind: [oops\n");
  auto r = run({"-f", file});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("error: " + file + " (document 1): invalid YAML"));
}

}  // namespace
}  // namespace rg::cli
