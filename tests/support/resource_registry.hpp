#pragma once
// The resource types the test API server serves (built-ins plus CRD-defined ones).
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace rg::testing {

// apiextensions.k8s.io/v1 CustomResourceColumnDefinition.
struct PrinterColumn {
  std::string name;
  std::string type;  // string, integer, number, boolean, date
  std::string format;
  std::string description;
  std::string jsonPath;
  int priority = 0;
};

struct ResourceInfo {
  std::string group;  // "" for core
  std::string version;
  std::string kind;
  std::string plural;
  std::string singular;
  bool namespaced = true;
  bool hasStatus = false;
  std::vector<std::string> shortNames;
  std::vector<std::string> categories;
  std::vector<PrinterColumn> printerColumns;  // from a CRD; empty for built-ins
  // Served from a CRD: list items carry apiVersion/kind and strategic merge patch is refused,
  // as on a real cluster.
  bool custom = false;
  std::string listKind;  // defaults to kind + "List"

  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  // Objects are stored per group and plural, so every version of a CRD shares them.
  std::string storageKey() const { return group + "/" + plural; }
  std::string effectiveListKind() const { return listKind.empty() ? kind + "List" : listKind; }
};

class ResourceRegistry {
 public:
  ResourceRegistry();

  // Adds or replaces (same group, version, plural).
  void add(const ResourceInfo& info);
  // Removes every version of group/plural.
  void remove(const std::string& group, const std::string& plural);

  std::optional<ResourceInfo> find(const std::string& group, const std::string& version,
                                   const std::string& plural) const;
  std::optional<ResourceInfo> findByKind(const std::string& apiVersion,
                                         const std::string& kind) const;
  std::vector<ResourceInfo> all() const;
  // Group names in registration order (core "" first).
  std::vector<std::string> groups() const;
  // Versions served for a group, preferred first.
  std::vector<std::string> versions(const std::string& group) const;

  static std::vector<ResourceInfo> builtins();
  // One ResourceInfo per served version of an apiextensions.k8s.io/v1 CRD.
  // Throws ApiError (422) when the CRD cannot be served.
  static std::vector<ResourceInfo> fromCrd(const nlohmann::json& crd);

 private:
  mutable std::mutex mu_;
  std::vector<ResourceInfo> resources_;
};

}  // namespace rg::testing
