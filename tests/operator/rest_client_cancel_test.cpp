// RestClient::cancelAll(): what lets the operator stop at once before its caches synced.
#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "kube/rest_client.hpp"
#include "tests/providers/loopback.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;

ClientConfig unreachable() {
  ClientConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(providers::testing::freeLoopbackPort());
  return config;
}

TEST(RestClientCancel, EndsRetryWaitsAtOnce) {
  RestClientOptions options;
  options.maxRetries = 10;
  options.initialBackoff = 1s;  // without cancelAll: well over a minute of retries
  options.maxBackoff = 10s;
  RestClient client(unreachable(), options);
  auto started = std::chrono::steady_clock::now();
  auto call = std::async(std::launch::async, [&] {
    RestRequest request;
    request.path = "/version";
    client.call(request);
  });
  // Let it fail to connect and begin to wait for its first retry.
  ASSERT_EQ(call.wait_for(300ms), std::future_status::timeout);
  client.cancelAll();
  ASSERT_EQ(call.wait_for(2s), std::future_status::ready);
  EXPECT_THROW(call.get(), TransportError);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST(RestClientCancel, LaterRequestsFailWithoutBeingSent) {
  RestClient client(unreachable());
  client.cancelAll();
  RestRequest request;
  request.path = "/version";
  try {
    client.send(request);
    FAIL() << "expected TransportError";
  } catch (const TransportError& e) {
    EXPECT_NE(std::string(e.what()).find("cancelled"), std::string::npos) << e.what();
  }
  EXPECT_EQ(client.requestCounts().total(), 0u);
}

}  // namespace
}  // namespace rg::kube
