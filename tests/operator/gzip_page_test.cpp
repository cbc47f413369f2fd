// The /metrics page compressed as it is rendered.
#include "operator/metrics/gzip_page.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "operator/metrics/metric_registry.hpp"
#include "operator/metrics/metrics_page.hpp"
#include "tests/support/tests/http_client.hpp"

namespace rg::metrics {
namespace {

TEST(GzipPage, AcceptsGzipUnlessItsWeightIsZero) {
  EXPECT_TRUE(GzipPage::accepted("gzip"));
  EXPECT_TRUE(GzipPage::accepted("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(GzipPage::accepted(" br , gzip "));
  EXPECT_TRUE(GzipPage::accepted("*"));
  EXPECT_TRUE(GzipPage::accepted("gzip;q=1.0"));
  EXPECT_FALSE(GzipPage::accepted(""));
  EXPECT_FALSE(GzipPage::accepted("identity"));
  EXPECT_FALSE(GzipPage::accepted("br, deflate"));
  EXPECT_FALSE(GzipPage::accepted("gzip;q=0"));
  EXPECT_FALSE(GzipPage::accepted("gzip; q=0.000"));
  EXPECT_FALSE(GzipPage::accepted("x-gzip-like"));
}

TEST(GzipPage, PiecesAppendedAreTheDataOfOneGzipStream) {
  ASSERT_TRUE(GzipPage::available());
  GzipPage page;
  std::string text;
  for (int i = 0; i < 20000; ++i) {
    std::string line = "series{gate=\"g" + std::to_string(i) + "\"} " + std::to_string(i) + "\n";
    text += line;
    page.append(line);
  }
  const std::string compressed = page.finish();
  EXPECT_LT(compressed.size(), text.size() / 4);
  EXPECT_EQ(testing::gunzip(compressed), text);
  EXPECT_THROW(page.append("more"), std::logic_error);
}

TEST(GzipPage, AnEmptyPageIsAnEmptyGzipStream) {
  GzipPage page;
  EXPECT_EQ(testing::gunzip(page.finish()), "");
}

TEST(MetricsPage, GzipWhenAcceptedElseText) {
  Registry registry;
  auto& values = registry.gauge("check_value", "Value.", {"gate"});
  for (int i = 0; i < 5000; ++i) values.set({"gate-" + std::to_string(i)}, i);
  const auto plain = metricsPage(registry, {});
  EXPECT_EQ(plain.contentEncoding, "");
  EXPECT_EQ(plain.body, registry.render());
  EXPECT_EQ(plain.contentType, kExpositionContentType);
  const auto compressed = metricsPage(registry, {"gzip"});
  EXPECT_EQ(compressed.contentEncoding, "gzip");
  EXPECT_EQ(compressed.contentType, kExpositionContentType);
  EXPECT_EQ(testing::gunzip(compressed.body), plain.body);
  EXPECT_EQ(metricsPage(registry, {"gzip;q=0"}).contentEncoding, "");
}

}  // namespace
}  // namespace rg::metrics
