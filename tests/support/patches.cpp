#include "tests/support/patches.hpp"

#include "tests/support/api_errors.hpp"
#include "tests/support/strategic_merge_patch.hpp"
#include "tests/support/yaml_json.hpp"

namespace rg::testing {

std::optional<PatchType> patchTypeFromContentType(std::string_view contentType) {
  const auto semi = contentType.find(';');
  std::string_view base = contentType.substr(0, semi);
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  if (base == "application/merge-patch+json") return PatchType::Merge;
  if (base == "application/json-patch+json") return PatchType::Json;
  if (base == "application/strategic-merge-patch+json") return PatchType::Strategic;
  if (base == "application/apply-patch+yaml" || base == "application/apply-patch+cbor") {
    return PatchType::Apply;
  }
  return std::nullopt;
}

std::string contentTypeOf(PatchType type) {
  switch (type) {
    case PatchType::Merge:
      return "application/merge-patch+json";
    case PatchType::Json:
      return "application/json-patch+json";
    case PatchType::Strategic:
      return "application/strategic-merge-patch+json";
    case PatchType::Apply:
      return "application/apply-patch+yaml";
  }
  return "";
}

nlohmann::json parsePatchBody(PatchType type, const std::string& body) {
  if (type == PatchType::Apply) {
    auto doc = yamlToJson(body);
    if (!doc.is_object())
      throw badRequest("error decoding YAML: the apply patch must be an object");
    return doc;
  }
  try {
    auto doc = nlohmann::json::parse(body);
    if (type == PatchType::Json && !doc.is_array()) {
      throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
    }
    if (type != PatchType::Json && !doc.is_object()) {
      throw badRequest("json: cannot unmarshal into Go value of type map[string]interface {}");
    }
    return doc;
  } catch (const nlohmann::json::parse_error& e) {
    throw badRequest(std::string("error decoding patch: ") + e.what());
  }
}

nlohmann::json applyPatch(PatchType type, const nlohmann::json& current,
                          const nlohmann::json& patch) {
  switch (type) {
    case PatchType::Merge: {
      nlohmann::json result = current;
      result.merge_patch(patch);
      return result;
    }
    case PatchType::Json:
      try {
        return current.patch(patch);
      } catch (const nlohmann::json::exception& e) {
        throw unprocessable(std::string("the server rejected our request due to an error in our "
                                        "request: ") +
                            e.what());
      }
    case PatchType::Strategic:
    case PatchType::Apply:
      // Server-side apply approximated by a strategic merge of the applied configuration:
      // lists with merge keys merge by key, the rest replaces (no field ownership tracking).
      return strategicMergePatch(current, patch);
  }
  return current;
}

}  // namespace rg::testing
