#pragma once
// The Kubernetes API semantics over the object store, shared by the HTTP front end and the
// direct C++ access tests use to seed and inspect state. Every method throws ApiError.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/hook_dispatcher.hpp"
#include "tests/support/object_store.hpp"
#include "tests/support/patches.hpp"
#include "tests/support/resource_registry.hpp"
#include "tests/support/resource_strategy.hpp"

namespace rg::testing {

enum class Subresource { None, Status };

struct WriteOptions {
  WriteOrigin origin = WriteOrigin::Api;
  bool dryRun = false;
};

struct DeleteOptions {
  std::string propagationPolicy;  // Orphan keeps dependents; anything else deletes them
  std::string preconditionUid;
  std::string preconditionResourceVersion;
  bool dryRun = false;
};

class ClusterState {
 public:
  explicit ClusterState(size_t historyLimit = 1000);
  ~ClusterState();
  ClusterState(const ClusterState&) = delete;
  ClusterState& operator=(const ClusterState&) = delete;

  ResourceRegistry& registry() { return registry_; }
  ObjectStore& store() { return store_; }

  // The resource serving `apiVersion`/`kind`; throws 404 when none.
  ResourceInfo resolve(const std::string& apiVersion, const std::string& kind) const;

  nlohmann::json get(const ResourceInfo& info, const std::string& ns,
                     const std::string& name) const;
  ObjectPtr find(const ResourceInfo& info, const std::string& ns, const std::string& name) const;

  nlohmann::json create(const ResourceInfo& info, const std::string& ns, nlohmann::json obj,
                        const WriteOptions& options = {});
  // PUT. A non-empty metadata.resourceVersion in `obj` must match (409 otherwise).
  nlohmann::json update(const ResourceInfo& info, const std::string& ns, const std::string& name,
                        nlohmann::json obj, Subresource sub, const WriteOptions& options = {});

  struct PatchResult {
    nlohmann::json object;
    bool created = false;
  };
  PatchResult patch(const ResourceInfo& info, const std::string& ns, const std::string& name,
                    PatchType type, const nlohmann::json& patch, Subresource sub,
                    const WriteOptions& options = {});

  // Atomic read-modify-write of the whole object (spec and status) for tests.
  nlohmann::json mutate(const ResourceInfo& info, const std::string& ns, const std::string& name,
                        const std::function<void(nlohmann::json&)>& fn);

  // Returns the deleted object, or the object marked for deletion when finalizers remain.
  nlohmann::json remove(const ResourceInfo& info, const std::string& ns, const std::string& name,
                        const DeleteOptions& options = {});

  int addHook(HookDispatcher::Hook hook) { return hooks_.add(std::move(hook)); }
  void removeHook(int id) { hooks_.remove(id); }
  void waitForHooks() { hooks_.waitIdle(); }
  void stopHooks() { hooks_.stop(); }

 private:
  // What a write turned into, to run side effects outside the store lock.
  struct Outcome {
    ObjectPtr object;
    bool removed = false;
    bool changed = false;
  };
  Outcome write(const ResourceInfo& info, const std::string& ns, const std::string& name,
                const std::function<nlohmann::json(const ObjectPtr&)>& next, bool dryRun);
  void afterWrite(const ResourceInfo& info, const Outcome& outcome,
                  const std::string& propagationPolicy);
  void collectGarbage(const std::string& ownerUid, const std::string& propagationPolicy);
  void onCrdChanged(const nlohmann::json& crd, bool removed);
  std::optional<ResourceInfo> infoForStorageKey(const std::string& storageKey) const;

  ResourceRegistry registry_;
  ObjectStore store_;
  HookDispatcher hooks_;
};

}  // namespace rg::testing
