#pragma once
// meta.k8s.io/v1 Table responses (what `kubectl get` asks for): CRD printer columns, the
// usual columns of the built-in kinds, NAME and AGE otherwise.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/resource_registry.hpp"

namespace rg::testing {

enum class IncludeObject { None, Metadata, Object };

IncludeObject includeObjectFromQuery(const std::string& value);

// A Table of `objects`; `listMeta` (resourceVersion, continue, ...) is copied to its metadata.
nlohmann::json makeTable(const ResourceInfo& info, const std::vector<nlohmann::json>& objects,
                         const nlohmann::json& listMeta, IncludeObject include);

// metav1.PartialObjectMetadata for `obj`.
nlohmann::json partialObjectMetadata(const nlohmann::json& obj);

}  // namespace rg::testing
