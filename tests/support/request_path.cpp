#include "tests/support/request_path.hpp"

#include <vector>

namespace rg::testing {
namespace {

std::vector<std::string> splitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = i;
    while (j < path.size() && path[j] != '/') ++j;
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percentDecode(std::string_view text, bool plusAsSpace) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 &&
        hexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2]));
      i += 2;
    } else if (c == '+' && plusAsSpace) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::map<std::string, std::string> parseQuery(std::string_view rawQuery) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while (i <= rawQuery.size() && !rawQuery.empty()) {
    size_t amp = rawQuery.find('&', i);
    if (amp == std::string_view::npos) amp = rawQuery.size();
    std::string_view pair = rawQuery.substr(i, amp - i);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      const std::string key = percentDecode(pair.substr(0, eq), true);
      const std::string value =
          eq == std::string_view::npos ? "" : percentDecode(pair.substr(eq + 1), true);
      out[key] = value;
    }
    if (amp >= rawQuery.size()) break;
    i = amp + 1;
  }
  return out;
}

Route parseRoute(std::string_view path) {
  Route r;
  const auto s = splitPath(path);
  if (s.empty()) return r;
  if (s.size() == 1 && s[0] == "version") {
    r.kind = Route::Version;
    return r;
  }
  if (s[0] == "healthz" || s[0] == "livez" || s[0] == "readyz") {
    r.kind = Route::Health;
    return r;
  }
  if (s[0] == "openapi" && s.size() >= 2 && s[1] == "v3") {
    if (s.size() == 2) {
      r.kind = Route::OpenApiV3Root;
    } else if (s.size() == 4 && s[2] == "api") {
      r.kind = Route::OpenApiV3Doc;
      r.version = s[3];
    } else if (s.size() == 5 && s[2] == "apis") {
      r.kind = Route::OpenApiV3Doc;
      r.group = s[3];
      r.version = s[4];
    }
    return r;
  }
  size_t at = 0;
  if (s[0] == "api") {
    if (s.size() == 1) {
      r.kind = Route::CoreVersions;
      return r;
    }
    r.version = s[1];
    at = 2;
  } else if (s[0] == "apis") {
    if (s.size() == 1) {
      r.kind = Route::GroupList;
      return r;
    }
    r.group = s[1];
    if (s.size() == 2) {
      r.kind = Route::Group;
      return r;
    }
    r.version = s[2];
    at = 3;
  } else {
    return r;
  }
  std::vector<std::string> rest(s.begin() + static_cast<long>(at), s.end());
  if (rest.empty()) {
    r.kind = Route::ResourceList;
    return r;
  }
  r.kind = Route::Resource;
  // namespaces/<ns>/<resource>[/<name>[/<subresource>]], except the namespace's own
  // subresources (namespaces/<ns>/status, namespaces/<ns>/finalize).
  if (rest[0] == "namespaces" && rest.size() >= 3 &&
      !(rest.size() == 3 && (rest[2] == "status" || rest[2] == "finalize"))) {
    r.ns = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  if (rest.size() > 3) {
    r.kind = Route::Unknown;
    return r;
  }
  r.resource = rest[0];
  if (rest.size() >= 2) r.name = rest[1];
  if (rest.size() == 3) r.subresource = rest[2];
  return r;
}

}  // namespace rg::testing
