// TLS: server verification with the configured CA (and only it), hostname checks,
// insecure-skip-tls-verify, client certificates, and a kubeconfig end to end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/kube_config.hpp"
#include "kube/rest_client.hpp"
#include "tests/wire/client_helpers.hpp"
#include "tests/wire/fake_server.hpp"
#include "tests/wire/test_tls.hpp"
#include "tests/wire/test_util.hpp"

namespace rg::kube {
namespace {

using rg::wire::FakeRequest;
using rg::wire::FakeResponse;
using rg::wire::FakeServer;
using rg::wire::fastOptions;
using rg::wire::ServerTls;
using rg::wire::testPki;
using ::testing::HasSubstr;

FakeResponse ok(const FakeRequest& r) {
  return FakeResponse::json(200, {{"path", r.path}, {"auth", r.header("authorization")}});
}

ServerTls serverTls(bool requireClientCert = false) {
  const auto& pki = testPki();
  ServerTls tls{pki.server.certPem, pki.server.keyPem, {}};
  if (requireClientCert) tls.clientCaPem = pki.ca.certPem;
  return tls;
}

ClientConfig tlsConfig(const FakeServer& server) {
  ClientConfig config;
  config.server = server.url();
  config.source = "test";
  return config;
}

TEST(TlsTest, VerifiesTheServerWithTheConfiguredCa) {
  FakeServer server(ok, serverTls());
  ClientConfig config = tlsConfig(server);
  config.caPem = testPki().ca.certPem;
  config.credentials.token = "t";
  RestClient client(config, fastOptions());
  auto answer = client.get(resources::kPods, "ns", "p");
  EXPECT_EQ(answer["path"], "/api/v1/namespaces/ns/pods/p");
  EXPECT_EQ(answer["auth"], "Bearer t");
}

TEST(TlsTest, RejectsAServerWithoutTheCa) {
  FakeServer server(ok, serverTls());
  RestClient client(tlsConfig(server), fastOptions());  // system roots only
  auto started = std::chrono::steady_clock::now();
  try {
    client.get(resources::kPods, "ns", "p");
    FAIL() << "expected a TLS failure";
  } catch (const TransportError& e) {
    EXPECT_THAT(e.what(), HasSubstr("handshake"));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  EXPECT_EQ(server.requestCount(), 0u);
  EXPECT_EQ(client.requestCounts().get("GET", "<error>"), 1u);  // not retried

  // Another CA is not enough either: only the configured CAs are trusted.
  ClientConfig other = tlsConfig(server);
  other.caPem = rg::wire::otherCaPem();
  RestClient wrongCa(other, fastOptions());
  EXPECT_THROW(wrongCa.get(resources::kPods, "ns", "p"), TransportError);
}

TEST(TlsTest, InsecureSkipTlsVerifyAcceptsAnyCertificate) {
  FakeServer server(ok, serverTls());
  ClientConfig config = tlsConfig(server);
  config.insecureSkipTlsVerify = true;
  RestClient client(config, fastOptions());
  EXPECT_EQ(client.get(resources::kPods, "ns", "p")["path"], "/api/v1/namespaces/ns/pods/p");
}

TEST(TlsTest, ChecksTheHostnameAgainstTheCertificate) {
  // The server certificate names 127.0.0.1 and localhost only.
  FakeServer server(ok, serverTls());
  ClientConfig config = tlsConfig(server);
  config.caPem = testPki().ca.certPem;
  config.tlsServerName = "kubernetes.default.svc";
  {
    RestClient client(config, fastOptions());
    EXPECT_THROW(client.get(resources::kPods, "ns", "p"), TransportError);
  }
  config.tlsServerName = "localhost";
  RestClient named(config, fastOptions());
  EXPECT_EQ(named.get(resources::kPods, "ns", "p")["path"], "/api/v1/namespaces/ns/pods/p");
}

TEST(TlsTest, PresentsTheClientCertificate) {
  const auto& pki = testPki();
  FakeServer server(ok, serverTls(/*requireClientCert=*/true));
  ClientConfig config = tlsConfig(server);
  config.caPem = pki.ca.certPem;
  {
    RestClient anonymous(config, fastOptions());
    EXPECT_THROW(anonymous.get(resources::kPods, "ns", "p"), TransportError);
  }
  config.credentials.clientCertPem = pki.client.certPem;
  config.credentials.clientKeyPem = pki.client.keyPem;
  RestClient client(config, fastOptions());
  EXPECT_EQ(client.get(resources::kPods, "ns", "p")["path"], "/api/v1/namespaces/ns/pods/p");
  EXPECT_THAT(server.clientCertSubject(), HasSubstr("CN=tester"));
  EXPECT_THAT(server.clientCertSubject(), HasSubstr("O=testers"));
}

TEST(TlsTest, KubeconfigEndToEnd) {
  const auto& pki = testPki();
  FakeServer server(ok, serverTls(/*requireClientCert=*/true));
  rg::wire::TempDir dir;
  rg::wire::writeFile(dir.file("certs/client.crt"), pki.client.certPem);
  rg::wire::writeFile(dir.file("certs/client.key"), pki.client.keyPem);
  rg::wire::writeFile(dir.file("config"), R"(apiVersion: v1
kind: Config
current-context: test
clusters:
- name: test
  cluster:
    server: )" + server.url() + R"(
    certificate-authority-data: )" + rg::wire::base64(pki.ca.certPem) +
                                              R"(
users:
- name: test
  user:
    client-certificate: certs/client.crt
    client-key: certs/client.key
    token: kubeconfig-token
contexts:
- name: test
  context: {cluster: test, user: test, namespace: apps}
)");
  ClientConfig config = loadKubeConfig({dir.file("config"), ""});
  RestClient client(config, fastOptions());
  auto answer = client.get(resources::kDeployments, config.defaultNamespace, "web");
  EXPECT_EQ(answer["path"], "/apis/apps/v1/namespaces/apps/deployments/web");
  EXPECT_EQ(answer["auth"], "Bearer kubeconfig-token");
  EXPECT_THAT(server.clientCertSubject(), HasSubstr("CN=tester"));
}

TEST(TlsTest, WatchOverTls) {
  FakeServer server(
      [](const FakeRequest&) {
        FakeResponse res;
        res.stream = [](rg::wire::ChunkWriter& w) {
          w.write(R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"1"}}})"
                  "\n");
        };
        return res;
      },
      serverTls());
  ClientConfig config = tlsConfig(server);
  config.caPem = testPki().ca.certPem;
  RestClient client(config, fastOptions());
  auto stream = client.watch(resources::kPods, "ns");
  auto event = stream->next();
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->object["metadata"]["name"], "a");
  EXPECT_FALSE(stream->next().has_value());
  EXPECT_EQ(stream->error(), "");
}

}  // namespace
}  // namespace rg::kube
