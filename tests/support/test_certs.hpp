#pragma once
// An in-memory test PKI: a CA, a server certificate for 127.0.0.1/localhost and a client
// certificate for client-certificate authentication, all PEM.
#include <string>
#include <vector>

namespace rg::testing {

struct Certificates {
  std::string caCertPem;
  std::string caKeyPem;
  std::string serverCertPem;  // SAN IP:127.0.0.1, DNS:localhost; signed by the CA
  std::string serverKeyPem;
  std::string clientCertPem;  // CN=<user>, O=<groups>; extendedKeyUsage clientAuth
  std::string clientKeyPem;
};

// ECDSA P-256 keys, valid from one hour ago for 30 days. Throws std::runtime_error.
Certificates generateCertificates(const std::string& clientUser = "test-user",
                                  const std::vector<std::string>& clientGroups = {
                                      "system:masters"});

}  // namespace rg::testing
