#include "reconcilers/offline/yaml_documents.hpp"

#include <yaml-cpp/yaml.h>

#include <regex>
#include <sstream>
#include <stdexcept>

namespace rg::offline {
namespace {

using nlohmann::json;

constexpr const char* kStrTag = "tag:yaml.org,2002:str";

json plainScalar(const std::string& s) {
  static const std::regex kNull("^(~|null|Null|NULL|)$");
  static const std::regex kTrue("^(y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$");
  static const std::regex kFalse("^(n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$");
  static const std::regex kInt("^[-+]?(0|[1-9][0-9_]*)$");
  static const std::regex kHex("^0x[0-9a-fA-F_]+$");
  static const std::regex kFloat(R"(^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$)");
  static const std::regex kInf(R"(^[-+]?\.(inf|Inf|INF)$)");
  if (std::regex_match(s, kNull)) return nullptr;
  if (std::regex_match(s, kTrue)) return true;
  if (std::regex_match(s, kFalse)) return false;
  std::string digits = s;
  std::erase(digits, '_');
  try {
    if (std::regex_match(s, kInt)) {
      size_t used = 0;
      long long v = std::stoll(digits, &used, 10);
      return v;
    }
    if (std::regex_match(s, kHex)) return std::stoll(digits, nullptr, 16);
    if (std::regex_match(s, kFloat)) return std::stod(digits);
  } catch (const std::out_of_range&) {
    // An integer beyond int64 becomes a float, as in Kubernetes' decoder.
    return std::stod(digits);
  }
  if (std::regex_match(s, kInf)) return s[0] == '-' ? -1e308 * 10 : 1e308 * 10;
  return s;
}

json convert(const YAML::Node& node, int depth);

void mergeInto(json& target, const json& source) {
  if (!source.is_object()) throw std::runtime_error("merge key (<<) must refer to a mapping");
  for (const auto& [key, value] : source.items())
    if (!target.contains(key)) target[key] = value;
}

json convertMap(const YAML::Node& node, int depth) {
  json out = json::object();
  std::vector<json> merges;
  for (const auto& entry : node) {
    const YAML::Node& keyNode = entry.first;
    if (!keyNode.IsScalar()) throw std::runtime_error("mapping keys must be scalars");
    const std::string& key = keyNode.Scalar();
    if (key == "<<" && keyNode.Tag() != "!") {
      merges.push_back(convert(entry.second, depth + 1));
      continue;
    }
    out[key] = convert(entry.second, depth + 1);
  }
  // Explicit keys win over merged ones; earlier merge sources win over later ones.
  for (const auto& merged : merges) {
    if (merged.is_array())
      for (const auto& item : merged) mergeInto(out, item);
    else
      mergeInto(out, merged);
  }
  return out;
}

json convert(const YAML::Node& node, int depth) {
  // Bounds recursion for hostile input (deeply nested or alias-expanded trees).
  if (depth > 200) throw std::runtime_error("document nested too deeply");
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      if (node.Tag() == "!" || node.Tag() == kStrTag) return node.Scalar();
      return plainScalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(convert(item, depth + 1));
      return out;
    }
    case YAML::NodeType::Map:
      return convertMap(node, depth);
  }
  return nullptr;
}

bool isSeparator(const std::string& line) {
  if (!line.starts_with("---")) return false;
  return line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r';
}

}  // namespace

json yamlToJson(const std::string& text) {
  try {
    return convert(YAML::Load(text), 0);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(e.what());
  }
}

std::vector<Document> parseDocuments(const std::string& text) {
  std::vector<Document> out;
  std::istringstream in(text);
  std::string line;
  std::string current;
  int lineNumber = 0;
  int start = 1;
  bool sawContent = false;
  auto flush = [&] {
    Document doc;
    doc.index = static_cast<int>(out.size());
    doc.firstLine = start;
    try {
      auto converted = convert(YAML::Load(current), 0);
      if (!converted.is_null()) doc.object = std::move(converted);
    } catch (const YAML::Exception& e) {
      doc.error = "line " + std::to_string(start + e.mark.line) + ": " + e.msg;
    } catch (const std::exception& e) {
      doc.error = e.what();
    }
    out.push_back(std::move(doc));
  };
  while (std::getline(in, line)) {
    ++lineNumber;
    if (isSeparator(line)) {
      if (sawContent) flush();
      current.clear();
      sawContent = false;
      start = lineNumber + 1;
      // Text after the marker on the same line belongs to the document ("--- {a: 1}").
      std::string rest = line.substr(3);
      if (rest.find_first_not_of(" \t\r") != std::string::npos) {
        current = rest + "\n";
        sawContent = true;
      }
      continue;
    }
    current += line + "\n";
    auto firstNonBlank = line.find_first_not_of(" \t\r");
    if (firstNonBlank != std::string::npos && line[firstNonBlank] != '#') sawContent = true;
  }
  if (sawContent) flush();
  return out;
}

}  // namespace rg::offline
