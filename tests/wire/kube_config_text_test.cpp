// parseKubeConfig: a kubeconfig read from text, as the kubeconfig fuzzer feeds it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/kube_config.hpp"
#include "tests/wire/test_tls.hpp"
#include "tests/wire/test_util.hpp"

namespace rg::kube {
namespace {

using rg::wire::TempDir;
using rg::wire::testPki;
using rg::wire::writeFile;
using ::testing::HasSubstr;

constexpr const char* kTwoContexts = R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster: {server: "https://127.0.0.1:6443/"}
- name: prod-cluster
  cluster: {server: "https://prod.example:6443"}
users:
- name: dev-user
  user: {token: dev-token}
contexts:
- name: dev
  context: {cluster: dev-cluster, user: dev-user, namespace: team-a}
- name: prod
  context: {cluster: prod-cluster}
)";

std::string errorOf(const std::string& text, const std::string& origin) {
  try {
    parseKubeConfig(text, origin);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(KubeConfigText, ReadsTheCurrentContext) {
  ClientConfig config = parseKubeConfig(kTwoContexts, "inline");
  EXPECT_EQ(config.server, "https://127.0.0.1:6443");
  EXPECT_EQ(config.credentials.token, "dev-token");
  EXPECT_EQ(config.defaultNamespace, "team-a");
  EXPECT_EQ(config.source, "inline");
}

TEST(KubeConfigText, ReadsANamedContext) {
  ClientConfig config = parseKubeConfig(kTwoContexts, "inline", "prod");
  EXPECT_EQ(config.server, "https://prod.example:6443");
  EXPECT_TRUE(config.credentials.token.empty());
  EXPECT_EQ(config.defaultNamespace, "default");
}

TEST(KubeConfigText, ResolvesRelativeFilesAgainstTheOriginFolder) {
  TempDir dir;
  writeFile(dir.file("pki/ca.crt"), testPki().ca.certPem);
  std::string text = R"(current-context: c
clusters: [{name: k, cluster: {server: "https://127.0.0.1:1", certificate-authority: pki/ca.crt}}]
contexts: [{name: c, context: {cluster: k}}]
)";
  ClientConfig config = parseKubeConfig(text, dir.file("config"));
  EXPECT_EQ(config.caPem, testPki().ca.certPem);
}

TEST(KubeConfigText, ErrorsNameTheOriginAndTheField) {
  EXPECT_THAT(errorOf("clusters: [", "inline"), HasSubstr("inline: invalid YAML"));
  EXPECT_EQ(errorOf("- a\n- b\n", "inline"), "inline: not a kubeconfig (expected a map)");
  EXPECT_EQ(errorOf("current-context: x\n", "inline"), "inline: contexts: no context named \"x\"");
  EXPECT_EQ(errorOf(R"(current-context: c
clusters: [{name: k, cluster: {server: "ftp://h"}}]
contexts: [{name: c, context: {cluster: k}}]
)",
                    "inline"),
            "inline: clusters[0].cluster.server: \"ftp://h\" is not an http(s) URL");
}

// Found by the kubeconfig fuzzer (fuzz/regressions/kubeconfig/): an extension without a name
// threw YAML::InvalidNode instead of being skipped.
TEST(KubeConfigText, ExtensionWithoutANameIsSkipped) {
  std::string text = R"(current-context: c
clusters:
- name: k
  cluster:
    server: https://127.0.0.1:1
    extensions:
    - extension: {audience: x}
    - name: client.authentication.k8s.io/exec
      extension: {audience: y}
contexts: [{name: c, context: {cluster: k}}]
)";
  ClientConfig config;
  ASSERT_NO_THROW(config = parseKubeConfig(text, "inline"));
  EXPECT_EQ(config.server, "https://127.0.0.1:1");
}

}  // namespace
}  // namespace rg::kube
