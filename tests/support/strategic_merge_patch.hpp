#pragma once
// Strategic merge patch (application/strategic-merge-patch+json) as kubectl sends it for
// built-in kinds: lists merged by key, $setElementOrder, $patch, $retainKeys,
// $deleteFromPrimitiveList, null deleting a key. Patch metadata comes from a table of the
// well-known Kubernetes field names instead of Go struct tags.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace rg::testing {

struct ListPatchMeta {
  bool merge = false;    // false: the patch list replaces the original
  std::string mergeKey;  // empty with merge=true: list of primitives merged as a set
};

// Patch metadata of the list field `field`. `sample` is an element of the lists being merged;
// "ports" merges by containerPort for containers and by port for Services.
ListPatchMeta listPatchMeta(std::string_view field, const nlohmann::json& sample);

// Applies `patch` to `original`; throws ApiError (400/422) on a malformed patch.
nlohmann::json strategicMergePatch(const nlohmann::json& original, const nlohmann::json& patch);

}  // namespace rg::testing
