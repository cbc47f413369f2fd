#include "reconcilers/checks/check_text.hpp"

#include <nlohmann/json.hpp>

namespace rg::checks {

using nlohmann::json;

CheckResult noContainersResult() {
  return CheckResult::failed("pod template has no containers", "0/0");
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

std::string ratio(size_t compliant, size_t total) {
  return std::to_string(compliant) + "/" + std::to_string(total);
}

std::string countOf(size_t count, std::string_view noun) {
  return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

std::string quotedText(const std::string& text) {
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace rg::checks
