#include "reconcilers/checks/http_check.hpp"

#include <set>

#include "reconcilers/checks/spec_rules.hpp"
#include "reconcilers/spec_reader.hpp"

namespace rg {
namespace {

using nlohmann::json;

constexpr const char* kHttpFields[] = {"url", "method", "expectedStatus", "bodyContains",
                                       "timeout"};

HttpCheck parseHttp(SpecReader& r, const json& body, const FieldPath& path) {
  HttpCheck out;
  if (auto url = r.string(body, path, "url", true)) {
    if (variablesValid(r, *url, path.child("url"))) requireHttpUrl(r, *url, path.child("url"));
    out.url = *url;
  }
  if (auto method = r.string(body, path, "method")) {
    static const std::set<std::string> kMethods = {"GET",   "HEAD",   "POST",   "PUT",
                                                   "PATCH", "DELETE", "OPTIONS"};
    if (!kMethods.contains(*method))
      r.error(path.child("method"), "\"" + *method +
                                        "\" is not one of GET, HEAD, POST, PUT, "
                                        "PATCH, DELETE, OPTIONS");
    out.method = *method;
  }
  if (const json* statuses = r.list(body, path, "expectedStatus")) {
    out.expectedStatus.clear();
    FieldPath listPath = path.child("expectedStatus");
    for (size_t i = 0; i < statuses->size(); ++i) {
      const json& code = (*statuses)[i];
      if (!code.is_number_integer() || code.get<int64_t>() < 100 || code.get<int64_t>() > 599) {
        r.error(listPath.item(i), describe(code) + " is not an HTTP status code (100-599)");
        continue;
      }
      out.expectedStatus.push_back(code.get<int>());
    }
    if (statuses->empty()) r.error(listPath, "must list at least one status code");
  }
  SpecReader::assign(out.bodyContains, r.string(body, path, "bodyContains"));
  if (auto timeout = positiveDuration(r, body, path, "timeout")) out.timeout = *timeout;
  return out;
}

}  // namespace

constinit const CheckKind<HttpCheck> kHttpKind{
    .info = {.name = "http", .fields = kHttpFields, .runtime = true},
    .parse = parseHttp,
};

}  // namespace rg
