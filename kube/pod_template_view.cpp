#include "kube/pod_template_view.hpp"

#include <algorithm>

#include "kube/json_fields.hpp"
#include "kube/object_views.hpp"

namespace rg::kube {

using nlohmann::json;

namespace {

template <typename View>
std::vector<View> objectEntries(const json* parent, std::string_view key) {
  std::vector<View> out;
  for (const json* entry : parent ? objectsIn(*parent, key) : std::vector<const json*>{})
    out.emplace_back(*entry);
  return out;
}

void appendContainers(const json& spec, std::string_view key, bool init,
                      std::vector<ContainerView>& out) {
  const json* list = arrayAt(spec, key);
  if (!list) return;
  for (size_t i = 0; i < list->size(); ++i)
    if ((*list)[i].is_object()) out.emplace_back((*list)[i], i, init);
}

}  // namespace

std::optional<int64_t> SecurityContextView::runAsUser() const {
  return context_ ? intAt(*context_, "runAsUser") : std::nullopt;
}

std::optional<bool> SecurityContextView::runAsNonRoot() const {
  return context_ ? boolAt(*context_, "runAsNonRoot") : std::nullopt;
}

bool SecurityContextView::privileged() const {
  return context_ && isTrue(*context_, "privileged");
}

bool SecurityContextView::readOnlyRootFilesystem() const {
  return context_ && isTrue(*context_, "readOnlyRootFilesystem");
}

std::string ContainerView::name() const {
  std::string name = textAt(*container_, "name");
  return name.empty() ? "[" + std::to_string(index_) + "]" : name;
}

std::string ContainerView::label() const {
  return (init_ ? "init container " : "container ") + name();
}

std::string ContainerView::image() const {
  return textAt(*container_, "image");
}

const json* ContainerView::probe(std::string_view field) const {
  return objectAt(*container_, field);
}

std::optional<std::string> ContainerView::quantityText(std::string_view section,
                                                       std::string_view resource) const {
  const json* amounts = objectPath(*container_, {"resources", section});
  const json* value = amounts ? member(*amounts, resource) : nullptr;
  if (!value) return std::nullopt;
  if (value->is_string()) return value->get<std::string>();
  if (value->is_number()) return value->dump();
  return std::nullopt;
}

std::optional<std::string> ContainerView::request(std::string_view resource) const {
  return quantityText("requests", resource);
}

std::optional<std::string> ContainerView::limit(std::string_view resource) const {
  return quantityText("limits", resource);
}

SecurityContextView ContainerView::securityContext() const {
  return SecurityContextView(objectAt(*container_, "securityContext"));
}

std::vector<EnvVarView> ContainerView::env() const {
  return objectEntries<EnvVarView>(container_, "env");
}

std::vector<EnvFromSourceView> ContainerView::envFrom() const {
  return objectEntries<EnvFromSourceView>(container_, "envFrom");
}

const json* PodTemplateView::spec() const {
  return template_ ? objectAt(*template_, "spec") : nullptr;
}

std::optional<std::string> PodTemplateView::label(std::string_view key) const {
  const json* labels = template_ ? objectPath(*template_, {"metadata", "labels"}) : nullptr;
  return labels ? stringAt(*labels, key) : std::nullopt;
}

std::string PodTemplateView::podTemplateHash() const {
  return label(kPodTemplateHashLabel).value_or("");
}

std::vector<ContainerView> PodTemplateView::containers(bool includeInit) const {
  std::vector<ContainerView> out;
  const json* podSpec = spec();
  if (!podSpec) return out;
  if (includeInit) appendContainers(*podSpec, "initContainers", true, out);
  appendContainers(*podSpec, "containers", false, out);
  return out;
}

bool PodTemplateView::hasContainers() const {
  const json* podSpec = spec();
  const json* list = podSpec ? arrayAt(*podSpec, "containers") : nullptr;
  return list &&
         std::any_of(list->begin(), list->end(), [](const json& c) { return c.is_object(); });
}

SecurityContextView PodTemplateView::securityContext() const {
  const json* podSpec = spec();
  return SecurityContextView(podSpec ? objectAt(*podSpec, "securityContext") : nullptr);
}

std::vector<VolumeView> PodTemplateView::volumes() const {
  return objectEntries<VolumeView>(spec(), "volumes");
}

}  // namespace rg::kube
