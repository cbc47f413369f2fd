#include "tests/support/strategic_merge_patch.hpp"

#include <algorithm>
#include <map>

#include "tests/support/api_errors.hpp"

namespace rg::testing {
namespace {

using json = nlohmann::json;

constexpr std::string_view kDirective = "$patch";
constexpr std::string_view kRetainKeys = "$retainKeys";
constexpr std::string_view kSetOrderPrefix = "$setElementOrder/";
constexpr std::string_view kDeleteFromPrefix = "$deleteFromPrimitiveList/";

json mergeMap(json original, json patch);

ListPatchMeta metaForList(const std::string& field, const json& a, const json& b) {
  json sample;
  for (const json* list : {&b, &a}) {
    if (list->is_array() && !list->empty()) {
      sample = list->front();
      break;
    }
  }
  return listPatchMeta(field, sample);
}

// Position of `item` in `list` compared by merge key (maps) or value (primitives); -1 if absent.
long indexOf(const json& list, const json& item, const std::string& mergeKey) {
  for (size_t i = 0; i < list.size(); ++i) {
    if (mergeKey.empty()) {
      if (list[i] == item) return static_cast<long>(i);
    } else if (list[i].is_object() && item.is_object() && list[i].contains(mergeKey) &&
               item.contains(mergeKey) && list[i][mergeKey] == item[mergeKey]) {
      return static_cast<long>(i);
    }
  }
  return -1;
}

// Sorts `items` by their position in `order`; items missing from `order` keep their place
// at the end (stable).
json sortByOrder(json items, const json& order, const std::string& mergeKey) {
  std::vector<json> v(items.begin(), items.end());
  std::stable_sort(v.begin(), v.end(), [&](const json& l, const json& r) {
    const long li = indexOf(order, l, mergeKey);
    const long ri = indexOf(order, r, mergeKey);
    if (li < 0) return false;
    if (ri < 0) return true;
    return li < ri;
  });
  return json(v);
}

// mergeSortedSlice from k8s.io/apimachinery strategicpatch: interleaves server-only items
// (left) into patch items (right), keeping the relative order of both lists.
json mergeSorted(const json& left, const json& right, const json& serverOrder,
                 const std::string& mergeKey) {
  json out = json::array();
  size_t i = 0, j = 0;
  while (i < left.size() || j < right.size()) {
    if (i >= left.size()) {
      out.push_back(right[j++]);
    } else if (j >= right.size()) {
      out.push_back(left[i++]);
    } else {
      const long li = indexOf(serverOrder, left[i], mergeKey);
      const long ri = indexOf(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) {
        out.push_back(left[i++]);
      } else {
        out.push_back(right[j++]);
      }
    }
  }
  return out;
}

// Orders a merged list: items named by `patchOrder` follow it, the others (server-only) keep
// the live order, both interleaved as the live list had them.
json normalizeOrder(const json& merged, const json& patchOrder, const json& serverOrder,
                    const std::string& mergeKey) {
  json patchItems = json::array();
  json serverOnly = json::array();
  for (const auto& item : merged) {
    (indexOf(patchOrder, item, mergeKey) >= 0 ? patchItems : serverOnly).push_back(item);
  }
  patchItems = sortByOrder(patchItems, patchOrder, mergeKey);
  serverOnly = sortByOrder(serverOnly, serverOrder, mergeKey);
  return mergeSorted(serverOnly, patchItems, serverOrder, mergeKey);
}

json dedupPrimitives(const json& items) {
  json out = json::array();
  for (const auto& v : items) {
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

// Merges a list of maps by key, handling "$patch: delete|replace" elements.
json mergeListOfMaps(json original, const json& patch, const std::string& mergeKey,
                     const std::string& field) {
  json plain = json::array();
  bool replace = false;
  for (const auto& element : patch) {
    if (!element.is_object()) {
      throw badRequest("invalid patch: list \"" + field + "\" mixes maps and other values");
    }
    auto directive = element.find(kDirective);
    if (directive == element.end()) {
      plain.push_back(element);
      continue;
    }
    const std::string d = directive->is_string() ? directive->get<std::string>() : "";
    if (d == "delete") {
      if (!element.contains(mergeKey)) {
        throw badRequest("map: " + element.dump() +
                         " does not contain declared merge key: " + mergeKey);
      }
      json kept = json::array();
      for (auto& o : original) {
        if (!(o.is_object() && o.contains(mergeKey) && o[mergeKey] == element[mergeKey])) {
          kept.push_back(std::move(o));
        }
      }
      original = std::move(kept);
    } else if (d == "replace") {
      replace = true;
    } else {
      throw badRequest("Unknown patch type: " + d + " in map: " + element.dump());
    }
  }
  if (replace) return plain;
  for (const auto& element : plain) {
    if (!element.contains(mergeKey)) {
      throw badRequest("map: " + element.dump() +
                       " does not contain declared merge key: " + mergeKey);
    }
    const long at = indexOf(original, element, mergeKey);
    if (at >= 0) {
      original[static_cast<size_t>(at)] = mergeMap(original[static_cast<size_t>(at)], element);
    } else {
      original.push_back(mergeMap(json::object(), element));
    }
  }
  return original;
}

json mergeList(const json& original, const json& patch, const std::string& field,
               const json* order) {
  const ListPatchMeta meta = metaForList(field, original, patch);
  if (!meta.merge) {
    // Replace; still strip directives nested in the new elements.
    json out = json::array();
    for (const auto& e : patch) out.push_back(e.is_object() ? mergeMap(json::object(), e) : e);
    return out;
  }
  const bool maps = (!patch.empty() && patch.front().is_object()) ||
                    (!original.empty() && original.front().is_object());
  json merged;
  if (!maps) {
    json both = original;
    for (const auto& v : patch) both.push_back(v);
    merged = dedupPrimitives(both);
  } else {
    if (meta.mergeKey.empty()) {
      throw badRequest("cannot merge lists without merge key for " + field);
    }
    merged = mergeListOfMaps(original, patch, meta.mergeKey, field);
    // "$patch: replace" results in exactly the patch list: no reordering against the original.
    for (const auto& e : patch) {
      if (e.is_object() && e.value(std::string(kDirective), "") == "replace") return merged;
    }
  }
  const std::string key = maps ? meta.mergeKey : "";
  json patchOrder = order ? *order : json::array();
  if (!order) {
    for (const auto& e : patch) {
      if (!(e.is_object() && e.contains(kDirective))) patchOrder.push_back(e);
    }
  }
  return normalizeOrder(merged, patchOrder, original, key);
}

json mergeMap(json original, json patch) {
  if (!original.is_object()) original = json::object();
  if (auto d = patch.find(kDirective); d != patch.end()) {
    const std::string directive = d->is_string() ? d->get<std::string>() : "";
    if (directive == "replace") {
      patch.erase(std::string(kDirective));
      return mergeMap(json::object(), patch);
    }
    if (directive == "delete") return json::object();
    throw badRequest("Unknown patch type: " + directive + " in map: " + patch.dump());
  }
  if (auto rk = patch.find(kRetainKeys); rk != patch.end()) {
    if (!rk->is_array()) throw badRequest("invalid patch: $retainKeys must be a list");
    for (auto it = original.begin(); it != original.end();) {
      if (std::find(rk->begin(), rk->end(), it.key()) == rk->end()) {
        it = original.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& [k, v] : patch.items()) {
      if (k.starts_with('$') || v.is_null()) continue;
      if (std::find(rk->begin(), rk->end(), k) == rk->end()) {
        throw unprocessable("The $retainKeys list must contain every key in the patch: missing " +
                            k);
      }
    }
    patch.erase(std::string(kRetainKeys));
  }
  // Collect $setElementOrder and $deleteFromPrimitiveList directives per field.
  std::map<std::string, json> orders;
  std::map<std::string, json> deletions;
  for (auto it = patch.begin(); it != patch.end();) {
    const std::string& k = it.key();
    if (k.starts_with(kSetOrderPrefix)) {
      if (!it->is_array()) throw badRequest("invalid patch: " + k + " must be a list");
      orders[k.substr(kSetOrderPrefix.size())] = *it;
      it = patch.erase(it);
    } else if (k.starts_with(kDeleteFromPrefix)) {
      if (!it->is_array()) throw badRequest("invalid patch: " + k + " must be a list");
      deletions[k.substr(kDeleteFromPrefix.size())] = *it;
      it = patch.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [field, values] : deletions) {
    auto o = original.find(field);
    if (o == original.end() || !o->is_array()) continue;
    json kept = json::array();
    for (const auto& v : *o) {
      if (std::find(values.begin(), values.end(), v) == values.end()) kept.push_back(v);
    }
    *o = kept;
  }
  for (const auto& [k, pv] : patch.items()) {
    if (k.starts_with('$')) throw badRequest("invalid patch: unknown directive " + k);
    if (pv.is_null()) {
      original.erase(k);
      continue;
    }
    auto o = original.find(k);
    const json* order = orders.count(k) ? &orders[k] : nullptr;
    if (pv.is_object()) {
      json merged = mergeMap(o != original.end() && o->is_object() ? *o : json::object(), pv);
      // "$patch: delete" on a nested map removes the field.
      if (pv.value(std::string(kDirective), "") == "delete") {
        original.erase(k);
      } else {
        original[k] = std::move(merged);
      }
    } else if (pv.is_array()) {
      original[k] =
          mergeList(o != original.end() && o->is_array() ? *o : json::array(), pv, k, order);
    } else {
      original[k] = pv;
    }
  }
  // A $setElementOrder without a patch list for its field only reorders the live list.
  for (const auto& [field, order] : orders) {
    if (patch.contains(field)) continue;
    auto o = original.find(field);
    if (o == original.end() || !o->is_array()) continue;
    const ListPatchMeta meta = metaForList(field, *o, order);
    const bool maps = !o->empty() && o->front().is_object();
    *o = normalizeOrder(*o, order, *o, maps ? meta.mergeKey : "");
  }
  return original;
}

}  // namespace

ListPatchMeta listPatchMeta(std::string_view field, const nlohmann::json& sample) {
  static const std::map<std::string, std::string, std::less<>> kByName = {
      {"containers", "name"},
      {"initContainers", "name"},
      {"ephemeralContainers", "name"},
      {"env", "name"},
      {"volumes", "name"},
      {"imagePullSecrets", "name"},
      {"volumeMounts", "mountPath"},
      {"volumeDevices", "devicePath"},
      {"conditions", "type"},
      {"ownerReferences", "uid"},
      {"hostAliases", "ip"},
      {"topologySpreadConstraints", "topologyKey"},
      {"resourceClaims", "name"},
      {"schedulingGates", "name"},
      {"secrets", "name"},
      {"taints", "key"},
  };
  if (field == "finalizers") return {true, ""};
  if (field == "ports") {
    if (sample.is_object() && !sample.contains("containerPort") && sample.contains("port")) {
      return {true, "port"};
    }
    return {true, "containerPort"};
  }
  if (auto it = kByName.find(field); it != kByName.end()) return {true, it->second};
  return {false, ""};
}

nlohmann::json strategicMergePatch(const nlohmann::json& original, const nlohmann::json& patch) {
  if (!patch.is_object()) throw badRequest("invalid JSON document: the patch must be an object");
  return mergeMap(original, patch);
}

}  // namespace rg::testing
