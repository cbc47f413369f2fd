#pragma once
// The registry of check kinds. A kind lives in reconcilers/checks/<kind>_check.{hpp,cpp}: its spec
// type, parser, field list and (static kinds) evaluation. Adding one: that file, its include
// and its line in kCheckKinds below, and its fields in the CRD.
#include <array>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <variant>

#include "reconcilers/checks/env_check.hpp"
#include "reconcilers/checks/http_check.hpp"
#include "reconcilers/checks/probes_check.hpp"
#include "reconcilers/checks/prometheus_check.hpp"
#include "reconcilers/checks/replicas_check.hpp"
#include "reconcilers/checks/resources_check.hpp"
#include "reconcilers/checks/rollout_check.hpp"
#include "reconcilers/checks/secrets_check.hpp"
#include "reconcilers/checks/security_check.hpp"

namespace rg {

// Every kind, in the order a check's body keys are looked for and listed in messages.
// clang-format off
inline constexpr std::tuple kCheckKinds{
    &kProbesKind,
    &kResourcesKind,
    &kSecretsKind,
    &kEnvKind,
    &kReplicasKind,
    &kSecurityKind,
    &kHttpKind,
    &kPrometheusKind,
    &kRolloutKind,
};
// clang-format on

namespace detail {
template <class Kinds>
struct BodyOf;
template <class... Spec>
struct BodyOf<std::tuple<const CheckKind<Spec>*...>> {
  using type = std::variant<Spec...>;
};
}  // namespace detail

// A check's body: the spec of one kind, alternatives in the order of kCheckKinds.
using CheckBody = detail::BodyOf<std::remove_const_t<decltype(kCheckKinds)>>::type;

// The kind whose spec type is Spec.
template <class Spec>
const CheckKind<Spec>& checkKindOf() {
  return *std::get<const CheckKind<Spec>*>(kCheckKinds);
}

// Calls `f(kind)` with each kind's CheckKind<Spec>, in registry order.
template <class F>
void forEachCheckKind(F&& f) {
  std::apply([&](const auto*... kind) { (f(*kind), ...); }, kCheckKinds);
}

// The kinds' type-independent parts, in registry order.
inline constexpr std::array<const CheckKindInfo*, std::tuple_size_v<decltype(kCheckKinds)>>
    kCheckKindInfos = std::apply(
        [](const auto*... kind) {
          return std::array<const CheckKindInfo*, sizeof...(kind)>{&kind->info...};
        },
        kCheckKinds);

// The kind of `body`.
const CheckKindInfo& checkKind(const CheckBody& body);
// The kind whose body key is `name`; nullptr when there is none.
const CheckKindInfo* findCheckKind(std::string_view name);
// The body's key in the spec ("probes", "resources", ...).
const char* checkKindName(const CheckBody& body);
// Static checks read only the objects; runtime checks call out.
bool isRuntimeCheck(const CheckBody& body);

}  // namespace rg
