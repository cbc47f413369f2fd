#include "operator/metrics/metric_registry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <regex>
#include <stdexcept>

namespace rg::metrics {
namespace {

const char* typeName(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Histogram:
      return "histogram";
  }
  return "untyped";
}

void checkName(const std::string& name) {
  static const std::regex kMetricName("^[a-zA-Z_:][a-zA-Z0-9_:]*$");
  if (!std::regex_match(name, kMetricName))
    throw std::invalid_argument("metric name \"" + name + "\" is not [a-zA-Z_:][a-zA-Z0-9_:]*");
}

void checkLabelNames(const std::string& metric, const std::vector<std::string>& labelNames,
                     MetricType type) {
  static const std::regex kLabelName("^[a-zA-Z_][a-zA-Z0-9_]*$");
  for (std::size_t i = 0; i < labelNames.size(); ++i) {
    const auto& label = labelNames[i];
    if (!std::regex_match(label, kLabelName) || label.starts_with("__"))
      throw std::invalid_argument("metric " + metric + ": label name \"" + label +
                                  "\" is not [a-zA-Z_][a-zA-Z0-9_]* or starts with __");
    if (type == MetricType::Histogram && label == "le")
      throw std::invalid_argument("metric " + metric + ": a histogram cannot have a label \"le\"");
    if (std::find(labelNames.begin(), labelNames.begin() + static_cast<std::ptrdiff_t>(i), label) !=
        labelNames.begin() + static_cast<std::ptrdiff_t>(i))
      throw std::invalid_argument("metric " + metric + ": label \"" + label + "\" repeated");
  }
}

// A label after the family's own: a histogram's "le", a state set's state.
struct ExtraLabel {
  std::string_view name;
  std::string_view value;
};

// A series key: each label value followed by '\0', with '\0' and '\1' inside a value written
// as "\1\2" and "\1\3". Keys sort as their values do, and the key of a prefix of values is a
// prefix of the key.
constexpr char kEnd = '\0';
constexpr char kEscape = '\1';

std::string encodeLabels(const LabelValues& values) {
  std::size_t size = 0;
  for (const auto& value : values) size += value.size() + 1;
  std::string key;
  key.reserve(size);
  for (const auto& value : values) {
    for (char c : value) {
      if (c == kEnd || c == kEscape) {
        key += kEscape;
        key += c == kEnd ? '\2' : '\3';
      } else {
        key += c;
      }
    }
    key += kEnd;
  }
  return key;
}

// Calls `each` with every label value of `key`, in order.
template <class Each>
void forEachLabel(std::string_view key, Each&& each) {
  while (!key.empty()) {
    const std::string_view value = key.substr(0, key.find(kEnd));
    key.remove_prefix(std::min(key.size(), value.size() + 1));
    if (value.find(kEscape) == std::string_view::npos) {
      each(value);
      continue;
    }
    std::string plain;
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (value[i] == kEscape && i + 1 < value.size()) {
        plain += value[++i] == '\2' ? kEnd : kEscape;
      } else {
        plain += value[i];
      }
    }
    each(std::string_view(plain));
  }
}

LabelValues decodeLabels(std::string_view key) {
  LabelValues values;
  forEachLabel(key, [&](std::string_view value) { values.emplace_back(value); });
  return values;
}

void appendSample(std::string& out, const std::string& name, const std::vector<std::string>& names,
                  std::string_view key, const ExtraLabel* extra, double value) {
  out += name;
  if (!names.empty() || extra) {
    out += '{';
    std::size_t i = 0;
    forEachLabel(key, [&](std::string_view label) {
      if (i > 0) out += ',';
      out += names[i++];
      out += "=\"";
      out += escapeLabelValue(label);
      out += '"';
    });
    if (extra) {
      if (i > 0) out += ',';
      out += extra->name;
      out += "=\"";
      out += escapeLabelValue(extra->value);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += formatValue(value);
  out += '\n';
}

}  // namespace

std::string formatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  if (value == std::trunc(value) && std::fabs(value) < 1e15) {
    std::snprintf(buffer, sizeof buffer, "%.0f", value == 0 ? 0.0 : value);  // no "-0"
    return buffer;
  }
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

namespace {

// The exposition format escapes backslash and newline in HELP text, and also '"' in label values.
std::string escape(std::string_view text, bool quotes) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string escapeLabelValue(std::string_view value) {
  return escape(value, true);
}

std::string escapeHelp(std::string_view help) {
  return escape(help, false);
}

std::vector<double> exponentialBuckets(double start, double factor, int count) {
  if (start <= 0 || factor <= 1 || count < 1)
    throw std::invalid_argument("exponentialBuckets needs start > 0, factor > 1, count >= 1");
  std::vector<double> out;
  double bound = start;
  for (int i = 0; i < count; ++i, bound *= factor) out.push_back(bound);
  return out;
}

Family::Family(MetricType type, std::string name, std::string help,
               std::vector<std::string> labelNames, std::vector<double> buckets)
    : type_(type),
      name_(std::move(name)),
      help_(std::move(help)),
      labelNames_(std::move(labelNames)),
      buckets_(std::move(buckets)) {
  // A family without labels has exactly one series, shown from the start (at 0).
  if (labelNames_.empty()) seriesLocked({});
}

Family::Family(std::string name, std::string help, std::vector<std::string> labelNames,
               std::string stateLabel, std::vector<std::string> states)
    : type_(MetricType::Gauge),
      name_(std::move(name)),
      help_(std::move(help)),
      labelNames_(std::move(labelNames)),
      stateLabel_(std::move(stateLabel)),
      states_(std::move(states)) {
  if (states_.empty()) throw std::invalid_argument("state set " + name_ + " needs states");
}

void Family::checkNotStateSet(const char* call) const {
  if (!states_.empty())
    throw std::invalid_argument("metric " + name_ + ": " + call + " on a state set (setState)");
}

void Family::checkArity(const LabelValues& labels) const {
  if (labels.size() != labelNames_.size())
    throw std::invalid_argument("metric " + name_ + ": " + std::to_string(labels.size()) +
                                " label values for " + std::to_string(labelNames_.size()) +
                                " label names");
}

Family::Series& Family::seriesLocked(const LabelValues& labels) {
  auto [it, inserted] = series_.try_emplace(encodeLabels(labels));
  if (inserted && type_ == MetricType::Histogram) {
    it->second.histogram = std::make_unique<HistogramCounts>();
    it->second.histogram->buckets.assign(buckets_.size(), 0);
  }
  return it->second;
}

void Family::inc(const LabelValues& labels, double by) {
  checkNotStateSet("inc");
  if (type_ != MetricType::Counter && type_ != MetricType::Gauge)
    throw std::invalid_argument("metric " + name_ + ": inc on a histogram");
  if (type_ == MetricType::Counter && !(by >= 0))
    throw std::invalid_argument("metric " + name_ + ": a counter cannot decrease");
  checkArity(labels);
  std::lock_guard lock(mu_);
  seriesLocked(labels).value += by;
}

void Family::set(const LabelValues& labels, double value) {
  checkNotStateSet("set");
  if (type_ == MetricType::Histogram)
    throw std::invalid_argument("metric " + name_ + ": set on a histogram");
  checkArity(labels);
  std::lock_guard lock(mu_);
  seriesLocked(labels).value = value;
}

void Family::add(const LabelValues& labels, double by) {
  checkNotStateSet("add");
  if (type_ != MetricType::Gauge)
    throw std::invalid_argument("metric " + name_ + ": add is for gauges");
  checkArity(labels);
  std::lock_guard lock(mu_);
  seriesLocked(labels).value += by;
}

void Family::observe(const LabelValues& labels, double value) {
  if (type_ != MetricType::Histogram)
    throw std::invalid_argument("metric " + name_ + ": observe is for histograms");
  checkArity(labels);
  std::lock_guard lock(mu_);
  HistogramCounts& counts = *seriesLocked(labels).histogram;
  // The first bound at or above the value (le is "less than or equal").
  auto it = std::lower_bound(buckets_.begin(), buckets_.end(), value);
  if (it != buckets_.end()) ++counts.buckets[static_cast<std::size_t>(it - buckets_.begin())];
  counts.sum += value;
  ++counts.count;
}

void Family::setState(const LabelValues& labels, std::string_view state) {
  if (states_.empty())
    throw std::invalid_argument("metric " + name_ + ": setState needs a state set");
  auto it = std::find(states_.begin(), states_.end(), state);
  if (it == states_.end())
    throw std::invalid_argument("metric " + name_ + ": unknown state \"" + std::string(state) +
                                "\"");
  checkArity(labels);
  std::lock_guard lock(mu_);
  seriesLocked(labels).value = static_cast<double>(it - states_.begin());
}

bool Family::remove(const LabelValues& labels) {
  checkArity(labels);
  std::lock_guard lock(mu_);
  auto it = series_.find(encodeLabels(labels));
  if (it == series_.end()) return false;
  series_.erase(it);
  return true;
}

std::size_t Family::removeIf(const std::function<bool(const LabelValues&)>& match) {
  std::lock_guard lock(mu_);
  return std::erase_if(series_,
                       [&](const auto& entry) { return match(decodeLabels(entry.first)); });
}

std::size_t Family::removeIf(const LabelValues& prefix,
                             const std::function<bool(const LabelValues&)>& match) {
  std::lock_guard lock(mu_);
  std::size_t removed = 0;
  const std::string start = encodeLabels(prefix);
  for (auto it = series_.lower_bound(start); it != series_.end();) {
    if (!it->first.starts_with(start)) break;
    if (match(decodeLabels(it->first))) {
      it = series_.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

std::size_t Family::labelIndex(std::string_view labelName) const {
  auto it = std::find(labelNames_.begin(), labelNames_.end(), labelName);
  if (it == labelNames_.end())
    throw std::invalid_argument("metric " + name_ + " has no label \"" + std::string(labelName) +
                                "\"");
  return static_cast<std::size_t>(it - labelNames_.begin());
}

std::optional<double> Family::value(const LabelValues& labels) const {
  if (!states_.empty()) {
    if (labels.size() != labelNames_.size() + 1) return std::nullopt;
    auto state = std::find(states_.begin(), states_.end(), labels.back());
    if (state == states_.end()) return std::nullopt;
    std::lock_guard lock(mu_);
    auto it = series_.find(encodeLabels(LabelValues(labels.begin(), labels.end() - 1)));
    if (it == series_.end()) return std::nullopt;
    return it->second.value == static_cast<double>(state - states_.begin()) ? 1 : 0;
  }
  std::lock_guard lock(mu_);
  auto it = series_.find(encodeLabels(labels));
  if (it == series_.end() || type_ == MetricType::Histogram) return std::nullopt;
  return it->second.value;
}

std::optional<HistogramSnapshot> Family::histogram(const LabelValues& labels) const {
  std::lock_guard lock(mu_);
  auto it = series_.find(encodeLabels(labels));
  if (it == series_.end() || type_ != MetricType::Histogram) return std::nullopt;
  const HistogramCounts& counts = *it->second.histogram;
  HistogramSnapshot snapshot{buckets_, {}, counts.sum, counts.count};
  std::uint64_t running = 0;
  for (auto n : counts.buckets) snapshot.cumulative.push_back(running += n);
  snapshot.cumulative.push_back(counts.count);
  return snapshot;
}

std::size_t Family::seriesCount() const {
  std::lock_guard lock(mu_);
  return series_.size() * std::max<std::size_t>(1, states_.size());
}

void Family::render(std::string& out, const std::function<void(std::string&)>* spill,
                    std::size_t spillBytes) const {
  std::lock_guard lock(mu_);
  if (series_.empty()) return;
  out += "# HELP " + name_ + ' ' + escapeHelp(help_) + '\n';
  out += "# TYPE " + name_ + ' ' + typeName(type_) + '\n';
  for (const auto& [labels, series] : series_) {
    if (spill && out.size() >= spillBytes) (*spill)(out);
    if (!states_.empty()) {
      for (std::size_t i = 0; i < states_.size(); ++i) {
        const ExtraLabel state{stateLabel_, states_[i]};
        appendSample(out, name_, labelNames_, labels, &state,
                     series.value == static_cast<double>(i) ? 1 : 0);
      }
      continue;
    }
    if (type_ != MetricType::Histogram) {
      appendSample(out, name_, labelNames_, labels, nullptr, series.value);
      continue;
    }
    const HistogramCounts& counts = *series.histogram;
    std::uint64_t running = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      running += counts.buckets[i];
      const std::string bound = formatValue(buckets_[i]);
      const ExtraLabel le{"le", bound};
      appendSample(out, name_ + "_bucket", labelNames_, labels, &le, static_cast<double>(running));
    }
    const ExtraLabel inf{"le", "+Inf"};
    appendSample(out, name_ + "_bucket", labelNames_, labels, &inf,
                 static_cast<double>(counts.count));
    appendSample(out, name_ + "_sum", labelNames_, labels, nullptr, counts.sum);
    appendSample(out, name_ + "_count", labelNames_, labels, nullptr,
                 static_cast<double>(counts.count));
  }
}

Family& Registry::counter(const std::string& name, const std::string& help,
                          std::vector<std::string> labelNames) {
  return add(std::make_unique<Family>(MetricType::Counter, name, help, std::move(labelNames),
                                      std::vector<double>{}));
}

Family& Registry::gauge(const std::string& name, const std::string& help,
                        std::vector<std::string> labelNames) {
  return add(std::make_unique<Family>(MetricType::Gauge, name, help, std::move(labelNames),
                                      std::vector<double>{}));
}

Family& Registry::histogram(const std::string& name, const std::string& help,
                            std::vector<std::string> labelNames, std::vector<double> buckets) {
  if (!buckets.empty() && std::isinf(buckets.back()) && buckets.back() > 0) buckets.pop_back();
  if (buckets.empty())
    throw std::invalid_argument("histogram " + name + " needs at least one bucket");
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    if (std::isnan(buckets[i]) || (i > 0 && !(buckets[i] > buckets[i - 1])))
      throw std::invalid_argument("histogram " + name + ": buckets must be strictly increasing");
  }
  return add(std::make_unique<Family>(MetricType::Histogram, name, help, std::move(labelNames),
                                      std::move(buckets)));
}

Family& Registry::stateSet(const std::string& name, const std::string& help,
                           std::vector<std::string> labelNames, std::string stateLabel,
                           std::vector<std::string> states) {
  std::vector<std::string> all = labelNames;
  all.push_back(stateLabel);
  checkLabelNames(name, all, MetricType::Gauge);
  return add(std::make_unique<Family>(name, help, std::move(labelNames), std::move(stateLabel),
                                      std::move(states)));
}

Family& Registry::add(std::unique_ptr<Family> family) {
  checkName(family->name());
  checkLabelNames(family->name(), family->labelNames(), family->type());
  std::lock_guard lock(mu_);
  for (const auto& known : families_)
    if (known->name() == family->name())
      throw std::logic_error("metric " + family->name() + " registered twice");
  families_.push_back(std::move(family));
  return *families_.back();
}

void Registry::addCollector(std::function<void()> collect) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collect));
}

Family* Registry::find(const std::string& name) const {
  std::lock_guard lock(mu_);
  for (const auto& family : families_)
    if (family->name() == name) return family.get();
  return nullptr;
}

std::vector<const Family*> Registry::collect() const {
  std::vector<std::function<void()>> collectors;
  std::vector<const Family*> families;
  {
    std::lock_guard lock(mu_);
    collectors = collectors_;
    for (const auto& family : families_) families.push_back(family.get());
  }
  // Collectors may take other locks (a queue's, a client's): never under ours.
  for (const auto& collect : collectors) collect();
  return families;
}

void Registry::render(const std::function<void(std::string_view)>& write,
                      std::size_t pieceBytes) const {
  std::string piece;
  piece.reserve(pieceBytes + pieceBytes / 8);
  const std::function<void(std::string&)> spill = [&write](std::string& text) {
    write(text);
    text.clear();
  };
  for (const auto* family : collect()) family->render(piece, &spill, pieceBytes);
  if (!piece.empty()) write(piece);
}

std::string Registry::render() const {
  const std::vector<const Family*> families = collect();
  std::string out;
  std::size_t expected = lastRenderSize_.load();
  if (expected == 0) {
    // The first page has no size to go by: a sample line is about 100 bytes. Growing by doubling
    // instead would hold two copies, twice the page, at 10 000 gates 47 MiB.
    for (const auto* family : families) expected += family->seriesCount() * 100;
  }
  out.reserve(expected + expected / 8);
  for (const auto* family : families) family->render(out);
  lastRenderSize_ = out.size();
  return out;
}

}  // namespace rg::metrics
