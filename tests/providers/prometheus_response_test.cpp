#include "reconcilers/providers/prometheus_response.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace rg::providers {
namespace {

using Kind = PromQueryResult::Kind;

std::string vectorOf(const std::string& samples) {
  return R"({"status":"success","data":{"resultType":"vector","result":[)" + samples + "]}}";
}
std::string sample(const std::string& value) {
  return R"({"metric":{"job":"checkout"},"value":[1700000000.123,")" + value + R"("]})";
}

TEST(SampleValue, ParsesPrometheusSpellings) {
  EXPECT_EQ(parseSampleValue("0.1"), 0.1);
  EXPECT_EQ(parseSampleValue("1e-05"), 1e-05);
  EXPECT_EQ(parseSampleValue("-3"), -3.0);
  EXPECT_EQ(parseSampleValue("+2.5"), 2.5);
  EXPECT_EQ(parseSampleValue("+Inf"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(parseSampleValue("-Inf"), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(parseSampleValue("Inf"), std::numeric_limits<double>::infinity());
  ASSERT_TRUE(parseSampleValue("NaN").has_value());
  EXPECT_TRUE(std::isnan(*parseSampleValue("NaN")));
}

TEST(SampleValue, RejectsWhatIsNotANumber) {
  for (const char* text : {"", "+", "-", "++1", "abc", "1.0x", " 1", "1 ", "0x10", "1e999"}) {
    EXPECT_FALSE(parseSampleValue(text).has_value()) << '"' << text << '"';
  }
}

TEST(PrometheusResponse, ScalarGivesItsValue) {
  auto r = parsePrometheusResponse(
      R"({"status":"success","data":{"resultType":"scalar","result":[1700000000,"0.23"]}})");
  EXPECT_EQ(r.kind, Kind::Value);
  EXPECT_DOUBLE_EQ(r.value, 0.23);
  EXPECT_EQ(r.error, "");
}

TEST(PrometheusResponse, VectorWithOneSampleGivesItsValue) {
  auto r = parsePrometheusResponse(vectorOf(sample("0.1")));
  EXPECT_EQ(r.kind, Kind::Value);
  EXPECT_DOUBLE_EQ(r.value, 0.1);
}

TEST(PrometheusResponse, EmptyVectorIsNoData) {
  auto r = parsePrometheusResponse(vectorOf(""));
  EXPECT_EQ(r.kind, Kind::NoData);
  EXPECT_EQ(r.error, "query returned no data");
}

TEST(PrometheusResponse, SeveralSeriesIsAnError) {
  auto r = parsePrometheusResponse(vectorOf(sample("1") + "," + sample("2") + "," + sample("3")));
  EXPECT_EQ(r.kind, Kind::Error);
  EXPECT_EQ(r.error, "query returned 3 series; expected one");
}

TEST(PrometheusResponse, NaNIsNoDataAndInfinitiesAreValues) {
  auto nan = parsePrometheusResponse(vectorOf(sample("NaN")));
  EXPECT_EQ(nan.kind, Kind::NoData);
  EXPECT_EQ(nan.error, "query returned NaN (no traffic: 0/0?)");

  auto scalarNan = parsePrometheusResponse(
      R"({"status":"success","data":{"resultType":"scalar","result":[1,"NaN"]}})");
  EXPECT_EQ(scalarNan.kind, Kind::NoData);

  auto inf = parsePrometheusResponse(vectorOf(sample("+Inf")));
  EXPECT_EQ(inf.kind, Kind::Value);
  EXPECT_EQ(inf.value, std::numeric_limits<double>::infinity());

  auto minusInf = parsePrometheusResponse(vectorOf(sample("-Inf")));
  EXPECT_EQ(minusInf.kind, Kind::Value);
  EXPECT_EQ(minusInf.value, -std::numeric_limits<double>::infinity());
}

TEST(PrometheusResponse, ErrorStatusCarriesPrometheusText) {
  auto r = parsePrometheusResponse(
      R"({"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected end of input"})");
  EXPECT_EQ(r.kind, Kind::Error);
  EXPECT_EQ(r.error, "1:5: parse error: unexpected end of input");

  auto bare = parsePrometheusResponse(R"({"status":"error","errorType":"timeout"})");
  EXPECT_EQ(bare.kind, Kind::Error);
  EXPECT_EQ(bare.error, "Prometheus answered status \"error\" (timeout)");
}

TEST(PrometheusResponse, GarbageIsAnError) {
  auto html = parsePrometheusResponse("<html><body>502 Bad Gateway</body></html>");
  EXPECT_EQ(html.kind, Kind::Error);
  EXPECT_EQ(html.error,
            "response is not a Prometheus API answer: <html><body>502 Bad Gateway</body></html>");

  auto empty = parsePrometheusResponse("");
  EXPECT_EQ(empty.kind, Kind::Error);
  EXPECT_EQ(empty.error, "response is empty");

  auto longBody = parsePrometheusResponse(std::string(1000, 'a'));
  EXPECT_EQ(longBody.error,
            "response is not a Prometheus API answer: " + std::string(200, 'a') + "...");
  auto control = parsePrometheusResponse(std::string("\x01\x02oops\n", 7));
  EXPECT_EQ(control.error, "response is not a Prometheus API answer: ??oops ");
}

TEST(PrometheusResponse, MissingOrMistypedFieldsAreErrorsNeverExceptions) {
  struct Case {
    const char* body;
    const char* error;
  };
  const Case cases[] = {
      {R"([])", "response is not a Prometheus API answer: []"},
      {R"("success")", "response is not a Prometheus API answer: \"success\""},
      {R"({})", "response is not a Prometheus API answer: {}"},
      {R"({"status":1})", "response is not a Prometheus API answer: {\"status\":1}"},
      {R"({"status":"pending"})", "response status is \"pending\", expected \"success\""},
      {R"({"status":"success"})", "response has no \"data\" object"},
      {R"({"status":"success","data":[]})", "response has no \"data\" object"},
      {R"({"status":"success","data":{}})", "response has no data.resultType"},
      {R"({"status":"success","data":{"resultType":7,"result":[]}})",
       "response has no data.resultType"},
      {R"({"status":"success","data":{"resultType":"vector"}})", "response has no data.result"},
      {R"({"status":"success","data":{"resultType":"vector","result":{}}})",
       "vector result is not an array"},
      {R"({"status":"success","data":{"resultType":"vector","result":[3]}})",
       "vector sample is not an object"},
      {R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{}}]}})",
       "vector sample has no value"},
      {R"({"status":"success","data":{"resultType":"vector","result":[{"histogram":[1,{}]}]}})",
       "query returned a native histogram; expected a number"},
      {R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1]}]}})",
       "sample value is not a [timestamp, \"value\"] pair: [1]"},
      {R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,0.5]}]}})",
       "sample value is not a [timestamp, \"value\"] pair: [1,0.5]"},
      {R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,"high"]}]}})",
       "sample value \"high\" is not a number"},
      {R"({"status":"success","data":{"resultType":"scalar","result":"1"}})",
       "scalar result is not a [timestamp, \"value\"] pair: \"1\""},
      {R"({"status":"success","data":{"resultType":"matrix","result":[]}})",
       "query returned a range vector; expected an instant vector or a scalar"},
      {R"({"status":"success","data":{"resultType":"string","result":[1,"a"]}})",
       "query returned a string; expected a number"},
      {R"({"status":"success","data":{"resultType":"histogram","result":[]}})",
       "unknown resultType \"histogram\""},
      {R"({"status":"success","data":{"resultType":"vector","result":[)",
       "response is not a Prometheus API answer: "
       "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["},
  };
  for (const auto& c : cases) {
    PromQueryResult r;
    EXPECT_NO_THROW(r = parsePrometheusResponse(c.body)) << c.body;
    EXPECT_EQ(r.kind, Kind::Error) << c.body;
    EXPECT_EQ(r.error, c.error) << c.body;
  }
}

TEST(PrometheusResponse, ExtraFieldsAndWarningsAreIgnored) {
  auto r = parsePrometheusResponse(
      R"({"status":"success","warnings":["PromQL info: ..."],"data":{"resultType":"vector",)"
      R"("result":[{"metric":{},"value":[1,"42"],"extra":true}],"stats":{}}})");
  EXPECT_EQ(r.kind, Kind::Value);
  EXPECT_DOUBLE_EQ(r.value, 42);
}

TEST(PrometheusResponse, DeepNestingDoesNotCrash) {
  std::string body(100000, '[');
  body += std::string(100000, ']');
  auto r = parsePrometheusResponse(body);
  EXPECT_EQ(r.kind, Kind::Error);
}

TEST(PrometheusAnswer, NamesTheHttpStatusOfANonPrometheusAnswer) {
  auto proxy = interpretPrometheusAnswer(502, "Bad Gateway");
  EXPECT_EQ(proxy.kind, Kind::Error);
  EXPECT_EQ(proxy.error, "answered HTTP 502: Bad Gateway");
  EXPECT_EQ(interpretPrometheusAnswer(404, "").error, "answered HTTP 404");

  // Prometheus answers bad queries with 400 and its own JSON: its text wins.
  auto bad = interpretPrometheusAnswer(
      400, R"({"status":"error","errorType":"bad_data","error":"parse error"})");
  EXPECT_EQ(bad.error, "parse error");

  auto ok = interpretPrometheusAnswer(200, vectorOf(sample("7")));
  EXPECT_EQ(ok.kind, Kind::Value);
  EXPECT_EQ(interpretPrometheusAnswer(200, "nope").error,
            "response is not a Prometheus API answer: nope");
}

}  // namespace
}  // namespace rg::providers
