// The operator's HTTP endpoint server: port 0 binds a free port and reports it.
#include "operator/endpoint_server.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <stdexcept>

#include "operator/metrics/metric_registry.hpp"
#include "tests/operator/operator_run.hpp"

namespace rg {
namespace {

TEST(EndpointServer, PortZeroBindsAFreePortAndUrlNamesIt) {
  EndpointServer server("127.0.0.1:0",
                        {{"/metrics", [](const EndpointRequest&) {
                            return EndpointResponse{200, metrics::kExpositionContentType, "a 1\n"};
                          }}});
  server.start();
  std::smatch match;
  const std::string url = server.url();
  ASSERT_TRUE(std::regex_match(url, match, std::regex(R"(http://127\.0\.0\.1:([0-9]+))"))) << url;
  EXPECT_GT(std::stoi(match[1]), 0);
  auto answer = testing::httpGet(url + "/metrics");
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, "a 1\n");
  EXPECT_EQ(answer.contentType, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(testing::httpGet(url + "/other").status, 404);
  server.stop();
  EXPECT_EQ(testing::httpGet(url + "/metrics").status, 0);
}

TEST(EndpointServer, TwoServersOnPortZeroGetDifferentPorts) {
  EndpointServer a("127.0.0.1:0", {});
  EndpointServer b("127.0.0.1:0", {});
  a.start();
  b.start();
  EXPECT_NE(a.url(), b.url());
}

TEST(EndpointServer, ZeroDisablesAndBadAddressesAreRejected) {
  EndpointServer off("0", {});
  EXPECT_FALSE(off.enabled());
  off.start();  // nothing to do
  EXPECT_THROW(EndpointServer("8080", {}), std::invalid_argument);
  EXPECT_THROW(EndpointServer(":99999", {}), std::invalid_argument);
}

TEST(EndpointServer, EveryAnswerClosesItsConnection) {
  // So that stopping never closes a connection the listener is about to read from again.
  EndpointServer server("127.0.0.1:0", {{"/healthz", [](const EndpointRequest&) {
                                           return EndpointResponse{200, "text/plain", "ok\n"};
                                         }}});
  server.start();
  EXPECT_EQ(testing::httpGet(server.url() + "/healthz").connection, "close");
  EXPECT_EQ(testing::httpGet(server.url() + "/missing").connection, "close");
}

TEST(EndpointServer, HandlerExceptionsAnswer500) {
  EndpointServer server("127.0.0.1:0", {{"/readyz", [](const EndpointRequest&) -> EndpointResponse {
                                           throw std::runtime_error("x");
                                         }}});
  server.start();
  EXPECT_EQ(testing::httpGet(server.url() + "/readyz").status, 500);
}

TEST(EndpointServer, TheHandlerSeesAcceptEncodingAndNamesTheEncodingOfItsAnswer) {
  EndpointServer server(
      "127.0.0.1:0",
      {{"/page", [](const EndpointRequest& request) {
          if (request.acceptEncoding.empty()) return EndpointResponse{200, "text/plain", "plain\n"};
          return EndpointResponse{200, "text/plain", request.acceptEncoding, "x-echo"};
        }}});
  server.start();
  auto plain = testing::httpGet(server.url() + "/page");
  EXPECT_EQ(plain.body, "plain\n");
  EXPECT_EQ(plain.contentEncoding, "");
  auto encoded = testing::httpGet(server.url() + "/page", {{"Accept-Encoding", "gzip, br"}});
  EXPECT_EQ(encoded.body, "gzip, br");
  EXPECT_EQ(encoded.contentEncoding, "x-echo");
}

}  // namespace
}  // namespace rg
