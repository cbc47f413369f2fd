#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_targets.hpp"

namespace rg::fuzz {

void violated(const char* target, const std::string& what) {
  std::fprintf(stderr, "%s: property violated: %s\n", target, what.c_str());
  std::abort();
}

void requireJsonText(const char* target, const std::string& text) {
  try {
    (void)nlohmann::json(text).dump();
  } catch (const nlohmann::json::exception& e) {
    violated(target, std::string("text is not valid UTF-8 (") + e.what() + ")");
  }
}

}  // namespace rg::fuzz
