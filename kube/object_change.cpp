#include "kube/object_change.hpp"

namespace rg::kube {

namespace {

nlohmann::json withoutStatus(const nlohmann::json& object) {
  nlohmann::json out = object;
  if (!out.is_object()) return out;
  out.erase("status");
  if (auto meta = out.find("metadata"); meta != out.end() && meta->is_object()) {
    meta->erase("resourceVersion");
    meta->erase("managedFields");
  }
  return out;
}

}  // namespace

bool onlyStatusChanged(const nlohmann::json& before, const nlohmann::json& after) {
  return withoutStatus(before) == withoutStatus(after);
}

}  // namespace rg::kube
