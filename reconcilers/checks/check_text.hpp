#pragma once
// The wording the checks share in their messages and values.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "reconcilers/checks/check_result.hpp"

namespace rg::checks {

// What a container check finds on a pod template with no regular container.
CheckResult noContainersResult();

std::string join(const std::vector<std::string>& parts, std::string_view separator = "; ");
// "<compliant>/<total>"
std::string ratio(size_t compliant, size_t total);
// "1 container" / "2 containers"
std::string countOf(size_t count, std::string_view noun);
// A JSON-quoted string, safe for any bytes.
std::string quotedText(const std::string& text);

}  // namespace rg::checks
