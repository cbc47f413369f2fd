#include <gmock/gmock.h>

#include "tests/support/test_certs.hpp"
#include "tests/support/tests/fixture.hpp"

namespace rg::testing {
namespace {

TEST(TestCertificatesTest, GeneratesPemMaterial) {
  const auto certs = generateCertificates();
  for (const auto* pem : {&certs.caCertPem, &certs.serverCertPem, &certs.clientCertPem}) {
    EXPECT_EQ(pem->rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
  }
  EXPECT_EQ(certs.serverKeyPem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
  EXPECT_NE(certs.caCertPem, generateCertificates().caCertPem);
}

TEST(TlsAuthTest, HttpsWithBearerToken) {
  ApiServerOptions o;
  o.tls = true;
  o.bearerToken = "s3cret";
  ApiServer server(o);
  ASSERT_EQ(server.url().rfind("https://127.0.0.1:", 0), 0u);

  HttpClientOptions withToken;
  withToken.caPem = server.certificates().caCertPem;
  withToken.token = "s3cret";
  HttpClient good(server.url(), withToken);
  auto ok = good.get("/api/v1/namespaces/default/configmaps");
  EXPECT_EQ(ok.code, 200) << ok.body;

  HttpClientOptions noToken;
  noToken.caPem = server.certificates().caCertPem;
  HttpClient anonymous(server.url(), noToken);
  auto denied = anonymous.get("/api/v1/namespaces/default/configmaps");
  EXPECT_EQ(denied.code, 401);
  EXPECT_EQ(denied.json()["reason"], "Unauthorized");

  HttpClientOptions wrongToken = withToken;
  wrongToken.token = "nope";
  EXPECT_EQ(HttpClient(server.url(), wrongToken).get("/version").code, 401);
}

TEST(TlsAuthTest, UntrustedServerCertificateIsRejectedByTheClient) {
  ApiServerOptions o;
  o.tls = true;
  ApiServer server(o);
  HttpClientOptions otherCa;
  otherCa.caPem = generateCertificates().caCertPem;
  HttpClient client(server.url(), otherCa);
  EXPECT_ANY_THROW(client.get("/version"));
}

TEST(TlsAuthTest, ClientCertificateAuthentication) {
  ApiServerOptions o;
  o.tls = true;
  o.requireClientCert = true;
  ApiServer server(o);
  HttpClientOptions withCert;
  withCert.caPem = server.certificates().caCertPem;
  withCert.clientCertPem = server.certificates().clientCertPem;
  withCert.clientKeyPem = server.certificates().clientKeyPem;
  EXPECT_EQ(HttpClient(server.url(), withCert).get("/version").code, 200);

  HttpClientOptions withoutCert;
  withoutCert.caPem = server.certificates().caCertPem;
  EXPECT_ANY_THROW(HttpClient(server.url(), withoutCert).get("/version"));
}

TEST(TlsAuthTest, KubeconfigCarriesServerCaAndCredentials) {
  ApiServerOptions o;
  o.tls = true;
  o.bearerToken = "t";
  ApiServer server(o);
  auto config = nlohmann::json::parse(server.kubeconfig(/*withClientCert=*/true));
  EXPECT_EQ(config["clusters"][0]["cluster"]["server"], server.url());
  EXPECT_TRUE(config["clusters"][0]["cluster"].contains("certificate-authority-data"));
  EXPECT_EQ(config["users"][0]["user"]["token"], "t");
  EXPECT_TRUE(config["users"][0]["user"].contains("client-certificate-data"));
}

}  // namespace
}  // namespace rg::testing
