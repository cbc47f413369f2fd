// exec credential plugins: a shell script stands in for the plugin and counts its runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <thread>

#include "kube/exec_credentials.hpp"
#include "kube/kube_config.hpp"
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
using rg::wire::fastOptions;
using rg::wire::readFile;
using rg::wire::TempDir;
using rg::wire::writeFile;
using ::testing::HasSubstr;
using ::testing::Not;

// Counts runs in $PLUGIN_DIR/count, records its input, and prints "tok-<run>" (or the content
// of $PLUGIN_DIR/response) with $PLUGIN_DIR/expiry as expirationTimestamp.
constexpr const char* kPlugin = R"sh(#!/bin/sh
dir="$PLUGIN_DIR"
n=$(cat "$dir/count" 2>/dev/null || echo 0)
n=$((n+1))
echo "$n" > "$dir/count"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$dir/info.json"
printf '%s\n' "$@" > "$dir/args"
if [ -f "$dir/fail" ]; then echo "plugin failure: $(cat "$dir/fail")" >&2; exit 3; fi
if [ -f "$dir/slow" ]; then sleep 5; fi
if [ -f "$dir/response" ]; then cat "$dir/response"; exit 0; fi
exp=$(cat "$dir/expiry" 2>/dev/null)
extra=""
if [ -n "$exp" ]; then extra=",\"expirationTimestamp\":\"$exp\""; fi
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok-%s"%s}}\n' "$n" "$extra"
)sh";

std::string rfc3339(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::system_clock::to_time_t(t);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof out, "%s.%03lldZ", buf, static_cast<long long>(millis));
  return out;
}

class ExecTest : public ::testing::Test {
 protected:
  void SetUp() override { writeFile(dir.file("plugin.sh"), kPlugin, /*executable=*/true); }

  ExecConfig config() const {
    ExecConfig cfg;
    cfg.command = dir.file("plugin.sh");
    cfg.env = {{"PLUGIN_DIR", dir.path()}};
    cfg.origin = "kubeconfig: users[0].user.exec";
    return cfg;
  }
  int runs() const {
    std::string text = readFile(dir.file("count"));
    return text.empty() ? 0 : std::stoi(text);
  }
  std::string errorOf(ExecCredentialProvider& provider) {
    try {
      provider.current();
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(no error)";
  }

  TempDir dir;
};

TEST_F(ExecTest, TokenIsCachedUntilItsExpiry) {
  writeFile(dir.file("expiry"), rfc3339(std::chrono::system_clock::now() + 1h));
  ExecCredentialProvider provider(config());
  EXPECT_EQ(provider.current().token, "tok-1");
  EXPECT_EQ(provider.current().token, "tok-1");
  EXPECT_EQ(provider.current().token, "tok-1");
  EXPECT_EQ(runs(), 1);
}

TEST_F(ExecTest, ExpiredTokenIsRefreshed) {
  writeFile(dir.file("expiry"), rfc3339(std::chrono::system_clock::now() + 700ms));
  ExecCredentialProvider provider(config());
  EXPECT_EQ(provider.current().token, "tok-1");
  EXPECT_EQ(provider.current().token, "tok-1");
  EXPECT_EQ(runs(), 1);
  std::this_thread::sleep_for(900ms);
  writeFile(dir.file("expiry"), "2000-01-01T00:00:00Z");  // already expired: run each time
  EXPECT_EQ(provider.current().token, "tok-2");
  EXPECT_EQ(provider.current().token, "tok-3");
  EXPECT_EQ(runs(), 3);
}

TEST_F(ExecTest, TokenWithoutExpiryLastsUntilRejected) {
  ExecCredentialProvider provider(config());
  Credentials first = provider.current();
  EXPECT_EQ(provider.current().token, "tok-1");
  EXPECT_TRUE(provider.invalidate(first));
  EXPECT_EQ(provider.current().token, "tok-2");
  // A stale rejection (of credentials already replaced) does not force another run.
  provider.invalidate(first);
  EXPECT_EQ(provider.current().token, "tok-2");
  EXPECT_EQ(runs(), 2);
}

TEST_F(ExecTest, PluginGetsArgsEnvironmentAndExecInfo) {
  ExecConfig cfg = config();
  cfg.args = {"get-token", "--cluster=c1"};
  cfg.provideClusterInfo = true;
  cfg.cluster = {{"server", "https://127.0.0.1:6443"}, {"config", {{"audience", "x"}}}};
  ExecCredentialProvider provider(cfg);
  provider.current();
  EXPECT_EQ(readFile(dir.file("args")), "get-token\n--cluster=c1\n");
  auto info = nlohmann::json::parse(readFile(dir.file("info.json")));
  EXPECT_EQ(info["apiVersion"], "client.authentication.k8s.io/v1");
  EXPECT_EQ(info["kind"], "ExecCredential");
  EXPECT_EQ(info["spec"]["interactive"], false);
  EXPECT_EQ(info["spec"]["cluster"]["server"], "https://127.0.0.1:6443");
  EXPECT_EQ(info["spec"]["cluster"]["config"]["audience"], "x");

  ExecCredentialProvider noCluster(config());
  noCluster.current();
  EXPECT_FALSE(nlohmann::json::parse(readFile(dir.file("info.json")))["spec"].contains("cluster"));
}

TEST_F(ExecTest, FailuresNameTheKubeconfigFieldAndNeverEchoStdout) {
  writeFile(dir.file("fail"), "nope");
  ExecCredentialProvider failing(config());
  EXPECT_EQ(errorOf(failing), "kubeconfig: users[0].user.exec: command \"" + dir.file("plugin.sh") +
                                  "\" failed: exit status 3: plugin failure: nope");
  std::filesystem::remove(dir.file("fail"));

  writeFile(dir.file("response"), "token: secret-in-stdout\n");
  ExecCredentialProvider garbage(config());
  std::string message = errorOf(garbage);
  EXPECT_THAT(message, HasSubstr("printed no ExecCredential JSON"));
  EXPECT_THAT(message, Not(HasSubstr("secret-in-stdout")));

  writeFile(
      dir.file("response"),
      R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}})");
  ExecCredentialProvider wrongVersion(config());
  EXPECT_THAT(errorOf(wrongVersion),
              HasSubstr("answered apiVersion \"client.authentication.k8s.io/v1beta1\""));

  writeFile(
      dir.file("response"),
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"tomorrow"}})");
  ExecCredentialProvider badExpiry(config());
  EXPECT_THAT(errorOf(badExpiry), HasSubstr("invalid expirationTimestamp \"tomorrow\""));
  std::filesystem::remove(dir.file("response"));

  ExecConfig missing = config();
  missing.command = "rg-no-such-plugin";
  missing.installHint = "install it from example.com";
  ExecCredentialProvider notFound(missing);
  EXPECT_EQ(errorOf(notFound),
            "kubeconfig: users[0].user.exec: command \"rg-no-such-plugin\" not found. install it "
            "from example.com");

  writeFile(dir.file("slow"), "");
  ExecConfig slow = config();
  slow.timeout = 300ms;
  ExecCredentialProvider timesOut(slow);
  auto started = std::chrono::steady_clock::now();
  EXPECT_THAT(errorOf(timesOut), HasSubstr("did not finish within 300 ms"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST_F(ExecTest, ClientRerunsThePluginAfter401) {
  FakeServer server([](const FakeRequest& r) {
    if (r.header("authorization") != "Bearer tok-2") {
      return FakeResponse::statusError(401, "Unauthorized", "Unauthorized");
    }
    return FakeResponse::json(200, {{"ok", true}});
  });
  // The command is relative to the kubeconfig's folder.
  writeFile(dir.file("config"), R"(current-context: c
clusters: [{name: k, cluster: {server: ")" +
                                    server.url() + R"("}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./plugin.sh
      args: [--from-kubeconfig]
      env: [{name: PLUGIN_DIR, value: ")" +
                                    dir.path() + R"("}]
      interactiveMode: Never
      provideClusterInfo: true
contexts: [{name: c, context: {cluster: k, user: u}}]
)");
  RestClient client(loadKubeConfig({dir.file("config"), ""}), fastOptions());
  EXPECT_EQ(client.get(resources::kPods, "ns", "p")["ok"], true);
  EXPECT_EQ(runs(), 2);
  EXPECT_EQ(client.requestCounts().get("GET", "401"), 1u);
  EXPECT_EQ(client.requestCounts().get("GET", "200"), 1u);
  // Cached from now on.
  EXPECT_EQ(client.get(resources::kPods, "ns", "p")["ok"], true);
  EXPECT_EQ(runs(), 2);
  EXPECT_EQ(readFile(dir.file("args")), "--from-kubeconfig\n");
  auto info = nlohmann::json::parse(readFile(dir.file("info.json")));
  EXPECT_EQ(info["spec"]["cluster"]["server"], server.url());
}

TEST_F(ExecTest, PersistentRejectionIsReportedAfterOneRerun) {
  FakeServer server([](const FakeRequest&) {
    return FakeResponse::statusError(401, "Unauthorized", "Unauthorized");
  });
  ClientConfig cfg = rg::wire::configFor(server);
  cfg.credentialProvider = std::make_shared<ExecCredentialProvider>(config());
  RestClient client(cfg, fastOptions());
  try {
    client.get(resources::kPods, "ns", "p");
    FAIL() << "expected 401";
  } catch (const ApiError& e) {
    EXPECT_TRUE(e.isUnauthorized());
  }
  EXPECT_EQ(runs(), 2);
  EXPECT_EQ(server.requestCount(), 2u);
}

TEST_F(ExecTest, PluginFailureSurfacesFromTheClient) {
  FakeServer server([](const FakeRequest&) { return FakeResponse::json(200, {}); });
  writeFile(dir.file("fail"), "expired login");
  ClientConfig cfg = rg::wire::configFor(server);
  cfg.credentialProvider = std::make_shared<ExecCredentialProvider>(config());
  RestClient client(cfg, fastOptions());
  try {
    client.get(resources::kPods, "ns", "p");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("expired login"));
  }
  EXPECT_EQ(server.requestCount(), 0u);
}

TEST_F(ExecTest, ClientCertificateFromThePlugin) {
  const auto& pki = rg::wire::testPki();
  FakeServer server(
      [](const FakeRequest&) {
        return FakeResponse::json(200, {{"ok", true}});
      },
      rg::wire::ServerTls{pki.server.certPem, pki.server.keyPem, pki.ca.certPem});
  nlohmann::json response = {
      {"apiVersion", "client.authentication.k8s.io/v1"},
      {"kind", "ExecCredential"},
      {"status",
       {{"clientCertificateData", pki.client.certPem}, {"clientKeyData", pki.client.keyPem}}}};
  writeFile(dir.file("response"), response.dump());
  ClientConfig cfg;
  cfg.server = server.url();
  cfg.caPem = pki.ca.certPem;
  cfg.credentialProvider = std::make_shared<ExecCredentialProvider>(config());
  RestClient client(cfg, fastOptions());
  EXPECT_EQ(client.get(resources::kPods, "ns", "p")["ok"], true);
  EXPECT_THAT(server.clientCertSubject(), HasSubstr("CN=tester"));
  EXPECT_EQ(runs(), 1);
}

TEST(Rfc3339Test, ParsesKubernetesTimestamps) {
  using std::chrono::system_clock;
  auto base = parseRfc3339("2024-05-01T10:00:00Z");
  ASSERT_TRUE(base.has_value());
  EXPECT_EQ(system_clock::to_time_t(*base), 1714557600);
  EXPECT_EQ(*parseRfc3339("2024-05-01T12:00:00+02:00"), *base);
  EXPECT_EQ(*parseRfc3339("2024-05-01T10:00:00.500Z") - *base, 500ms);
  EXPECT_FALSE(parseRfc3339("2024-05-01 10:00").has_value());
  EXPECT_FALSE(parseRfc3339("2024-05-01T10:00:00").has_value());
  EXPECT_FALSE(parseRfc3339("2024-05-01T10:00:00Zjunk").has_value());
}

}  // namespace
}  // namespace rg::kube
