#include "reconcilers/offline/manifest_set.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "kube/json_fields.hpp"
#include "kube/object_views.hpp"
#include "reconcilers/offline/yaml_documents.hpp"
#include "reconcilers/spec/spec_parser.hpp"

namespace rg::offline {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool isManifestFile(const fs::path& path) {
  auto ext = path.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// True when `object` names `owner` (kind/name) as its controller.
bool ownedBy(const json& object, const std::string& kind, const std::string& name) {
  const json* metadata = kube::objectAt(object, "metadata");
  if (!metadata) return false;
  const auto refs = kube::objectsIn(*metadata, "ownerReferences");
  return std::any_of(refs.begin(), refs.end(), [&](const json* ref) {
    return kube::textAt(*ref, "kind") == kind && kube::textAt(*ref, "name") == name;
  });
}

}  // namespace

std::string ManifestSet::namespaceOf(const json& object) const {
  auto meta = object.find("metadata");
  if (meta != object.end() && meta->is_object()) {
    auto ns = meta->find("namespace");
    if (ns != meta->end() && ns->is_string() && !ns->get_ref<const std::string&>().empty())
      return ns->get<std::string>();
  }
  return defaultNamespace_;
}

void ManifestSet::addPath(const std::string& path) {
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    errors_.push_back({{path, -1}, "no such file or directory"});
    return;
  }
  std::vector<fs::path> files;
  if (fs::is_directory(status)) {
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      if (it->is_regular_file(ec) && isManifestFile(it->path())) files.push_back(it->path());
    }
    if (ec) errors_.push_back({{path, -1}, "cannot read folder: " + ec.message()});
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      errors_.push_back({{file.string(), -1}, "cannot open file"});
      continue;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    addText(buffer.str(), file.string());
  }
}

void ManifestSet::addText(const std::string& text, const std::string& file) {
  if (file.ends_with(".json")) {
    // JSON is parsed exactly as JSON; one document per file.
    try {
      addObject(json::parse(text), {file, 0});
    } catch (const json::parse_error& e) {
      errors_.push_back({{file, 0}, std::string("invalid JSON: ") + e.what()});
    }
    return;
  }
  for (auto& doc : parseDocuments(text)) {
    Source source{file, doc.index};
    if (!doc.error.empty()) {
      errors_.push_back({source, "invalid YAML: " + doc.error});
      continue;
    }
    if (doc.object) addObject(std::move(*doc.object), source);
  }
}

void ManifestSet::addObject(json object, const Source& source) {
  if (!object.is_object()) {
    errors_.push_back(
        {source, "a Kubernetes object must be a mapping, got " + std::string(object.type_name())});
    return;
  }
  std::string kind = kube::textAt(object, "kind");
  if (kind.empty() || !object.contains("apiVersion")) {
    errors_.push_back({source, "object has no kind or apiVersion"});
    return;
  }
  if (kind == "List") {
    // `kubectl get -o yaml` output: the items are the objects.
    auto items = object.find("items");
    if (items != object.end() && items->is_array())
      for (auto& item : *items) addObject(std::move(item), source);
    return;
  }
  std::string ns = namespaceOf(object);
  if (kind == kGateKind) {
    gates_.push_back({source, std::move(object)});
  } else if (kind == "Deployment") {
    std::string key = ns + "/" + kube::ObjectMetaView(object).name();
    deployments_[key] = std::move(object);
  } else if (kind == "ReplicaSet") {
    replicaSets_[ns].push_back(std::move(object));
  } else if (kind == "Pod") {
    pods_[ns].push_back(std::move(object));
  } else if (kind == "Secret") {
    secrets_[ns].add(object);
  } else if (kind == "ConfigMap") {
    configMaps_[ns].add(object);
  }
}

std::optional<Workload> ManifestSet::workload(const std::string& ns,
                                              const std::string& name) const {
  auto it = deployments_.find(ns + "/" + name);
  if (it == deployments_.end()) return std::nullopt;
  Workload out;
  out.now = std::chrono::system_clock::now();
  out.deployment = it->second;
  std::set<std::string> replicaSetNames;
  if (auto rs = replicaSets_.find(ns); rs != replicaSets_.end()) {
    for (const auto& replicaSet : rs->second) {
      if (!ownedBy(replicaSet, "Deployment", name)) continue;
      replicaSetNames.insert(kube::ObjectMetaView(replicaSet).name());
      out.replicaSets.push_back(replicaSet);
    }
  }
  if (auto pods = pods_.find(ns); pods != pods_.end()) {
    for (const auto& pod : pods->second) {
      for (const auto& rsName : replicaSetNames) {
        if (ownedBy(pod, "ReplicaSet", rsName)) {
          out.pods.push_back(pod);
          break;
        }
      }
    }
  }
  if (auto s = secrets_.find(ns); s != secrets_.end()) out.secrets = s->second;
  if (auto c = configMaps_.find(ns); c != configMaps_.end()) out.configMaps = c->second;
  return out;
}

}  // namespace rg::offline
