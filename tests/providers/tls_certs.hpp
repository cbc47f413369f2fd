#pragma once
// Throwaway certificates for the HTTPS probe tests: a CA and a server certificate it signed,
// valid for 127.0.0.1 and localhost (EC P-256, OpenSSL C API).
#include <string>

namespace rg::providers::testing {

struct TestCertificates {
  std::string caCertPem;
  std::string serverCertPem;
  std::string serverKeyPem;
};

// Generated once per process.
const TestCertificates& testCertificates();

}  // namespace rg::providers::testing
