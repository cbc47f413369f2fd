#include "reconcilers/checks/prometheus_check.hpp"

#include "reconcilers/checks/spec_rules.hpp"
#include "reconcilers/spec_reader.hpp"

namespace rg {
namespace {

using nlohmann::json;

constexpr const char* kPrometheusFields[] = {"address", "query", "timeout"};

PrometheusCheck parsePrometheus(SpecReader& r, const json& body, const FieldPath& path) {
  PrometheusCheck out;
  if (auto address = r.string(body, path, "address", true)) {
    requireHttpUrl(r, *address, path.child("address"));
    out.address = *address;
  }
  SpecReader::assign(out.query, r.string(body, path, "query", true));
  variablesValid(r, out.query, path.child("query"));
  if (auto timeout = positiveDuration(r, body, path, "timeout")) out.timeout = *timeout;
  return out;
}

}  // namespace

constinit const CheckKind<PrometheusCheck> kPrometheusKind{
    .info = {.name = "prometheus",
             .fields = kPrometheusFields,
             .runtime = true,
             .needsThreshold = true},
    .parse = parsePrometheus,
};

}  // namespace rg
