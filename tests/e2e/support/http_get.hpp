#pragma once
// A plain HTTP GET for polling loopback servers (readiness, Prometheus queries); cpprestsdk
// stays in the .cpp.
#include <chrono>
#include <string>

namespace rg::e2e {

struct HttpReply {
  int status = 0;  // 0: no answer (refused, timed out)
  std::string body;
  std::string error;
};

HttpReply httpGet(const std::string& url,
                  std::chrono::milliseconds timeout = std::chrono::seconds(2));

}  // namespace rg::e2e
