// kubeconfig loading: fields, -data vs files, relative paths, contexts, merging, errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/exec_credentials.hpp"
#include "kube/in_cluster_config.hpp"
#include "kube/kube_config.hpp"
#include "tests/wire/test_tls.hpp"
#include "tests/wire/test_util.hpp"

namespace rg::kube {
namespace {

using rg::wire::base64;
using rg::wire::ScopedEnv;
using rg::wire::TempDir;
using rg::wire::testPki;
using rg::wire::writeFile;
using ::testing::HasSubstr;

std::string errorOf(const KubeConfigOptions& options) {
  try {
    loadKubeConfig(options);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

class KubeConfigTest : public ::testing::Test {
 protected:
  TempDir dir;
  std::string path = dir.file("config");
};

TEST_F(KubeConfigTest, ReadsInlineDataAndCurrentContext) {
  const auto& pki = testPki();
  writeFile(path, R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: prod
  cluster:
    server: https://prod.example:6443
- name: dev-cluster
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: )" +
                      base64(pki.ca.certPem) + R"(
    tls-server-name: kubernetes.default
users:
- name: dev-user
  user:
    client-certificate-data: )" +
                      base64(pki.client.certPem) + R"(
    client-key-data: )" +
                      base64(pki.client.keyPem) + R"(
    token: secret-token
contexts:
- name: dev
  context:
    cluster: dev-cluster
    user: dev-user
    namespace: team-a
)");
  ClientConfig config = loadKubeConfig({path, ""});
  EXPECT_EQ(config.server, "https://127.0.0.1:6443");
  EXPECT_EQ(config.caPem, pki.ca.certPem);
  EXPECT_EQ(config.tlsServerName, "kubernetes.default");
  EXPECT_FALSE(config.insecureSkipTlsVerify);
  EXPECT_EQ(config.credentials.clientCertPem, pki.client.certPem);
  EXPECT_EQ(config.credentials.clientKeyPem, pki.client.keyPem);
  EXPECT_EQ(config.credentials.token, "secret-token");
  EXPECT_EQ(config.defaultNamespace, "team-a");
  EXPECT_EQ(config.credentialProvider, nullptr);
  EXPECT_EQ(config.source, path);
}

TEST_F(KubeConfigTest, ResolvesRelativeFilesAgainstTheKubeconfigFolder) {
  const auto& pki = testPki();
  writeFile(dir.file("pki/ca.crt"), pki.ca.certPem);
  writeFile(dir.file("pki/client.crt"), pki.client.certPem);
  writeFile(dir.file("pki/client.key"), pki.client.keyPem);
  writeFile(dir.file("token"), "file-token\n");
  writeFile(path, R"(current-context: c
clusters:
- name: k
  cluster:
    server: https://127.0.0.1:1
    certificate-authority: pki/ca.crt
users:
- name: u
  user:
    client-certificate: pki/client.crt
    client-key: ./pki/client.key
    tokenFile: token
contexts:
- name: c
  context: {cluster: k, user: u}
)");
  // Loaded from another working directory: paths still resolve against the file's folder.
  ClientConfig config = loadKubeConfig({path, ""});
  EXPECT_EQ(config.caPem, pki.ca.certPem);
  EXPECT_EQ(config.credentials.clientCertPem, pki.client.certPem);
  EXPECT_EQ(config.credentials.clientKeyPem, pki.client.keyPem);
  EXPECT_EQ(config.defaultNamespace, "default");
  ASSERT_NE(config.credentialProvider, nullptr);
  EXPECT_EQ(config.credentialProvider->current().token, "file-token");
}

TEST_F(KubeConfigTest, ExplicitContextWinsOverCurrentContext) {
  writeFile(path, R"(current-context: a
clusters:
- {name: ca, cluster: {server: "https://a.example"}}
- {name: cb, cluster: {server: "https://b.example", insecure-skip-tls-verify: true}}
users:
- {name: ua, user: {token: ta}}
- {name: ub, user: {token: tb}}
contexts:
- {name: a, context: {cluster: ca, user: ua}}
- {name: b, context: {cluster: cb, user: ub, namespace: nb}}
)");
  ClientConfig a = loadKubeConfig({path, ""});
  EXPECT_EQ(a.server, "https://a.example");
  EXPECT_EQ(a.credentials.token, "ta");
  ClientConfig b = loadKubeConfig({path, "b"});
  EXPECT_EQ(b.server, "https://b.example");
  EXPECT_TRUE(b.insecureSkipTlsVerify);
  EXPECT_EQ(b.credentials.token, "tb");
  EXPECT_EQ(b.defaultNamespace, "nb");
}

TEST_F(KubeConfigTest, MissingKeyFileNamesFileAndField) {
  const auto& pki = testPki();
  writeFile(dir.file("client.crt"), pki.client.certPem);
  writeFile(path, R"(current-context: c
clusters: [{name: k, cluster: {server: "https://127.0.0.1:1"}}]
users:
- name: other
  user: {token: x}
- name: u
  user:
    client-certificate: client.crt
    client-key: /nonexistent/key.pem
contexts: [{name: c, context: {cluster: k, user: u}}]
)");
  EXPECT_EQ(errorOf({path, ""}),
            path + ": users[1].user.client-key: file /nonexistent/key.pem not found");
}

TEST_F(KubeConfigTest, FieldErrorsNameFileAndField) {
  auto config = [&](const std::string& cluster, const std::string& user,
                    const std::string& context = "{cluster: k, user: u}") {
    writeFile(path, "current-context: c\nclusters: [{name: k, cluster: " + cluster +
                        "}]\nusers: [{name: u, user: " + user +
                        "}]\ncontexts: [{name: c, context: " + context + "}]\n");
  };
  config("{server: 'https://x', certificate-authority-data: '!!notbase64'}", "{}");
  EXPECT_EQ(errorOf({path, ""}),
            path + ": clusters[0].cluster.certificate-authority-data: invalid base64");

  config("{server: 'https://x', certificate-authority-data: " + base64("hello") + "}", "{}");
  EXPECT_EQ(errorOf({path, ""}),
            path + ": clusters[0].cluster.certificate-authority-data: no PEM certificate found");

  config("{certificate-authority: ca.crt}", "{}");
  EXPECT_EQ(errorOf({path, ""}), path + ": clusters[0].cluster.server: missing");

  config("{server: 'https://x', insecure-skip-tls-verify: maybe}", "{}");
  EXPECT_EQ(errorOf({path, ""}),
            path + ": clusters[0].cluster.insecure-skip-tls-verify: must be true or false");

  config("{server: 'https://x', certificate-authority: /nope/ca.crt}", "{}");
  EXPECT_EQ(errorOf({path, ""}),
            path + ": clusters[0].cluster.certificate-authority: file /nope/ca.crt not found");

  config("{server: 'https://x'}",
         "{client-certificate-data: " + base64(testPki().client.certPem) + "}");
  EXPECT_EQ(errorOf({path, ""}),
            path + ": users[0].user.client-key: missing (client-certificate is set)");

  // A key that belongs to another certificate.
  config("{server: 'https://x'}", "{client-certificate-data: " + base64(testPki().client.certPem) +
                                      ", client-key-data: " + base64(testPki().server.keyPem) +
                                      "}");
  EXPECT_EQ(errorOf({path, ""}),
            path + ": users[0].user.client-key-data: does not match the client certificate");

  config("{server: 'https://x'}", "{auth-provider: {name: gcp}}");
  EXPECT_THAT(errorOf({path, ""}), HasSubstr(path + ": users[0].user.auth-provider: "));

  config("{server: 'https://x'}", "{exec: {apiVersion: client.authentication.k8s.io/v1}}");
  EXPECT_EQ(errorOf({path, ""}), path + ": users[0].user.exec.command: missing");

  config("{server: 'https://x'}", "{exec: {apiVersion: v0, command: x}}");
  EXPECT_EQ(errorOf({path, ""}),
            path + ": users[0].user.exec.apiVersion: unsupported version \"v0\"");

  config("{server: 'https://x'}", "{tokenFile: missing-token}");
  EXPECT_EQ(errorOf({path, ""}),
            path + ": users[0].user.tokenFile: file " + dir.file("missing-token") + " not found");

  config("{server: 'https://x'}", "{}", "{cluster: nope, user: u}");
  EXPECT_EQ(errorOf({path, ""}), path + ": contexts[0].context.cluster: no cluster named \"nope\"");

  config("{server: 'https://x'}", "{}", "{cluster: k, user: ghost}");
  EXPECT_EQ(errorOf({path, ""}), path + ": contexts[0].context.user: no user named \"ghost\"");

  config("{server: 'https://x'}", "{}");
  EXPECT_EQ(errorOf({path, "other"}), path + ": contexts: no context named \"other\"");
}

TEST_F(KubeConfigTest, UnusedBrokenEntriesDoNotMatter) {
  writeFile(path, R"(current-context: good
clusters:
- {name: broken, cluster: {certificate-authority: /nope}}
- {name: fine, cluster: {server: "http://127.0.0.1:8080"}}
users:
- {name: broken, user: {client-key: /nope}}
contexts:
- {name: good, context: {cluster: fine}}
- {name: bad, context: {cluster: broken, user: broken}}
)");
  ClientConfig config = loadKubeConfig({path, ""});
  EXPECT_EQ(config.server, "http://127.0.0.1:8080");
  EXPECT_TRUE(config.credentials.token.empty());
  EXPECT_THAT(errorOf({path, "bad"}), HasSubstr("clusters[0].cluster.server: missing"));
}

TEST_F(KubeConfigTest, InvalidYamlAndMissingFiles) {
  writeFile(path, "clusters: [unclosed\n");
  EXPECT_THAT(errorOf({path, ""}), HasSubstr(path + ": invalid YAML"));
  EXPECT_EQ(errorOf({dir.file("absent"), ""}), dir.file("absent") + ": file not found");
  writeFile(path, "clusters: []\n");
  EXPECT_EQ(errorOf({path, ""}), path + ": current-context: not set and no context was given");
}

TEST_F(KubeConfigTest, MergesKubeconfigListFirstDefinitionWins) {
  writeFile(dir.file("a"), R"(current-context: ctx
clusters: [{name: k, cluster: {server: "https://first.example"}}]
contexts: [{name: ctx, context: {cluster: k, user: u}}]
)");
  writeFile(dir.file("b"), R"(current-context: ignored
clusters: [{name: k, cluster: {server: "https://second.example"}}]
users: [{name: u, user: {token: from-b}}]
)");
  ScopedEnv kubeconfig("KUBECONFIG",
                       dir.file("a") + ":" + dir.file("missing") + ":" + dir.file("b"));
  ClientConfig config = loadKubeConfig();
  EXPECT_EQ(config.server, "https://first.example");
  EXPECT_EQ(config.credentials.token, "from-b");
  EXPECT_EQ(config.source, dir.file("a") + ":" + dir.file("b"));
}

TEST_F(KubeConfigTest, FallsBackToHomeKubeConfig) {
  writeFile(dir.file(".kube/config"), R"(current-context: c
clusters: [{name: k, cluster: {server: "https://home.example"}}]
contexts: [{name: c, context: {cluster: k}}]
)");
  ScopedEnv kubeconfig("KUBECONFIG", std::nullopt);
  ScopedEnv home("HOME", dir.path());
  EXPECT_EQ(loadKubeConfig().server, "https://home.example");
  ScopedEnv noService("KUBERNETES_SERVICE_HOST", std::nullopt);
  EXPECT_EQ(loadDefaultConfig().server, "https://home.example");
}

TEST_F(KubeConfigTest, ReadsExecSection) {
  writeFile(path, R"(current-context: c
clusters:
- name: k
  cluster:
    server: https://127.0.0.1:6443
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {audience: rg}
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: ./bin/plugin
      args: [get-token, --cluster, k]
      env:
      - {name: FOO, value: bar}
      installHint: install the plugin
      provideClusterInfo: true
      interactiveMode: Never
contexts: [{name: c, context: {cluster: k, user: u}}]
)");
  ClientConfig config = loadKubeConfig({path, ""});
  auto exec = std::dynamic_pointer_cast<ExecCredentialProvider>(config.credentialProvider);
  ASSERT_NE(exec, nullptr);
  const ExecConfig& e = exec->config();
  EXPECT_EQ(e.apiVersion, "client.authentication.k8s.io/v1beta1");
  EXPECT_EQ(e.command, dir.file("bin/plugin"));
  EXPECT_THAT(e.args, ::testing::ElementsAre("get-token", "--cluster", "k"));
  ASSERT_EQ(e.env.size(), 1u);
  EXPECT_EQ(e.env[0].first, "FOO");
  EXPECT_EQ(e.env[0].second, "bar");
  EXPECT_EQ(e.installHint, "install the plugin");
  EXPECT_TRUE(e.provideClusterInfo);
  EXPECT_EQ(e.interactiveMode, "Never");
  EXPECT_EQ(e.origin, path + ": users[0].user.exec");
  EXPECT_EQ(e.cluster["server"], "https://127.0.0.1:6443");
  EXPECT_EQ(e.cluster["config"]["audience"], "rg");
}

TEST(Base64Test, DecodesStandardBase64) {
  EXPECT_EQ(base64Decode("aGVsbG8="), "hello");
  EXPECT_EQ(base64Decode("aGVs\nbG8h"), "hello!");
  EXPECT_EQ(base64Decode(""), "");
  EXPECT_EQ(base64Decode("aGVsbG8"), std::nullopt);
  EXPECT_EQ(base64Decode("a$==="), std::nullopt);
  std::string binary("\x00\xff\x10 z", 5);
  EXPECT_EQ(base64Decode(base64(binary)), binary);
}

}  // namespace
}  // namespace rg::kube
