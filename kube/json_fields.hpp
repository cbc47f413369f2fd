#pragma once
// Safe reading of Kubernetes objects. Objects come from users, CI pipelines and the API server,
// so every accessor treats a missing or wrong-typed field as absent instead of throwing.
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rg::kube {

// `object[key]` when `object` is an object holding `key`, else nullptr.
const nlohmann::json* member(const nlohmann::json& object, std::string_view key);
// Like member(), but only when the value has the named type.
const nlohmann::json* objectAt(const nlohmann::json& object, std::string_view key);
const nlohmann::json* arrayAt(const nlohmann::json& object, std::string_view key);
std::optional<std::string> stringAt(const nlohmann::json& object, std::string_view key);
// The string at `key`, or "" when the object is null, not an object, or has no string there.
std::string textAt(const nlohmann::json& object, std::string_view key);
std::string textAt(const nlohmann::json* object, std::string_view key);
std::optional<bool> boolAt(const nlohmann::json& object, std::string_view key);
// Integers only: floats and numeric strings count as absent.
std::optional<int64_t> intAt(const nlohmann::json& object, std::string_view key);
// True only for a JSON `true`.
bool isTrue(const nlohmann::json& object, std::string_view key);
// Follows nested objects; nullptr as soon as a step is missing or not an object.
const nlohmann::json* objectPath(const nlohmann::json& root,
                                 std::initializer_list<std::string_view> path);
// The object elements of the array at `key`; other elements are skipped.
std::vector<const nlohmann::json*> objectsIn(const nlohmann::json& object, std::string_view key);

}  // namespace rg::kube
