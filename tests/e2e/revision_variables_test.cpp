// `{{...}}` variables through the whole operator: the reconciler expands them with the target's
// current revision, as the simulated deployment controller numbers and hashes it.
#include "tests/e2e/e2e_fixture.hpp"

namespace rg::e2e {
namespace {

class RevisionVariablesTest : public E2eTest {};

TEST_F(RevisionVariablesTest, ChecksRunWithTheCurrentRevisionsValues) {
  cluster().apply(deploymentManifest("web", kGoodImage));
  startApp();
  startPrometheus();
  cluster().apply(gateManifest(
      "web-gate", "web",
      {{"interval", "1s"},
       {"checks",
        {{{"name", "health"},
          {"http", {{"url", app_->url("/health?rev={{revision}}&hash={{podTemplateHash}}")}}}},
         {{"name", "error-rate"},
          {"prometheus",
           {{"address", prometheus_->address()},
            {"query", kErrorRatioQuery + " + 0 * {{revision}}"}}},
          {"threshold", {{"max", 0.1}}}}}}}));
  startOperator();

  auto hashOf = [&](const std::string& revision) {
    for (const auto& rs : cluster().replicaSets())
      if (rs.value("/metadata/annotations/deployment.kubernetes.io~1revision"_json_pointer,
                   std::string()) == revision)
        return rs.value("/metadata/labels/pod-template-hash"_json_pointer, std::string());
    return std::string();
  };
  auto expect = [&](const std::string& revision) {
    const std::string hash = hashOf(revision);
    EXPECT_FALSE(hash.empty());
    const std::string url = app_->url("/health?rev=" + revision + "&hash=" + hash);
    const std::string query = kErrorRatioQuery + " + 0 * " + revision;
    return waitForGate(
        "web-gate",
        [&](const json& g) {
          const json health = gateCheck(g, "health");
          const json errors = gateCheck(g, "error-rate");
          if (!health.is_object() || !errors.is_object()) return false;
          return health.value("message", "") == "GET " + url + " answered 200" &&
                 errors.value("message", "").find("(query: " + query + ")") != std::string::npos;
        },
        20s, "ran its checks with revision " + revision + "'s values");
  };
  ASSERT_TRUE(expect("1"));

  // A new revision: the next round runs with its values.
  cluster().setImage("web", kSlowImage);
  ASSERT_TRUE(eventually([&] { return !hashOf("2").empty(); }, 10s));
  ASSERT_TRUE(expect("2"));
  EXPECT_NE(hashOf("1"), hashOf("2"));
}

}  // namespace
}  // namespace rg::e2e
