#pragma once
// Client settings shared by the wire tests: short timeouts and backoffs keep failures fast.
#include <chrono>
#include <string>

#include "kube/rest_client.hpp"
#include "tests/wire/fake_server.hpp"

namespace rg::wire {

inline kube::RestClientOptions fastOptions() {
  kube::RestClientOptions options;
  options.requestTimeout = std::chrono::seconds(5);
  options.watchIdleTimeout = std::chrono::seconds(10);
  options.maxRetries = 3;
  options.initialBackoff = std::chrono::milliseconds(10);
  options.maxBackoff = std::chrono::milliseconds(50);
  options.maxRetryAfter = std::chrono::seconds(2);
  return options;
}

inline kube::ClientConfig configFor(const FakeServer& server, const std::string& token = {}) {
  kube::ClientConfig config;
  config.server = server.url();
  config.credentials.token = token;
  config.source = "test";
  return config;
}

inline nlohmann::json object(const std::string& ns, const std::string& name,
                             const std::string& resourceVersion = "1") {
  nlohmann::json meta = {{"name", name}, {"resourceVersion", resourceVersion}};
  if (!ns.empty()) meta["namespace"] = ns;
  return {{"metadata", meta}};
}

}  // namespace rg::wire
