#pragma once
// Parsing Kubernetes API URLs and query strings.
#include <map>
#include <string>
#include <string_view>

namespace rg::testing {

struct Route {
  enum Kind {
    Unknown,
    Version,        // /version
    Health,         // /healthz /livez /readyz
    CoreVersions,   // /api
    GroupList,      // /apis
    Group,          // /apis/<g>
    ResourceList,   // /api/v1, /apis/<g>/<v>
    OpenApiV3Root,  // /openapi/v3
    OpenApiV3Doc,   // /openapi/v3/api/v1, /openapi/v3/apis/<g>/<v>
    Resource,       // anything under a group version
  } kind = Unknown;
  std::string group;
  std::string version;
  std::string ns;
  std::string resource;
  std::string name;
  std::string subresource;
};

Route parseRoute(std::string_view path);

// Percent-decoding; `plusAsSpace` for query strings (Go encodes spaces as '+').
std::string percentDecode(std::string_view text, bool plusAsSpace);
std::map<std::string, std::string> parseQuery(std::string_view rawQuery);

}  // namespace rg::testing
