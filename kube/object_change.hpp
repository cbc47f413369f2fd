#pragma once
// What an update event changed, for event filters (controller-runtime's predicates).
#include <nlohmann/json.hpp>

namespace rg::kube {

// True when `before` and `after` differ only in status and in metadata the server maintains
// (resourceVersion, managedFields): the object's own status write coming back through the
// watch. Spec (generation), labels, annotations, finalizers, owners and deletion all count.
bool onlyStatusChanged(const nlohmann::json& before, const nlohmann::json& after);

}  // namespace rg::kube
