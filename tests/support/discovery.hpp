#pragma once
// Discovery documents (/version, /api, /apis, resource lists) and the minimal OpenAPI v3
// documents kubectl reads to learn that the server validates fields itself.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/resource_registry.hpp"

namespace rg::testing {

nlohmann::json versionInfo();
// `serverAddress` is host:port for serverAddressByClientCIDRs.
nlohmann::json coreApiVersions(const std::string& serverAddress);
nlohmann::json apiGroupList(const ResourceRegistry& registry);
std::optional<nlohmann::json> apiGroup(const ResourceRegistry& registry, const std::string& group);
// APIResourceList for one group/version; nullopt when nothing is served there.
std::optional<nlohmann::json> apiResourceList(const ResourceRegistry& registry,
                                              const std::string& group, const std::string& version);

// /openapi/v3: the group-version paths with their document URLs.
nlohmann::json openApiV3Root(const ResourceRegistry& registry);
// /openapi/v3/apis/<g>/<v> (or api/v1): a PATCH operation per resource carrying
// x-kubernetes-group-version-kind and the fieldValidation query parameter. No request body
// content types are listed, so kubectl computes strategic merge patches from its built-in
// types instead of from (absent) schemas.
std::optional<nlohmann::json> openApiV3Document(const ResourceRegistry& registry,
                                                const std::string& group,
                                                const std::string& version);

}  // namespace rg::testing
