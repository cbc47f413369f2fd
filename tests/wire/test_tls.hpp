#pragma once
// Certificates for TLS tests, from the shared test PKI (tests/support/test_certs.hpp).
#include <string>

namespace rg::wire {

struct KeyPair {
  std::string certPem;
  std::string keyPem;
};

struct TestPki {
  KeyPair ca;
  KeyPair server;  // SAN IP:127.0.0.1, DNS:localhost
  KeyPair client;  // CN=tester, O=testers
};

// Generated once per process (generation is the slow part).
const TestPki& testPki();
// The certificate of an unrelated CA.
const std::string& otherCaPem();

}  // namespace rg::wire
