#include "reconcilers/checks/resources_check.hpp"

#include <optional>

#include "kube/object_views.hpp"
#include "reconcilers/checks/check_text.hpp"
#include "reconcilers/checks/workload.hpp"
#include "reconcilers/spec/spec_reader.hpp"

namespace rg {
namespace {

using nlohmann::json;

constexpr const char* kResourcesFields[] = {"requireRequests",
                                            "requireLimits",
                                            "includeInitContainers",
                                            "cpu",
                                            "cpu.min",
                                            "cpu.max",
                                            "memory",
                                            "memory.min",
                                            "memory.max"};

std::optional<QuantityRange> parseRange(SpecReader& r, const json& parent,
                                        const FieldPath& parentPath, const std::string& key) {
  const json* range = r.object(parent, parentPath, key);
  if (!range) return std::nullopt;
  FieldPath path = parentPath.child(key);
  QuantityRange out;
  out.min = r.quantity(*range, path, "min");
  out.max = r.quantity(*range, path, "max");
  if (!range->contains("min") && !range->contains("max")) {
    r.error(path, "needs at least one of min, max");
  } else if (out.min && out.max && *out.min > *out.max) {
    r.error(path, "min " + out.min->text() + " is above max " + out.max->text());
  }
  return out;
}

ResourcesCheck parseResources(SpecReader& r, const json& body, const FieldPath& path) {
  ResourcesCheck out;
  SpecReader::assign(out.requireRequests, r.boolean(body, path, "requireRequests"));
  SpecReader::assign(out.requireLimits, r.boolean(body, path, "requireLimits"));
  SpecReader::assign(out.includeInitContainers, r.boolean(body, path, "includeInitContainers"));
  out.cpu = parseRange(r, body, path, "cpu");
  out.memory = parseRange(r, body, path, "memory");
  return out;
}

}  // namespace
}  // namespace rg

namespace rg::checks {
namespace {

// Bounds built in code may lack the text they were parsed from.
std::string boundText(const kube::Quantity& quantity) {
  return quantity.text().empty() ? std::to_string(quantity.milliValue()) + "m" : quantity.text();
}

std::string rangeText(const char* resource, const QuantityRange& range) {
  std::string out = resource;
  if (range.min && range.max)
    return out + " between " + boundText(*range.min) + " and " + boundText(*range.max);
  if (range.min) return out + " at least " + boundText(*range.min);
  return out + " at most " + boundText(*range.max);
}

bool hasBounds(const BoxedOptional<QuantityRange>& range) {
  return range && (range->min || range->max);
}

// One amount ("cpu limit", as written in `text`) of one container; appends what is wrong with it.
void checkAmount(const std::string& label, const std::optional<std::string>& text,
                 const char* resource, const char* kind, bool required,
                 const BoxedOptional<QuantityRange>& range, std::vector<std::string>& findings) {
  auto what = std::string(resource) + " " + kind;
  if (!text) {
    if (required) findings.push_back(label + ": no " + what);
    return;
  }
  auto quantity = kube::Quantity::parse(*text);
  if (!quantity) {
    findings.push_back(label + ": " + what + " " + quotedText(*text) + " is not a quantity");
    return;
  }
  if (!range) return;
  if (range->min && *quantity < *range->min)
    findings.push_back(label + ": " + what + " " + *text + " below min " + boundText(*range->min));
  if (range->max && *quantity > *range->max)
    findings.push_back(label + ": " + what + " " + *text + " above max " + boundText(*range->max));
}

}  // namespace

CheckResult checkResources(const ResourcesCheck& spec, const Workload& workload) {
  const auto pod = kube::DeploymentView(workload.deploymentWithTemplate()).podTemplateView();
  if (!pod.hasContainers()) return noContainersResult();
  auto containers = pod.containers(spec.includeInitContainers);

  std::vector<std::string> findings;
  size_t compliant = 0;
  for (const auto& container : containers) {
    const auto label = container.label();
    auto before = findings.size();
    for (const char* resource : {"cpu", "memory"}) {
      const auto& range = std::string_view(resource) == "cpu" ? spec.cpu : spec.memory;
      checkAmount(label, container.request(resource), resource, "request", spec.requireRequests,
                  hasBounds(range) ? range : std::nullopt, findings);
      // A range is applied to the limit, so a range makes the limit required.
      checkAmount(label, container.limit(resource), resource, "limit",
                  spec.requireLimits || hasBounds(range), hasBounds(range) ? range : std::nullopt,
                  findings);
    }
    if (findings.size() == before) ++compliant;
  }

  auto value = ratio(compliant, containers.size());
  if (!findings.empty()) return CheckResult::failed(join(findings), value);

  std::vector<std::string> rules;
  if (spec.requireRequests) rules.push_back("cpu and memory requests set");
  if (spec.requireLimits) rules.push_back("cpu and memory limits set");
  if (hasBounds(spec.cpu)) rules.push_back(rangeText("cpu", *spec.cpu));
  if (hasBounds(spec.memory)) rules.push_back(rangeText("memory", *spec.memory));
  if (rules.empty()) return CheckResult::passed("no resource rules", value);
  return CheckResult::passed(countOf(containers.size(), "container") + ": " + join(rules, ", "),
                             value);
}

}  // namespace rg::checks

namespace rg {

constinit const CheckKind<ResourcesCheck> kResourcesKind{
    .info = {.name = "resources", .fields = kResourcesFields},
    .parse = parseResources,
    .evaluate = checks::checkResources,
};

}  // namespace rg
