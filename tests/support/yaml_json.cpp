#include "tests/support/yaml_json.hpp"

#include <cstdlib>
#include <initializer_list>
#include <string_view>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "tests/support/api_errors.hpp"

namespace rg::testing {
namespace {

using json = nlohmann::json;

bool oneOf(const std::string& text, std::initializer_list<std::string_view> words) {
  for (auto w : words) {
    if (text == w) return true;
  }
  return false;
}

// Digits (and '_' separators, as YAML 1.1 allows) from `from` to the end, at least one digit.
bool digitsFrom(const std::string& text, size_t from, bool (*isDigit)(char)) {
  bool any = false;
  for (size_t i = from; i < text.size(); ++i) {
    if (text[i] == '_') continue;
    if (!isDigit(text[i])) return false;
    any = true;
  }
  return any;
}

bool isDecimal(char c) {
  return c >= '0' && c <= '9';
}
bool isOctal(char c) {
  return c >= '0' && c <= '7';
}
bool isHex(char c) {
  return isDecimal(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string withoutSeparators(std::string s) {
  std::erase(s, '_');
  return s;
}

json scalarToJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  // Quoted or explicitly tagged "!!str" scalars keep their text.
  if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return text;
  if (text.empty() || oneOf(text, {"~", "null", "Null", "NULL"})) return nullptr;
  if (oneOf(text, {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})) {
    return true;
  }
  if (oneOf(text, {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})) {
    return false;
  }
  const size_t sign = (text[0] == '-' || text[0] == '+') ? 1 : 0;
  try {
    if (text.size() > sign + 2 && text.compare(sign, 2, "0x") == 0 &&
        digitsFrom(text, sign + 2, isHex)) {
      const long long v = std::stoll(withoutSeparators(text.substr(sign + 2)), nullptr, 16);
      return text[0] == '-' ? -v : v;
    }
    if (text.size() > sign + 1 && text[sign] == '0' && digitsFrom(text, sign + 1, isOctal)) {
      const long long v = std::stoll(withoutSeparators(text.substr(sign + 1)), nullptr, 8);
      return text[0] == '-' ? -v : v;
    }
    if (digitsFrom(text, sign, isDecimal) && text[sign] != '_') {
      return std::stoll(withoutSeparators(text));
    }
    // Floats: digits with a '.' or an exponent, fully consumed by strtod.
    if (text.find_first_not_of("0123456789+-.eE_") == std::string::npos &&
        text.find_first_of("0123456789") != std::string::npos &&
        text.find_first_of(".eE") != std::string::npos) {
      const std::string plain = withoutSeparators(text);
      char* end = nullptr;
      const double v = std::strtod(plain.c_str(), &end);
      if (end == plain.c_str() + plain.size()) return v;
    }
  } catch (const std::out_of_range&) {
    return text;
  }
  return text;
}

json toJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return scalarToJson(node);
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(toJson(item));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = toJson(kv.second);
      return out;
    }
  }
  return nullptr;
}

}  // namespace

nlohmann::json yamlToJson(const std::string& text) {
  try {
    return toJson(YAML::Load(text));
  } catch (const YAML::Exception& e) {
    throw badRequest(std::string("error converting YAML to JSON: ") + e.what());
  }
}

std::vector<nlohmann::json> yamlDocumentsToJson(const std::string& text) {
  std::vector<nlohmann::json> out;
  try {
    for (const auto& doc : YAML::LoadAll(text)) {
      json j = toJson(doc);
      if (!j.is_null()) out.push_back(std::move(j));
    }
  } catch (const YAML::Exception& e) {
    throw badRequest(std::string("error converting YAML to JSON: ") + e.what());
  }
  return out;
}

}  // namespace rg::testing
