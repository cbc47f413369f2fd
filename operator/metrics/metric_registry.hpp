#pragma once
// Prometheus metrics held in memory and rendered in the text exposition format 0.0.4:
// counters, gauges and histograms, each a family of series keyed by label values.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rg::metrics {

// What /metrics answers with (the text format, version 0.0.4).
inline constexpr const char* kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType { Counter, Gauge, Histogram };

// Label values in the order of the family's label names.
using LabelValues = std::vector<std::string>;

struct HistogramSnapshot {
  std::vector<double> upperBounds;        // without +Inf
  std::vector<std::uint64_t> cumulative;  // one per upper bound, then +Inf
  double sum = 0;
  std::uint64_t count = 0;
};

// One metric family. Methods throw std::invalid_argument when the number of label values
// differs from the number of label names, or when the call does not fit the type.
//
// A state set is a gauge that renders one series per state, 1 on the current state and 0 on the
// others (kube-state-metrics' phase gauges), with the state as its last label. It keeps one
// entry per series of its other labels, not one per state: a gate's seven checks hold 7 entries
// instead of 28.
class Family {
 public:
  Family(MetricType type, std::string name, std::string help, std::vector<std::string> labelNames,
         std::vector<double> buckets);
  // A state set: `labelNames` without the state label, which is `stateLabel`.
  Family(std::string name, std::string help, std::vector<std::string> labelNames,
         std::string stateLabel, std::vector<std::string> states);

  MetricType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::vector<std::string>& labelNames() const { return labelNames_; }

  // Counter: adds `by` (never negative).
  void inc(const LabelValues& labels = {}, double by = 1);
  // Gauge: sets the value. Counter: takes a total kept elsewhere (collected at scrape time).
  void set(const LabelValues& labels, double value);
  // Gauge: adds `by` (may be negative).
  void add(const LabelValues& labels, double by);
  // Histogram: records one sample.
  void observe(const LabelValues& labels, double value);
  // State set: `labels` without the state label; `state` must be one of the states.
  void setState(const LabelValues& labels, std::string_view state);

  // For a state set, remove, removeIf and their predicates take the labels without the state
  // label; value() takes them with it, as the series are rendered.

  bool remove(const LabelValues& labels);
  // Removes every series for which `match` is true; returns how many.
  std::size_t removeIf(const std::function<bool(const LabelValues&)>& match);
  // removeIf over the series whose first label values are `prefix` only: series are kept sorted
  // by label values, so this costs the matching series, not every series of the family (one
  // gate's series out of thousands on each evaluation).
  std::size_t removeIf(const LabelValues& prefix,
                       const std::function<bool(const LabelValues&)>& match);
  // Position of a label name (for removeIf predicates); throws std::invalid_argument.
  std::size_t labelIndex(std::string_view labelName) const;

  std::optional<double> value(const LabelValues& labels) const;
  std::optional<HistogramSnapshot> histogram(const LabelValues& labels) const;
  // Series rendered (a state set's entries times its states).
  std::size_t seriesCount() const;

  // Appends HELP, TYPE and the samples; a labelled family without series renders nothing. With
  // `spill`, calls it with `out` whenever `out` holds `spillBytes` or more (it takes the text
  // away), so a family of any size is rendered in pieces.
  void render(std::string& out, const std::function<void(std::string&)>* spill = nullptr,
              std::size_t spillBytes = 0) const;

 private:
  struct HistogramCounts {
    std::vector<std::uint64_t> buckets;  // per upper bound, not cumulative
    double sum = 0;
    std::uint64_t count = 0;
  };
  // A counter's or gauge's series is its value alone: most series are a gate's (tens of
  // thousands at 10 000 gates), and none of those is a histogram.
  struct Series {
    double value = 0;
    std::unique_ptr<HistogramCounts> histogram;
  };
  Series& seriesLocked(const LabelValues& labels);
  void checkArity(const LabelValues& labels) const;
  void checkNotStateSet(const char* call) const;

  const MetricType type_;
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> labelNames_;
  const std::vector<double> buckets_;
  const std::string stateLabel_;
  const std::vector<std::string> states_;  // empty unless a state set
  mutable std::mutex mu_;
  // Keyed by the label values in one string (see encodeLabels in the .cpp): one allocation per
  // series instead of a vector and its strings, in the order of the values.
  std::map<std::string, Series, std::less<>> series_;
};

class Registry {
 public:
  // Each throws std::invalid_argument on an invalid metric or label name, and
  // std::logic_error when the name is already registered.
  Family& counter(const std::string& name, const std::string& help,
                  std::vector<std::string> labelNames = {});
  Family& gauge(const std::string& name, const std::string& help,
                std::vector<std::string> labelNames = {});
  // `buckets`: strictly increasing upper bounds; +Inf is implied.
  Family& histogram(const std::string& name, const std::string& help,
                    std::vector<std::string> labelNames, std::vector<double> buckets);
  // A gauge with one series per state (see Family); `stateLabel` comes after `labelNames`.
  Family& stateSet(const std::string& name, const std::string& help,
                   std::vector<std::string> labelNames, std::string stateLabel,
                   std::vector<std::string> states);

  // Runs at the start of every render(), outside the registry's lock: reads state kept
  // elsewhere (queue counters, /proc) into families.
  void addCollector(std::function<void()> collect);

  Family* find(const std::string& name) const;
  // The whole exposition, families in registration order.
  std::string render() const;
  // The same, handed to `write` in pieces of about `pieceBytes`: the page (tens of MiB at 10 000
  // gates) never exists whole when `write` compresses or sends each piece.
  void render(const std::function<void(std::string_view)>& write,
              std::size_t pieceBytes = 64 * 1024) const;

 private:
  Family& add(std::unique_ptr<Family> family);
  // Runs the collectors, then lists the families.
  std::vector<const Family*> collect() const;

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;
  std::vector<std::function<void()>> collectors_;
  // Size of the last exposition: the next one reserves it, instead of doubling its way up
  // (which holds the old and new buffer at once: 1.5 times a page of tens of MiB).
  mutable std::atomic<std::size_t> lastRenderSize_ = 0;
};

// `count` upper bounds start, start*factor, ... (as client_golang's ExponentialBuckets).
std::vector<double> exponentialBuckets(double start, double factor, int count);

// Shortest round-trip form, whole numbers below 1e15 without exponent (easier to read for
// counters and timestamps): "0", "42", "1700000000", "0.005", "1e-08", "+Inf", "-Inf", "NaN".
std::string formatValue(double value);
// Label values escape backslash, double quote and newline; HELP text backslash and newline.
std::string escapeLabelValue(std::string_view value);
std::string escapeHelp(std::string_view help);

}  // namespace rg::metrics
