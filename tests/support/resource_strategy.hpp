#pragma once
// Per-write rules of the API server (the "strategy" of a registry in kube-apiserver terms):
// metadata on create, what an update may change, generation, defaults.
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/resource_registry.hpp"

namespace rg::testing {

enum class WriteOrigin {
  Api,     // an HTTP client: status dropped on create, metadata owned by the server
  Direct,  // a test seeding state: status and given uid/creationTimestamp are kept
};

enum class UpdateScope {
  Main,    // PUT/PATCH of the resource: status kept from the stored object if hasStatus
  Status,  // the /status subresource: only status changes
  Whole,   // direct writes from tests: spec and status together
};

// Fills metadata (name from generateName, uid, creationTimestamp, generation, namespace) and
// defaults. Throws ApiError on an invalid object.
void prepareForCreate(const ResourceInfo& info, nlohmann::json& obj, const std::string& ns,
                      WriteOrigin origin);

// The object to store when `incoming` updates `current`: immutable metadata kept, status
// handled per scope, generation bumped when anything but metadata/status changed.
nlohmann::json prepareForUpdate(const ResourceInfo& info, const nlohmann::json& current,
                                nlohmann::json incoming, UpdateScope scope);

// Status the API server sets on a CustomResourceDefinition it accepts.
void setCrdAcceptedStatus(nlohmann::json& crd);

// Whether two stored objects differ in anything but metadata.resourceVersion.
bool sameContent(const nlohmann::json& a, const nlohmann::json& b);

}  // namespace rg::testing
