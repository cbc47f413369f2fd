#pragma once
// Shared pieces of the wire tests: a REST client with short timeouts pointed at the in-process
// test API server, and polling with a deadline.
#include <chrono>
#include <memory>
#include <thread>

#include "kube/rest_client.hpp"
#include "tests/support/api_server.hpp"

namespace rg::testing {

inline kube::RestClientOptions fastClientOptions(int maxRetries = 3) {
  kube::RestClientOptions o;
  o.requestTimeout = std::chrono::seconds(5);
  o.watchIdleTimeout = std::chrono::seconds(30);
  o.maxRetries = maxRetries;
  o.initialBackoff = std::chrono::milliseconds(10);
  o.maxBackoff = std::chrono::milliseconds(50);
  o.maxRetryAfter = std::chrono::seconds(1);
  return o;
}

inline std::unique_ptr<kube::RestClient> clientFor(const ApiServer& server, int maxRetries = 3) {
  kube::ClientConfig config;
  config.server = server.url();
  config.source = "test";
  return std::make_unique<kube::RestClient>(config, fastClientOptions(maxRetries));
}

// Polls `condition` every few milliseconds until it holds or `timeout` passes.
template <typename Condition>
bool eventually(Condition condition,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace rg::testing
