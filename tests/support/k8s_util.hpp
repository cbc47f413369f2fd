#pragma once
// Small helpers shared by the test API server: timestamps, uids, base64, JSONPath.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace rg::testing {

// RFC 3339 with second precision in UTC, as metav1.Time serialises ("2024-05-01T10:00:00Z").
std::string formatRfc3339(std::chrono::system_clock::time_point t);
std::string nowRfc3339();
std::optional<std::chrono::system_clock::time_point> parseRfc3339(std::string_view text);

// k8s.io/apimachinery/pkg/util/duration.HumanDuration, used by the AGE column.
std::string humanDuration(std::chrono::seconds d);

// Random RFC 4122 version 4 UUID.
std::string newUid();

std::string base64Encode(std::string_view data);
std::optional<std::string> base64Decode(std::string_view text);

// Evaluates the JSONPath subset used by printer columns: ".a.b", ".a[0].b", ".a[*].b",
// ".a[?(@.type==\"Ready\")].status", optionally wrapped in "{...}". Returns the first match or
// nullptr.
const nlohmann::json* jsonPathFirst(const nlohmann::json& root, std::string_view path);

// Dotted field path lookup used by field selectors ("metadata.name", "status.phase").
const nlohmann::json* dottedField(const nlohmann::json& root, std::string_view path);

// Renders a scalar like kubectl does in tables and field selectors (strings unquoted).
std::string scalarText(const nlohmann::json& value);

// Lower-cases ASCII.
std::string toLower(std::string_view s);

// The condition of `type` in a status conditions array; null when there is none.
const nlohmann::json* findCondition(const nlohmann::json& conditions, const std::string& type);

}  // namespace rg::testing
