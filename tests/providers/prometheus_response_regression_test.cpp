// Findings of the prometheus_response fuzzer (fuzz/regressions/prometheus_response/).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "reconcilers/providers/prometheus_response.hpp"

namespace rg::providers {
namespace {

// The reason ends up in the gate's status; nlohmann::json::dump throws on invalid UTF-8, which
// made the status update fail.
void expectJsonWritable(const std::string& text) {
  EXPECT_NO_THROW((void)nlohmann::json(text).dump()) << text;
}

TEST(PrometheusResponseRegression, NonUtf8BodyGivesAWritableReason) {
  // A Latin-1 error page from a proxy.
  auto r = interpretPrometheusAnswer(502,
                                     "<h1>Passerelle d\xe9"
                                     "faillante</h1>");
  EXPECT_EQ(r.kind, PromQueryResult::Kind::Error);
  EXPECT_NE(r.error.find("Passerelle d\xef\xbf\xbd"
                         "faillante"),
            std::string::npos)
      << r.error;
  expectJsonWritable(r.error);
}

TEST(PrometheusResponseRegression, ExcerptDoesNotCutAUtf8Sequence) {
  // 199 ASCII bytes then "é" (2 bytes): the 200-byte excerpt ends inside the sequence.
  std::string body(199, 'x');
  body += "\xc3\xa9 and more";
  auto r = interpretPrometheusAnswer(500, body);
  EXPECT_EQ(r.kind, PromQueryResult::Kind::Error);
  expectJsonWritable(r.error);
  // The same inside a JSON answer: an unknown resultType of "x" and 250 "é".
  std::string kind = "x";
  for (int i = 0; i < 250; ++i) kind += "\xc3\xa9";
  auto typed = parsePrometheusResponse(R"({"status":"success","data":{"resultType":")" + kind +
                                       R"(","result":[]}})");
  EXPECT_EQ(typed.kind, PromQueryResult::Kind::Error);
  expectJsonWritable(typed.error);
}

}  // namespace
}  // namespace rg::providers
