#include "reconcilers/spec/check_body_parser.hpp"

namespace rg {

using nlohmann::json;

std::optional<CheckBody> parseCheckBody(SpecReader& reader, const std::string& key,
                                        const json& body, const FieldPath& path) {
  size_t before = reader.errorCount();
  std::optional<CheckBody> out;
  forEachCheckKind([&](const auto& kind) {
    if (key == kind.info.name) out = kind.parse(reader, body, path);
  });
  if (reader.errorCount() != before) return std::nullopt;
  return out;
}

std::optional<Threshold> parseThreshold(SpecReader& r, const json& threshold,
                                        const FieldPath& path) {
  Threshold out;
  out.min = r.number(threshold, path, "min");
  out.max = r.number(threshold, path, "max");
  out.maxIncreasePercent = r.number(threshold, path, "maxIncreasePercent");
  if (!threshold.contains("min") && !threshold.contains("max") &&
      !threshold.contains("maxIncreasePercent")) {
    r.error(path, "needs at least one of min, max, maxIncreasePercent");
    return std::nullopt;
  }
  if (out.min && out.max && *out.min > *out.max) r.error(path, "min is above max");
  if (out.maxIncreasePercent && *out.maxIncreasePercent < 0)
    r.error(path.child("maxIncreasePercent"), "must not be negative");
  if (auto window = r.duration(threshold, path, "baselineWindow")) {
    if (window->value() < std::chrono::seconds(1))
      r.error(path.child("baselineWindow"),
              "\"" + window->toString() + "\" is below the minimum 1s");
    else if (!threshold.contains("maxIncreasePercent"))
      r.error(path.child("baselineWindow"), "is only used with maxIncreasePercent");
    out.baselineWindow = *window;
  }
  return out;
}

}  // namespace rg
