#pragma once
// The PATCH content types of the Kubernetes API.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace rg::testing {

enum class PatchType { Merge, Json, Strategic, Apply };

// From a Content-Type header (parameters ignored); nullopt for anything else.
std::optional<PatchType> patchTypeFromContentType(std::string_view contentType);
std::string contentTypeOf(PatchType type);

// Parses a patch body (YAML for apply patches, JSON otherwise); throws ApiError 400.
nlohmann::json parsePatchBody(PatchType type, const std::string& body);

// Applies a parsed patch to `current` (an empty object when creating through apply).
// Throws ApiError: 400 for a malformed patch, 422 when it cannot be applied.
nlohmann::json applyPatch(PatchType type, const nlohmann::json& current,
                          const nlohmann::json& patch);

}  // namespace rg::testing
