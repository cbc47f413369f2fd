#include "reconcilers/providers/prometheus_response.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/text.hpp"

namespace rg::providers {
namespace {

using nlohmann::json;

constexpr std::size_t kExcerpt = 200;

// A short, printable excerpt of an unexpected body for an error message.
std::string excerpt(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, kExcerpt)) {
    out += (c == '\n' || c == '\r' || c == '\t')                 ? ' '
           : (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?'
                                                                 : c;
  }
  if (body.size() > kExcerpt) out += "...";
  // The message is written into the gate's status, whose JSON needs valid UTF-8: bytes that are
  // not (a Latin-1 error page, a sequence cut at kExcerpt) become U+FFFD.
  return json::parse(json(out).dump(-1, ' ', false, json::error_handler_t::replace))
      .get<std::string>();
}

// A [timestamp, "value"] pair, as used by scalars and vector samples.
PromQueryResult fromPair(const json& pair, const char* what) {
  if (!pair.is_array() || pair.size() != 2 || !pair[1].is_string()) {
    return PromQueryResult::failure(
        std::string(what) + " is not a [timestamp, \"value\"] pair: " + excerpt(pair.dump()));
  }
  const auto& text = pair[1].get_ref<const std::string&>();
  auto value = parseSampleValue(text);
  if (!value) {
    return PromQueryResult::failure("sample value \"" + excerpt(text) + "\" is not a number");
  }
  if (std::isnan(*value)) return PromQueryResult::noData("query returned NaN (no traffic: 0/0?)");
  return PromQueryResult::of(*value);
}

PromQueryResult fromData(const json& data) {
  if (!data.is_object()) return PromQueryResult::failure("response has no \"data\" object");
  auto type = data.find("resultType");
  if (type == data.end() || !type->is_string()) {
    return PromQueryResult::failure("response has no data.resultType");
  }
  auto result = data.find("result");
  if (result == data.end()) return PromQueryResult::failure("response has no data.result");
  const auto& kind = type->get_ref<const std::string&>();
  if (kind == "scalar") return fromPair(*result, "scalar result");
  if (kind == "vector") {
    if (!result->is_array()) return PromQueryResult::failure("vector result is not an array");
    if (result->empty()) return PromQueryResult::noData("query returned no data");
    if (result->size() > 1) {
      return PromQueryResult::failure("query returned " + std::to_string(result->size()) +
                                      " series; expected one");
    }
    const json& sample = (*result)[0];
    if (!sample.is_object()) return PromQueryResult::failure("vector sample is not an object");
    auto value = sample.find("value");
    if (value == sample.end()) {
      if (sample.contains("histogram")) {
        return PromQueryResult::failure("query returned a native histogram; expected a number");
      }
      return PromQueryResult::failure("vector sample has no value");
    }
    return fromPair(*value, "sample value");
  }
  if (kind == "matrix") {
    return PromQueryResult::failure(
        "query returned a range vector; expected an instant vector or a scalar");
  }
  if (kind == "string")
    return PromQueryResult::failure("query returned a string; expected a number");
  return PromQueryResult::failure("unknown resultType \"" + excerpt(kind) + "\"");
}

// nullopt: the body is not a Prometheus API answer at all.
std::optional<PromQueryResult> fromBody(std::string_view body) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  auto status = doc.find("status");
  if (status == doc.end() || !status->is_string()) return std::nullopt;
  const auto& text = status->get_ref<const std::string&>();
  if (text == "error") {
    std::string message;
    if (auto e = doc.find("error"); e != doc.end() && e->is_string())
      message = e->get<std::string>();
    if (message.empty()) {
      message = "Prometheus answered status \"error\"";
      if (auto t = doc.find("errorType"); t != doc.end() && t->is_string()) {
        message += " (" + t->get<std::string>() + ")";
      }
    }
    return PromQueryResult::failure(message);
  }
  if (text != "success") {
    return PromQueryResult::failure("response status is \"" + excerpt(text) +
                                    "\", expected \"success\"");
  }
  auto data = doc.find("data");
  if (data == doc.end()) return PromQueryResult::failure("response has no \"data\" object");
  return fromData(*data);
}

}  // namespace

const char* toString(PromQueryResult::Kind kind) {
  switch (kind) {
    case PromQueryResult::Kind::Value:
      return "Value";
    case PromQueryResult::Kind::NoData:
      return "NoData";
    case PromQueryResult::Kind::Error:
      return "Error";
  }
  return "Error";
}

std::optional<double> parseSampleValue(std::string_view text) {
  // Go's strconv.ParseFloat spellings that from_chars does not take.
  if (kube::equalsIgnoringAsciiCase(text, "+Inf") || kube::equalsIgnoringAsciiCase(text, "Inf") ||
      kube::equalsIgnoringAsciiCase(text, "+Infinity") ||
      kube::equalsIgnoringAsciiCase(text, "Infinity")) {
    return std::numeric_limits<double>::infinity();
  }
  if (kube::equalsIgnoringAsciiCase(text, "-Inf") ||
      kube::equalsIgnoringAsciiCase(text, "-Infinity")) {
    return -std::numeric_limits<double>::infinity();
  }
  if (kube::equalsIgnoringAsciiCase(text, "NaN")) return std::numeric_limits<double>::quiet_NaN();
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty() || text.front() == '+') return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  // Out of range: from_chars leaves `value` alone; Go would give +/-Inf or 0, Prometheus never
  // writes such text, so it is simply not a number here.
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

PromQueryResult parsePrometheusResponse(std::string_view body) {
  try {
    if (auto result = fromBody(body)) return *result;
    if (body.empty()) return PromQueryResult::failure("response is empty");
    return PromQueryResult::failure("response is not a Prometheus API answer: " + excerpt(body));
  } catch (const std::exception& e) {
    // Defensive: the checks above should leave nothing to throw.
    return PromQueryResult::failure(std::string("response cannot be read: ") + e.what());
  }
}

PromQueryResult interpretPrometheusAnswer(int httpStatus, std::string_view body) {
  try {
    if (auto result = fromBody(body)) return *result;
  } catch (const std::exception& e) {
    return PromQueryResult::failure(std::string("response cannot be read: ") + e.what());
  }
  if (httpStatus < 200 || httpStatus > 299) {
    return PromQueryResult::failure("answered HTTP " + std::to_string(httpStatus) +
                                    (body.empty() ? std::string() : ": " + excerpt(body)));
  }
  return parsePrometheusResponse(body);
}

}  // namespace rg::providers
