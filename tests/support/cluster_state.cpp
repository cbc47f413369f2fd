#include "tests/support/cluster_state.hpp"

#include "tests/support/api_errors.hpp"
#include "tests/support/k8s_util.hpp"

namespace rg::testing {
namespace {

using json = nlohmann::json;

bool isCrd(const ResourceInfo& info) {
  return info.group == "apiextensions.k8s.io" && info.plural == "customresourcedefinitions";
}

bool isNamespace(const ResourceInfo& info) {
  return info.group.empty() && info.plural == "namespaces";
}

std::string metaString(const json& obj, const char* field) {
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return "";
  auto it = m->find(field);
  return it != m->end() && it->is_string() ? it->get<std::string>() : "";
}

bool terminatingWithoutFinalizers(const json& obj) {
  const auto& meta = obj.value("metadata", json::object());
  if (!meta.contains("deletionTimestamp") || meta["deletionTimestamp"].is_null()) return false;
  auto f = meta.find("finalizers");
  return f == meta.end() || !f->is_array() || f->empty();
}

bool hasFinalizers(const json& obj) {
  const auto f = obj.value("/metadata/finalizers"_json_pointer, json::array());
  return f.is_array() && !f.empty();
}

}  // namespace

ClusterState::ClusterState(size_t historyLimit) : store_(historyLimit) {
  store_.setCommitListener([this](const StoreEvent& event) { hooks_.enqueue(event); });
  const auto nsInfo = *registry_.find("", "v1", "namespaces");
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    create(nsInfo, "", json{{"metadata", {{"name", ns}}}});
  }
}

ClusterState::~ClusterState() {
  store_.setCommitListener(nullptr);
  hooks_.stop();
}

ResourceInfo ClusterState::resolve(const std::string& apiVersion, const std::string& kind) const {
  if (auto info = registry_.findByKind(apiVersion, kind)) return *info;
  throw ApiError(
      404, "NotFound",
      "the server could not find the requested resource (kind " + kind + " in " + apiVersion + ")");
}

ObjectPtr ClusterState::find(const ResourceInfo& info, const std::string& ns,
                             const std::string& name) const {
  return store_.get(info.storageKey(), info.namespaced ? ns : "", name);
}

json ClusterState::get(const ResourceInfo& info, const std::string& ns,
                       const std::string& name) const {
  auto obj = find(info, ns, name);
  if (!obj) throw notFound(info.group, info.plural, name);
  return *obj;
}

ClusterState::Outcome ClusterState::write(const ResourceInfo& info, const std::string& ns,
                                          const std::string& name,
                                          const std::function<json(const ObjectPtr&)>& next,
                                          bool dryRun) {
  Outcome outcome;
  auto result = store_.mutate(
      info.storageKey(), info.namespaced ? ns : "", name,
      [&](const ObjectPtr& current) {
        ObjectStore::Change change;
        json obj = next(current);
        if (obj.is_null()) {
          // null: remove; the object itself: nothing to do.
          change.kind = current ? ObjectStore::Change::Remove : ObjectStore::Change::Keep;
        } else if (current && sameContent(*current, obj)) {
          change.kind = ObjectStore::Change::Keep;
        } else if (terminatingWithoutFinalizers(obj)) {
          change.kind = ObjectStore::Change::Remove;
        } else {
          change.kind = ObjectStore::Change::Put;
          change.object = std::move(obj);
        }
        outcome.removed = change.kind == ObjectStore::Change::Remove;
        return change;
      },
      dryRun);
  outcome.object = result.object;
  outcome.changed = result.changed;
  outcome.removed = outcome.removed && result.changed;
  return outcome;
}

void ClusterState::afterWrite(const ResourceInfo& info, const Outcome& outcome,
                              const std::string& propagationPolicy) {
  if (!outcome.changed || !outcome.object) return;
  if (isCrd(info)) onCrdChanged(*outcome.object, outcome.removed);
  if (!outcome.removed) return;
  if (isNamespace(info)) {
    const std::string ns = metaString(*outcome.object, "name");
    for (const auto& key : store_.objectsInNamespace(ns)) {
      if (auto dep = infoForStorageKey(key.storageKey)) {
        try {
          remove(*dep, key.ns, key.name, DeleteOptions{"Background", "", "", false});
        } catch (const ApiError&) {
          // Already gone.
        }
      }
    }
  }
  collectGarbage(metaString(*outcome.object, "uid"), propagationPolicy);
}

void ClusterState::collectGarbage(const std::string& ownerUid,
                                  const std::string& propagationPolicy) {
  if (ownerUid.empty()) return;
  for (const auto& key : store_.dependentsOf(ownerUid)) {
    auto dep = infoForStorageKey(key.storageKey);
    if (!dep) continue;
    try {
      if (propagationPolicy == "Orphan") {
        mutate(*dep, key.ns, key.name, [&](json& obj) {
          auto& refs = obj["metadata"]["ownerReferences"];
          json kept = json::array();
          for (const auto& r : refs) {
            if (r.value("uid", "") != ownerUid) kept.push_back(r);
          }
          if (kept.empty()) {
            obj["metadata"].erase("ownerReferences");
          } else {
            refs = kept;
          }
        });
      } else {
        remove(*dep, key.ns, key.name, DeleteOptions{"Background", "", "", false});
      }
    } catch (const ApiError&) {
      // Deleted concurrently.
    }
  }
}

void ClusterState::onCrdChanged(const json& crd, bool removed) {
  std::vector<ResourceInfo> infos;
  try {
    infos = ResourceRegistry::fromCrd(crd);
  } catch (const ApiError&) {
    return;
  }
  if (infos.empty()) return;
  const std::string group = infos.front().group;
  const std::string plural = infos.front().plural;
  registry_.remove(group, plural);
  if (!removed) {
    for (const auto& info : infos) registry_.add(info);
    return;
  }
  // Deleting a CRD deletes its instances.
  const auto snapshot = store_.list(group + "/" + plural, "");
  for (const auto& obj : snapshot.items) {
    store_.mutate(group + "/" + plural, metaString(*obj, "namespace"), metaString(*obj, "name"),
                  [](const ObjectPtr&) {
                    return ObjectStore::Change{ObjectStore::Change::Remove, {}};
                  });
  }
}

std::optional<ResourceInfo> ClusterState::infoForStorageKey(const std::string& storageKey) const {
  for (const auto& info : registry_.all()) {
    if (info.storageKey() == storageKey) return info;
  }
  return std::nullopt;
}

json ClusterState::create(const ResourceInfo& info, const std::string& ns, json obj,
                          const WriteOptions& options) {
  prepareForCreate(info, obj, ns, options.origin);
  if (isCrd(info)) {
    ResourceRegistry::fromCrd(obj);  // validates
    setCrdAcceptedStatus(obj);
  }
  const std::string name = metaString(obj, "name");
  const std::string objNs = metaString(obj, "namespace");
  auto outcome = write(
      info, objNs, name,
      [&](const ObjectPtr& current) -> json {
        if (current) throw alreadyExists(info.group, info.plural, name);
        return obj;
      },
      options.dryRun);
  if (!options.dryRun) afterWrite(info, outcome, "");
  return *outcome.object;
}

json ClusterState::update(const ResourceInfo& info, const std::string& ns, const std::string& name,
                          json obj, Subresource sub, const WriteOptions& options) {
  if (sub == Subresource::Status && !info.hasStatus) {
    throw ApiError(404, "NotFound", "the server could not find the requested resource");
  }
  auto outcome = write(
      info, ns, name,
      [&](const ObjectPtr& current) -> json {
        if (!current) throw notFound(info.group, info.plural, name);
        if (!obj.is_object()) throw badRequest("the body of the request must be a JSON object");
        const std::string rv = metaString(obj, "resourceVersion");
        if (!rv.empty() && rv != metaString(*current, "resourceVersion")) {
          throw conflict(info.group, info.plural, name,
                         "the object has been modified; please apply your changes to the latest "
                         "version and try again");
        }
        const std::string uid = metaString(obj, "uid");
        if (!uid.empty() && uid != metaString(*current, "uid")) {
          throw conflict(info.group, info.plural, name,
                         "Precondition failed: UID in precondition: " + uid +
                             ", UID in object meta: " + metaString(*current, "uid"));
        }
        const UpdateScope scope = sub == Subresource::Status              ? UpdateScope::Status
                                  : options.origin == WriteOrigin::Direct ? UpdateScope::Whole
                                                                          : UpdateScope::Main;
        json next = prepareForUpdate(info, *current, obj, scope);
        if (isCrd(info) && scope != UpdateScope::Status) {
          ResourceRegistry::fromCrd(next);
          setCrdAcceptedStatus(next);
        }
        return next;
      },
      options.dryRun);
  if (!options.dryRun) afterWrite(info, outcome, "");
  return *outcome.object;
}

ClusterState::PatchResult ClusterState::patch(const ResourceInfo& info, const std::string& ns,
                                              const std::string& name, PatchType type,
                                              const json& patchDoc, Subresource sub,
                                              const WriteOptions& options) {
  if (sub == Subresource::Status && !info.hasStatus) {
    throw ApiError(404, "NotFound", "the server could not find the requested resource");
  }
  if (type == PatchType::Strategic && info.custom) {
    // Custom resources have no Go struct tags: the real API server refuses this patch type.
    throw unsupportedMediaType(contentTypeOf(type));
  }
  PatchResult result;
  auto outcome = write(
      info, ns, name,
      [&](const ObjectPtr& current) -> json {
        if (!current) {
          if (type != PatchType::Apply || sub == Subresource::Status) {
            throw notFound(info.group, info.plural, name);
          }
          json obj = applyPatch(type, json::object(), patchDoc);
          const std::string bodyName = metaString(obj, "name");
          if (!bodyName.empty() && bodyName != name) {
            throw badRequest("the name of the object (" + bodyName +
                             ") does not match the name on the URL (" + name + ")");
          }
          obj["metadata"]["name"] = name;
          prepareForCreate(info, obj, ns, options.origin);
          if (isCrd(info)) {
            ResourceRegistry::fromCrd(obj);
            setCrdAcceptedStatus(obj);
          }
          result.created = true;
          return obj;
        }
        json patched = applyPatch(type, *current, patchDoc);
        if (!patched.is_object()) throw unprocessable("the patch produced a non-object");
        const std::string rv = metaString(patched, "resourceVersion");
        if (!rv.empty() && rv != metaString(*current, "resourceVersion")) {
          throw conflict(info.group, info.plural, name,
                         "the object has been modified; please apply your changes to the latest "
                         "version and try again");
        }
        const UpdateScope scope = sub == Subresource::Status              ? UpdateScope::Status
                                  : options.origin == WriteOrigin::Direct ? UpdateScope::Whole
                                                                          : UpdateScope::Main;
        json next = prepareForUpdate(info, *current, patched, scope);
        if (isCrd(info) && scope != UpdateScope::Status) {
          ResourceRegistry::fromCrd(next);
          setCrdAcceptedStatus(next);
        }
        return next;
      },
      options.dryRun);
  if (!options.dryRun) afterWrite(info, outcome, "");
  result.object = *outcome.object;
  return result;
}

json ClusterState::mutate(const ResourceInfo& info, const std::string& ns, const std::string& name,
                          const std::function<void(json&)>& fn) {
  auto outcome = write(
      info, ns, name,
      [&](const ObjectPtr& current) -> json {
        if (!current) throw notFound(info.group, info.plural, name);
        json copy = *current;
        fn(copy);
        return prepareForUpdate(info, *current, std::move(copy), UpdateScope::Whole);
      },
      false);
  afterWrite(info, outcome, "");
  return *outcome.object;
}

json ClusterState::remove(const ResourceInfo& info, const std::string& ns, const std::string& name,
                          const DeleteOptions& options) {
  auto outcome = write(
      info, ns, name,
      [&](const ObjectPtr& current) -> json {
        if (!current) throw notFound(info.group, info.plural, name);
        if (!options.preconditionUid.empty() &&
            options.preconditionUid != metaString(*current, "uid")) {
          throw conflict(info.group, info.plural, name,
                         "Precondition failed: UID in precondition: " + options.preconditionUid +
                             ", UID in object meta: " + metaString(*current, "uid"));
        }
        if (!options.preconditionResourceVersion.empty() &&
            options.preconditionResourceVersion != metaString(*current, "resourceVersion")) {
          throw conflict(
              info.group, info.plural, name,
              "Precondition failed: ResourceVersion in precondition: " +
                  options.preconditionResourceVersion +
                  ", ResourceVersion in object meta: " + metaString(*current, "resourceVersion"));
        }
        if (hasFinalizers(*current)) {
          // Finalizers keep the object until their owners remove them.
          json marked = *current;
          auto& meta = marked["metadata"];
          if (!meta.contains("deletionTimestamp") || meta["deletionTimestamp"].is_null()) {
            meta["deletionTimestamp"] = nowRfc3339();
            meta["deletionGracePeriodSeconds"] = 0;
          }
          return marked;
        }
        return nullptr;
      },
      options.dryRun);
  if (!options.dryRun) afterWrite(info, outcome, options.propagationPolicy);
  return *outcome.object;
}

}  // namespace rg::testing
