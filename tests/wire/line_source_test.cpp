// The watch line reader against a server that has sent far more than the reader has taken.
#define _TURN_OFF_PLATFORM_STRING
#include "kube/cpprest_line_source.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include <cpprest/http_client.h>

#include "tests/wire/fake_server.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;
using rg::wire::ChunkWriter;
using rg::wire::FakeRequest;
using rg::wire::FakeResponse;
using rg::wire::FakeServer;

TEST(CpprestLineSource, AReaderFarBehindHoldsOneReadNotTheBacklog) {
  // 4 MiB of lines sent at once, as a burst of watch events is; the reader starts only when the
  // client has received them all.
  constexpr int kLines = 16 * 1024;
  std::string burst;
  for (int i = 0; i < kLines; ++i) burst += std::to_string(i) + std::string(250, 'x') + "\n";
  ASSERT_GT(burst.size(), 4u * 1000 * 1000);
  FakeServer server([&](const FakeRequest&) {
    FakeResponse response;
    response.stream = [&](ChunkWriter& writer) { writer.write(burst); };
    return response;
  });
  web::http::client::http_client client(web::uri(server.url()));
  pplx::cancellation_token_source cts;
  web::http::http_request request(web::http::methods::GET);
  request.set_request_uri(web::uri("/watch"));
  auto response = client.request(request, cts.get_token()).get();
  auto received = response.body().streambuf();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (received.in_avail() < burst.size() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(received.in_avail(), burst.size()) << "the burst did not arrive";

  CpprestLineSource source(response, cts);
  std::string line;
  ASSERT_TRUE(source.readLine(line));
  EXPECT_EQ(line.substr(0, 1), "0");
  EXPECT_LT(source.bufferCapacity(), 256u * 1024);
  int count = 1;
  std::size_t largest = 0;
  while (source.readLine(line)) {
    ASSERT_EQ(line.substr(0, std::to_string(count).size()), std::to_string(count));
    largest = std::max(largest, source.bufferCapacity());
    ++count;
  }
  EXPECT_EQ(count, kLines);
  EXPECT_LT(largest, 256u * 1024);
}

}  // namespace
}  // namespace rg::kube
