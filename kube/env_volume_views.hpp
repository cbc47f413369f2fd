#pragma once
// Read-only views over the parts of a pod template that take values from Secrets and ConfigMaps:
// a container's env and envFrom entries and the pod's volumes. Same rules as the object views:
// a view holds a pointer into the object, and a missing or wrong-typed field is absent.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rg::kube {

// The two kinds of object a pod takes configuration from.
enum class ConfigObject { Secret, ConfigMap };

// A reference to one Secret or ConfigMap: env's secretKeyRef/configMapKeyRef, envFrom's
// secretRef/configMapRef, a secret or configMap volume, a projected volume's source.
class ConfigRefView {
 public:
  // `nameField` is where the object's name is: "name", or "secretName" for a secret volume.
  explicit ConfigRefView(const nlohmann::json& ref, std::string_view nameField = "name")
      : ref_(&ref), nameField_(nameField) {}

  // "" when absent.
  std::string name() const;
  // A key selector's key; "" when absent.
  std::string key() const;
  // items[].key of a volume or projected source, in order; "" for an item without one.
  std::vector<std::string> itemKeys() const;
  // True only for a JSON true.
  bool optional() const;

 private:
  const nlohmann::json* ref_;
  std::string_view nameField_;
};

// One env entry of a container.
class EnvVarView {
 public:
  explicit EnvVarView(const nlohmann::json& var) : var_(&var) {}

  // None when absent: an unnamed entry is not the same as one named "".
  std::optional<std::string> name() const;
  // The literal value; "" when absent.
  std::string value() const;
  // valueFrom is an object: the value comes from elsewhere and `value` does not count.
  bool hasValueFrom() const;
  // The first of secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef that valueFrom holds,
  // whatever its value; "" when none.
  std::string_view valueFromKind() const;
  // valueFrom.secretKeyRef or valueFrom.configMapKeyRef.
  std::optional<ConfigRefView> keyRef(ConfigObject kind) const;

 private:
  const nlohmann::json* var_;
};

// One envFrom entry of a container.
class EnvFromSourceView {
 public:
  explicit EnvFromSourceView(const nlohmann::json& source) : source_(&source) {}

  // "" when absent.
  std::string prefix() const;
  // secretRef or configMapRef.
  std::optional<ConfigRefView> ref(ConfigObject kind) const;

 private:
  const nlohmann::json* source_;
};

// One entry of a pod's volumes.
class VolumeView {
 public:
  explicit VolumeView(const nlohmann::json& volume) : volume_(&volume) {}

  // None when absent.
  std::optional<std::string> name() const;
  // A secret volume (named by secretName) or a configMap volume.
  std::optional<ConfigRefView> source(ConfigObject kind) const;
  // The secret or configMap sources of a projected volume, in order.
  std::vector<ConfigRefView> projectedSources(ConfigObject kind) const;

 private:
  const nlohmann::json* volume_;
};

}  // namespace rg::kube
