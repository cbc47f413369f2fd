#include "tests/wire/test_tls.hpp"

#include "tests/support/test_certs.hpp"

namespace rg::wire {

const TestPki& testPki() {
  static const TestPki pki = [] {
    auto certs = rg::testing::generateCertificates("tester", {"testers"});
    return TestPki{{certs.caCertPem, certs.caKeyPem},
                   {certs.serverCertPem, certs.serverKeyPem},
                   {certs.clientCertPem, certs.clientKeyPem}};
  }();
  return pki;
}

const std::string& otherCaPem() {
  static const std::string pem = rg::testing::generateCertificates().caCertPem;
  return pem;
}

}  // namespace rg::wire
