#pragma once
// Text kept deflated. The operator's cache keeps a gate's spec and status as JSON text, read
// only when the gate changes; deflated they take about a third of that, which at 10 000 gates
// is tens of MiB.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace rg {

// `text` as raw deflate (RFC 1951) in a JSON binary value. Binary, not a string: no reader can
// take it for a string the API server sent.
nlohmann::json packText(std::string_view text);
bool isPackedText(const nlohmann::json& value);
// The text packText was given; nullopt when `value` is not packed text or does not inflate.
std::optional<std::string> unpackText(const nlohmann::json& value);

}  // namespace rg
