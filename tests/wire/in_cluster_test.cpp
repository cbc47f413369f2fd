// In-cluster configuration from a service account folder, and token rotation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "kube/in_cluster_config.hpp"
#include "kube/rest_client.hpp"
#include "tests/wire/client_helpers.hpp"
#include "tests/wire/fake_server.hpp"
#include "tests/wire/test_tls.hpp"
#include "tests/wire/test_util.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;
using rg::wire::FakeRequest;
using rg::wire::FakeResponse;
using rg::wire::FakeServer;
using rg::wire::ScopedEnv;
using rg::wire::TempDir;
using rg::wire::testPki;
using rg::wire::writeFile;
using ::testing::HasSubstr;

class InClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writeFile(dir.file("token"), "token-1\n");
    writeFile(dir.file("ca.crt"), testPki().ca.certPem);
    writeFile(dir.file("namespace"), "operators");
  }
  InClusterOptions options(std::string host = "10.96.0.1", std::string port = "443") const {
    InClusterOptions o;
    o.root = dir.path();
    o.host = std::move(host);
    o.port = std::move(port);
    return o;
  }
  // Replaces the token the way kubelet does: a new file renamed over the old one.
  void rotate(const std::string& token) {
    writeFile(dir.file("token.new"), token);
    std::filesystem::rename(dir.file("token.new"), dir.file("token"));
  }
  std::string errorOf(const InClusterOptions& o) {
    try {
      loadInClusterConfig(o);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(no error)";
  }

  TempDir dir;
};

TEST_F(InClusterTest, ReadsTheServiceAccountFolder) {
  ClientConfig config = loadInClusterConfig(options());
  EXPECT_EQ(config.server, "https://10.96.0.1:443");
  EXPECT_EQ(config.caPem, testPki().ca.certPem);
  EXPECT_EQ(config.defaultNamespace, "operators");
  EXPECT_EQ(config.source, "in-cluster");
  ASSERT_NE(config.credentialProvider, nullptr);
  EXPECT_EQ(config.credentialProvider->current().token, "token-1");
}

TEST_F(InClusterTest, UsesServiceEnvironmentVariables) {
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "fd00::1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "6443");
  EXPECT_TRUE(inClusterAvailable(options("", "")));
  EXPECT_EQ(loadInClusterConfig(options("", "")).server, "https://[fd00::1]:6443");
}

TEST_F(InClusterTest, ErrorsNameWhatIsMissing) {
  ScopedEnv host("KUBERNETES_SERVICE_HOST", std::nullopt);
  EXPECT_FALSE(inClusterAvailable(options("", "")));
  EXPECT_THAT(errorOf(options("", "")), HasSubstr("KUBERNETES_SERVICE_HOST"));
  std::filesystem::remove(dir.file("ca.crt"));
  EXPECT_EQ(errorOf(options()), "in-cluster: ca.crt: file " + dir.file("ca.crt") + " not found");
  std::filesystem::remove(dir.file("token"));
  EXPECT_EQ(errorOf(options()), "in-cluster: token: file " + dir.file("token") + " not found");
  std::filesystem::remove(dir.file("namespace"));
  writeFile(dir.file("token"), "t");
  writeFile(dir.file("ca.crt"), testPki().ca.certPem);
  EXPECT_EQ(loadInClusterConfig(options()).defaultNamespace, "default");
}

TEST_F(InClusterTest, RotatedTokenIsPickedUp) {
  TokenFileCredentials eager(dir.file("token"), "t", 0ms);
  TokenFileCredentials lazy(dir.file("token"), "t", 1h);
  EXPECT_EQ(eager.current().token, "token-1");
  Credentials used = lazy.current();
  EXPECT_EQ(used.token, "token-1");
  rotate("token-2");
  EXPECT_EQ(eager.current().token, "token-2");
  EXPECT_EQ(lazy.current().token, "token-1");  // not re-checked yet
  EXPECT_TRUE(lazy.invalidate(used));          // a 401 forces a re-read
  EXPECT_EQ(lazy.current().token, "token-2");
  EXPECT_FALSE(lazy.invalidate(lazy.current()));  // nothing newer on disk
  // A vanished or empty file during a rotation keeps the last token.
  std::filesystem::remove(dir.file("token"));
  EXPECT_EQ(eager.current().token, "token-2");
  writeFile(dir.file("token"), "");
  EXPECT_EQ(eager.current().token, "token-2");
}

TEST_F(InClusterTest, ClientSendsTheCurrentTokenOverTls) {
  const auto& pki = testPki();
  FakeServer server(
      [](const FakeRequest& r) {
        return FakeResponse::json(200, {{"auth", r.header("authorization")}});
      },
      rg::wire::ServerTls{pki.server.certPem, pki.server.keyPem, {}});
  InClusterOptions o = options("127.0.0.1", std::to_string(server.port()));
  o.tokenRecheck = 0ms;
  RestClient client(loadInClusterConfig(o), rg::wire::fastOptions());
  EXPECT_EQ(client.get(resources::kPods, "operators", "p")["auth"], "Bearer token-1");
  rotate("token-2");
  EXPECT_EQ(client.get(resources::kPods, "operators", "p")["auth"], "Bearer token-2");
}

TEST_F(InClusterTest, ClientRereadsTheTokenAfter401) {
  FakeServer server([](const FakeRequest& r) {
    if (r.header("authorization") != "Bearer token-2") {
      return FakeResponse::statusError(401, "Unauthorized", "Unauthorized");
    }
    return FakeResponse::json(200, {{"ok", true}});
  });
  ClientConfig config = rg::wire::configFor(server);
  auto tokens = std::make_shared<TokenFileCredentials>(dir.file("token"), "t", 1h);
  tokens->current();
  config.credentialProvider = tokens;
  rotate("token-2");
  RestClient client(config, rg::wire::fastOptions());
  EXPECT_EQ(client.get(resources::kPods, "ns", "p")["ok"], true);
  EXPECT_EQ(client.requestCounts().get("GET", "401"), 1u);
}

}  // namespace
}  // namespace rg::kube
