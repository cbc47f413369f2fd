#include "reconcilers/checks/check_kinds.hpp"

namespace rg {

static_assert(kCheckKindInfos.size() == std::variant_size_v<CheckBody>);

const CheckKindInfo& checkKind(const CheckBody& body) {
  return *kCheckKindInfos[body.index()];
}

const CheckKindInfo* findCheckKind(std::string_view name) {
  for (const CheckKindInfo* kind : kCheckKindInfos)
    if (name == kind->name) return kind;
  return nullptr;
}

const char* checkKindName(const CheckBody& body) {
  return checkKind(body).name;
}

bool isRuntimeCheck(const CheckBody& body) {
  return checkKind(body).runtime;
}

}  // namespace rg
