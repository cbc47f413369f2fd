#include "operator/metrics/metric_registry.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace rg::metrics {
namespace {

TEST(MetricRegistry, ContentTypeIsTextFormat004) {
  EXPECT_STREQ(kExpositionContentType, "text/plain; version=0.0.4; charset=utf-8");
}

TEST(MetricRegistry, CounterRendersHelpTypeAndLabelledSamples) {
  Registry registry;
  auto& requests = registry.counter("http_requests_total", "Requests served.", {"code", "method"});
  requests.inc({"200", "GET"});
  requests.inc({"200", "GET"}, 2);
  requests.inc({"500", "POST"});
  EXPECT_EQ(registry.render(),
            "# HELP http_requests_total Requests served.\n"
            "# TYPE http_requests_total counter\n"
            "http_requests_total{code=\"200\",method=\"GET\"} 3\n"
            "http_requests_total{code=\"500\",method=\"POST\"} 1\n");
}

TEST(MetricRegistry, FamilyWithoutLabelsStartsAtZeroAndLabelledOneWithoutSeriesIsOmitted) {
  Registry registry;
  registry.gauge("up_gauge", "Plain.");
  registry.gauge("by_name", "Labelled, no series yet.", {"name"});
  EXPECT_EQ(registry.render(), "# HELP up_gauge Plain.\n# TYPE up_gauge gauge\nup_gauge 0\n");
}

TEST(MetricRegistry, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(escapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(escapeHelp("line one\nback\\slash \"quoted\""), "line one\\nback\\\\slash \"quoted\"");
  Registry registry;
  auto& g = registry.gauge("odd_gauge", "Help with \\ and\nnewline.", {"path"});
  g.set({"C:\\dir \"x\"\nnext"}, 1);
  EXPECT_EQ(registry.render(),
            "# HELP odd_gauge Help with \\\\ and\\nnewline.\n"
            "# TYPE odd_gauge gauge\n"
            "odd_gauge{path=\"C:\\\\dir \\\"x\\\"\\nnext\"} 1\n");
}

TEST(MetricRegistry, FormatsValuesAsTheTextFormatExpects) {
  EXPECT_EQ(formatValue(0), "0");
  EXPECT_EQ(formatValue(-0.0), "0");
  EXPECT_EQ(formatValue(42), "42");
  EXPECT_EQ(formatValue(1700000000), "1700000000");
  EXPECT_EQ(formatValue(0.005), "0.005");
  EXPECT_EQ(formatValue(1e-8), "1e-08");
  EXPECT_EQ(formatValue(-2.5), "-2.5");
  EXPECT_EQ(formatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(formatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(formatValue(std::nan("")), "NaN");
}

TEST(MetricRegistry, HistogramRendersCumulativeBucketsInfSumAndCount) {
  Registry registry;
  auto& h = registry.histogram("op_seconds", "Op time.", {"op"}, {0.25, 1, 10});
  h.observe({"read"}, 0.125);
  h.observe({"read"}, 0.25);  // on a bound: counts in that bucket (le = less or equal)
  h.observe({"read"}, 5);
  h.observe({"read"}, 100);  // only in +Inf
  EXPECT_EQ(registry.render(),
            "# HELP op_seconds Op time.\n"
            "# TYPE op_seconds histogram\n"
            "op_seconds_bucket{op=\"read\",le=\"0.25\"} 2\n"
            "op_seconds_bucket{op=\"read\",le=\"1\"} 2\n"
            "op_seconds_bucket{op=\"read\",le=\"10\"} 3\n"
            "op_seconds_bucket{op=\"read\",le=\"+Inf\"} 4\n"
            "op_seconds_sum{op=\"read\"} 105.375\n"
            "op_seconds_count{op=\"read\"} 4\n");
  auto snapshot = h.histogram({"read"});
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->cumulative, (std::vector<std::uint64_t>{2, 2, 3, 4}));
  EXPECT_EQ(snapshot->count, 4u);
}

TEST(MetricRegistry, HistogramWithoutLabelsPutsLeAlone) {
  Registry registry;
  auto& h = registry.histogram("lat_seconds", "L.", {}, {1});
  h.observe({}, 0.5);
  EXPECT_NE(registry.render().find("lat_seconds_bucket{le=\"1\"} 1\n"), std::string::npos);
  EXPECT_NE(registry.render().find("lat_seconds_sum 0.5\n"), std::string::npos);
}

TEST(MetricRegistry, ExponentialBucketsMatchClientGo) {
  auto buckets = exponentialBuckets(10e-9, 10, 10);
  ASSERT_EQ(buckets.size(), 10u);
  EXPECT_DOUBLE_EQ(buckets.front(), 1e-8);
  EXPECT_NEAR(buckets.back(), 10, 1e-9);
  EXPECT_THROW(exponentialBuckets(0, 10, 3), std::invalid_argument);
}

TEST(MetricRegistry, RejectsBadNamesLabelsAndBuckets) {
  Registry registry;
  EXPECT_THROW(registry.counter("1bad", "h"), std::invalid_argument);
  EXPECT_THROW(registry.counter("bad-name", "h"), std::invalid_argument);
  EXPECT_THROW(registry.counter("ok_total", "h", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(registry.counter("ok_total", "h", {"a", "a"}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h_seconds", "h", {"le"}, {1}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h_seconds", "h", {}, {1, 1}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h_seconds", "h", {}, {}), std::invalid_argument);
  registry.counter("dup_total", "h");
  EXPECT_THROW(registry.gauge("dup_total", "h"), std::logic_error);
}

TEST(MetricRegistry, RejectsWrongLabelCountAndMisuse) {
  Registry registry;
  auto& c = registry.counter("c_total", "h", {"a", "b"});
  EXPECT_THROW(c.inc({"only-one"}), std::invalid_argument);
  EXPECT_THROW(c.inc({"x", "y"}, -1), std::invalid_argument);
  EXPECT_THROW(c.observe({"x", "y"}, 1), std::invalid_argument);
  auto& h = registry.histogram("h_seconds", "h", {}, {1});
  EXPECT_THROW(h.set({}, 1), std::invalid_argument);
  EXPECT_EQ(c.seriesCount(), 0u);
}

TEST(MetricRegistry, RemovesSeriesByLabelsAndByPredicate) {
  Registry registry;
  auto& g = registry.gauge("gate_phase", "h", {"namespace", "gate"});
  g.set({"a", "one"}, 1);
  g.set({"a", "two"}, 1);
  g.set({"b", "one"}, 1);
  EXPECT_TRUE(g.remove({"a", "two"}));
  EXPECT_FALSE(g.remove({"a", "two"}));
  const auto ns = g.labelIndex("namespace");
  EXPECT_EQ(g.removeIf([&](const LabelValues& l) { return l[ns] == "b"; }), 1u);
  EXPECT_EQ(g.seriesCount(), 1u);
  EXPECT_EQ(
      registry.render(),
      "# HELP gate_phase h\n# TYPE gate_phase gauge\ngate_phase{namespace=\"a\",gate=\"one\"} "
      "1\n");
  EXPECT_THROW(g.labelIndex("nope"), std::invalid_argument);
  g.removeIf([](const LabelValues&) { return true; });
  EXPECT_EQ(registry.render(), "");  // no series: no HELP/TYPE either
}

TEST(MetricRegistry, RemovesByPredicateWithinALabelPrefixOnly) {
  Registry registry;
  auto& g = registry.gauge("check_result", "h", {"namespace", "gate", "check"});
  for (const char* ns : {"a", "b"})
    for (const char* gate : {"api", "api-2", "ap"})
      for (const char* check : {"probes", "env"}) g.set({ns, gate, check}, 1);
  EXPECT_EQ(g.removeIf({"a", "api"}, [](const LabelValues& l) { return l[2] == "env"; }), 1u);
  EXPECT_FALSE(g.value({"a", "api", "env"}));
  EXPECT_TRUE(g.value({"a", "api", "probes"}));
  EXPECT_EQ(g.removeIf({"a", "api"}, [](const LabelValues&) { return true; }), 1u);
  // Neighbours in sort order (longer and shorter names, the same gate elsewhere) stay.
  EXPECT_EQ(g.seriesCount(), 10u);
  EXPECT_TRUE(g.value({"a", "api-2", "env"}));
  EXPECT_TRUE(g.value({"a", "ap", "probes"}));
  EXPECT_TRUE(g.value({"b", "api", "env"}));
  EXPECT_EQ(g.removeIf({"z"}, [](const LabelValues&) { return true; }), 0u);
}

TEST(MetricRegistry, LabelValuesWithAnyBytesStayApartAndRenderAsTheyWere) {
  // A series is keyed by its values in one string; values holding the key's separator and
  // escape bytes, or empty ones, must neither merge with other series nor render changed.
  Registry registry;
  auto& g = registry.gauge("g", "h", {"a", "b"});
  const std::string nul("x\0y", 3), escape("x\1y", 3);
  g.set({nul, ""}, 1);
  g.set({"x", "y"}, 2);
  g.set({escape, ""}, 3);
  g.set({"", ""}, 4);
  EXPECT_EQ(g.seriesCount(), 4u);
  EXPECT_EQ(g.value({nul, ""}), 1);
  EXPECT_EQ(g.value({"x", "y"}), 2);
  EXPECT_EQ(g.value({escape, ""}), 3);
  EXPECT_EQ(g.value({"", ""}), 4);
  std::vector<LabelValues> seen;
  g.removeIf({"x"}, [&](const LabelValues& l) {
    seen.push_back(l);
    return false;
  });
  EXPECT_EQ(seen, (std::vector<LabelValues>{{"x", "y"}}));
  // Sorted as the values are: "" < "x" < "x\0y" < "x\1y".
  EXPECT_EQ(registry.render(),
            "# HELP g h\n# TYPE g gauge\ng{a=\"\",b=\"\"} 4\ng{a=\"x\",b=\"y\"} 2\n" +
                std::string("g{a=\"") + nul + "\",b=\"\"} 1\ng{a=\"" + escape + "\",b=\"\"} 3\n");
  EXPECT_TRUE(g.remove({nul, ""}));
  EXPECT_EQ(g.value({"x", "y"}), 2);
  EXPECT_EQ(g.seriesCount(), 3u);
}

TEST(MetricRegistry, StateSetRendersOneSeriesPerStateOneOnTheCurrentOne) {
  Registry registry;
  auto& phase = registry.stateSet("gate_phase", "Phase.", {"namespace", "gate"}, "phase",
                                  {"Pending", "Passing", "Failing"});
  phase.setState({"shop", "api"}, "Failing");
  phase.setState({"shop", "web"}, "Pending");
  phase.setState({"shop", "web"}, "Passing");
  EXPECT_EQ(registry.render(),
            "# HELP gate_phase Phase.\n# TYPE gate_phase gauge\n"
            "gate_phase{namespace=\"shop\",gate=\"api\",phase=\"Pending\"} 0\n"
            "gate_phase{namespace=\"shop\",gate=\"api\",phase=\"Passing\"} 0\n"
            "gate_phase{namespace=\"shop\",gate=\"api\",phase=\"Failing\"} 1\n"
            "gate_phase{namespace=\"shop\",gate=\"web\",phase=\"Pending\"} 0\n"
            "gate_phase{namespace=\"shop\",gate=\"web\",phase=\"Passing\"} 1\n"
            "gate_phase{namespace=\"shop\",gate=\"web\",phase=\"Failing\"} 0\n");
  // Read as rendered: with the state label.
  EXPECT_EQ(phase.value({"shop", "api", "Failing"}), 1);
  EXPECT_EQ(phase.value({"shop", "api", "Pending"}), 0);
  EXPECT_FALSE(phase.value({"shop", "api", "Unknown"}));
  EXPECT_FALSE(phase.value({"shop", "db", "Pending"}));
  EXPECT_FALSE(phase.value({"shop", "api"}));
  EXPECT_EQ(phase.seriesCount(), 6u);
  // Removed without the state label: every state of that series goes.
  EXPECT_TRUE(phase.remove({"shop", "api"}));
  EXPECT_EQ(phase.removeIf({"shop"}, [](const LabelValues& l) { return l[1] == "web"; }), 1u);
  EXPECT_EQ(phase.seriesCount(), 0u);
  EXPECT_EQ(registry.render(), "");
}

TEST(MetricRegistry, StateSetRejectsUnknownStatesAndOtherWrites) {
  Registry registry;
  auto& result = registry.stateSet("check_result", "h", {"check"}, "result", {"Passed", "Failed"});
  EXPECT_THROW(result.setState({"probes"}, "Maybe"), std::invalid_argument);
  EXPECT_THROW(result.setState({"probes", "Passed"}, "Passed"), std::invalid_argument);
  EXPECT_THROW(result.set({"probes", "Passed"}, 1), std::invalid_argument);
  EXPECT_THROW(result.inc({"probes"}), std::invalid_argument);
  EXPECT_THROW(result.add({"probes"}, 1), std::invalid_argument);
  EXPECT_EQ(result.seriesCount(), 0u);
  auto& gauge = registry.gauge("plain", "h", {"check"});
  EXPECT_THROW(gauge.setState({"probes"}, "Passed"), std::invalid_argument);
  EXPECT_THROW(registry.stateSet("no_states", "h", {"check"}, "result", {}), std::invalid_argument);
  EXPECT_THROW(registry.stateSet("clash", "h", {"result"}, "result", {"a"}), std::invalid_argument);
  EXPECT_THROW(registry.stateSet("bad", "h", {}, "__state", {"a"}), std::invalid_argument);
}

TEST(MetricRegistry, RenderKeepsItsOutputWhateverTheLastSizeWas) {
  Registry registry;
  auto& g = registry.gauge("g", "h", {"i"});
  for (int i = 0; i < 1000; ++i) g.set({std::to_string(i)}, i);
  const std::string big = registry.render();
  g.removeIf([](const LabelValues& l) { return l[0] != "7"; });
  EXPECT_EQ(registry.render(), "# HELP g h\n# TYPE g gauge\ng{i=\"7\"} 7\n");
  EXPECT_GT(big.size(), 10000u);
}

TEST(MetricRegistry, CollectorsRunBeforeEachRender) {
  Registry registry;
  auto& g = registry.gauge("depth", "h");
  int calls = 0;
  registry.addCollector([&] { g.set({}, ++calls); });
  EXPECT_NE(registry.render().find("depth 1\n"), std::string::npos);
  EXPECT_NE(registry.render().find("depth 2\n"), std::string::npos);
}

TEST(MetricRegistry, GaugesAddAndSetAndCountersTakeCollectedTotals) {
  Registry registry;
  auto& g = registry.gauge("workers", "h");
  g.add({}, 2);
  g.add({}, -1);
  EXPECT_EQ(g.value({}), 1);
  auto& c = registry.counter("collected_total", "h", {"code"});
  c.set({"200"}, 17);
  EXPECT_EQ(c.value({"200"}), 17);
  EXPECT_FALSE(c.value({"404"}));
}

TEST(MetricRegistry, RenderedInPiecesIsThePageInPiecesOfBoundedSize) {
  Registry registry;
  auto& phases = registry.stateSet("gate_phase", "Phase.", {"namespace", "gate"}, "phase",
                                   {"Pending", "Passing", "Failing"});
  auto& values = registry.gauge("check_value", "Value.", {"gate", "check"});
  auto& durations = registry.histogram("round_seconds", "Round.", {"gate"}, {0.1, 1});
  for (int i = 0; i < 2000; ++i) {
    const std::string gate = "gate-" + std::to_string(i);
    phases.setState({"team", gate}, i % 3 ? "Passing" : "Failing");
    values.set({gate, "errors"}, i / 7.0);
    durations.observe({gate}, i % 2 ? 0.05 : 2.0);
  }
  const std::string whole = registry.render();
  ASSERT_GT(whole.size(), 200'000u);

  std::string joined;
  std::size_t pieces = 0, largest = 0;
  registry.render(
      [&](std::string_view piece) {
        ++pieces;
        largest = std::max(largest, piece.size());
        joined += piece;
      },
      16 * 1024);
  EXPECT_EQ(joined, whole);
  EXPECT_GT(pieces, whole.size() / (16 * 1024));
  // A piece ends at the first series past the size: one series (a histogram's 5 lines) at most.
  EXPECT_LT(largest, 16 * 1024 + 1024u);
}

}  // namespace
}  // namespace rg::metrics
