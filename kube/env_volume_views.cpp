#include "kube/env_volume_views.hpp"

#include "kube/json_fields.hpp"

namespace rg::kube {

using nlohmann::json;

namespace {

std::optional<ConfigRefView> refAt(const json& parent, std::string_view key,
                                   std::string_view nameField = "name") {
  const json* ref = objectAt(parent, key);
  return ref ? std::optional<ConfigRefView>(ConfigRefView(*ref, nameField)) : std::nullopt;
}

}  // namespace

std::string ConfigRefView::name() const {
  return textAt(*ref_, nameField_);
}

std::string ConfigRefView::key() const {
  return textAt(*ref_, "key");
}

std::vector<std::string> ConfigRefView::itemKeys() const {
  std::vector<std::string> keys;
  for (const json* item : objectsIn(*ref_, "items")) keys.push_back(textAt(*item, "key"));
  return keys;
}

bool ConfigRefView::optional() const {
  return isTrue(*ref_, "optional");
}

std::optional<std::string> EnvVarView::name() const {
  return stringAt(*var_, "name");
}

std::string EnvVarView::value() const {
  return textAt(*var_, "value");
}

bool EnvVarView::hasValueFrom() const {
  return objectAt(*var_, "valueFrom") != nullptr;
}

std::string_view EnvVarView::valueFromKind() const {
  const json* valueFrom = objectAt(*var_, "valueFrom");
  if (!valueFrom) return "";
  for (std::string_view kind : {"secretKeyRef", "configMapKeyRef", "fieldRef", "resourceFieldRef"})
    if (member(*valueFrom, kind)) return kind;
  return "";
}

std::optional<ConfigRefView> EnvVarView::keyRef(ConfigObject kind) const {
  const json* valueFrom = objectAt(*var_, "valueFrom");
  if (!valueFrom) return std::nullopt;
  return refAt(*valueFrom, kind == ConfigObject::Secret ? "secretKeyRef" : "configMapKeyRef");
}

std::string EnvFromSourceView::prefix() const {
  return textAt(*source_, "prefix");
}

std::optional<ConfigRefView> EnvFromSourceView::ref(ConfigObject kind) const {
  return refAt(*source_, kind == ConfigObject::Secret ? "secretRef" : "configMapRef");
}

std::optional<std::string> VolumeView::name() const {
  return stringAt(*volume_, "name");
}

std::optional<ConfigRefView> VolumeView::source(ConfigObject kind) const {
  if (kind == ConfigObject::Secret) return refAt(*volume_, "secret", "secretName");
  return refAt(*volume_, "configMap");
}

std::vector<ConfigRefView> VolumeView::projectedSources(ConfigObject kind) const {
  std::vector<ConfigRefView> out;
  const json* projected = objectAt(*volume_, "projected");
  if (!projected) return out;
  const std::string_view key = kind == ConfigObject::Secret ? "secret" : "configMap";
  for (const json* source : objectsIn(*projected, "sources"))
    if (const json* ref = objectAt(*source, key)) out.emplace_back(*ref);
  return out;
}

}  // namespace rg::kube
