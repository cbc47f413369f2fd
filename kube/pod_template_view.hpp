#pragma once
// Read-only views over a pod template (a Deployment's or ReplicaSet's spec.template) and its
// containers. Same rules as the object views: a view holds a pointer into the object, which must
// outlive it, and a missing or wrong-typed field is absent ("" for text, none or false otherwise).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/env_volume_views.hpp"

namespace rg::kube {

// A pod's or a container's securityContext; an absent context has nothing set.
class SecurityContextView {
 public:
  explicit SecurityContextView(const nlohmann::json* context) : context_(context) {}

  std::optional<int64_t> runAsUser() const;
  std::optional<bool> runAsNonRoot() const;
  // Container contexts only; true only for a JSON true.
  bool privileged() const;
  bool readOnlyRootFilesystem() const;

 private:
  const nlohmann::json* context_;
};

class ContainerView {
 public:
  // `index` is the container's place in its list (containers or initContainers).
  ContainerView(const nlohmann::json& container, size_t index, bool init)
      : container_(&container), index_(index), init_(init) {}

  // The name, or "[<index>]" when the manifest gives none.
  std::string name() const;
  bool init() const { return init_; }
  // "container api", "init container migrate": how findings name the container.
  std::string label() const;
  // "" when absent.
  std::string image() const;
  // readinessProbe, livenessProbe or startupProbe; null when absent.
  const nlohmann::json* probe(std::string_view field) const;
  // resources.requests / resources.limits of one resource (cpu, memory) as written: a string, or
  // the text of a bare number (YAML `cpu: 1`); none otherwise.
  std::optional<std::string> request(std::string_view resource) const;
  std::optional<std::string> limit(std::string_view resource) const;
  SecurityContextView securityContext() const;
  // The object entries of env and envFrom, in order.
  std::vector<EnvVarView> env() const;
  std::vector<EnvFromSourceView> envFrom() const;

 private:
  std::optional<std::string> quantityText(std::string_view section,
                                          std::string_view resource) const;

  const nlohmann::json* container_;
  size_t index_;
  bool init_;
};

class PodTemplateView {
 public:
  // A null or non-object template is absent: it has no labels, containers or volumes.
  explicit PodTemplateView(const nlohmann::json* podTemplate)
      : template_(podTemplate && podTemplate->is_object() ? podTemplate : nullptr) {}

  // metadata.labels; none when absent or not a string.
  std::optional<std::string> label(std::string_view key) const;
  // The template's pod-template-hash label; "" when absent.
  std::string podTemplateHash() const;
  // The object entries of initContainers (when asked) then containers: the order the kubelet
  // starts them in.
  std::vector<ContainerView> containers(bool includeInit) const;
  // A pod needs at least one regular container; init containers alone do not count.
  bool hasContainers() const;
  // The pod's securityContext, which container contexts override field by field.
  SecurityContextView securityContext() const;
  // The object entries of volumes, in order.
  std::vector<VolumeView> volumes() const;

 private:
  // spec, or null.
  const nlohmann::json* spec() const;

  const nlohmann::json* template_;
};

}  // namespace rg::kube
