#include "reconcilers/checks/http_check.hpp"

#include <algorithm>
#include <set>

#include "reconcilers/checks/spec_rules.hpp"
#include "reconcilers/providers/provider.hpp"
#include "reconcilers/spec/spec_reader.hpp"

namespace rg {
namespace {

using nlohmann::json;

constexpr const char* kHttpFields[] = {"url", "method", "expectedStatus", "bodyContains",
                                       "timeout"};

std::string expectedStatusText(const std::vector<int>& expected) {
  if (expected.empty()) return "2xx";
  std::string out;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (i > 0) out += i + 1 == expected.size() ? " or " : ", ";
    out += std::to_string(expected[i]);
  }
  return out;
}

// "text" with quotes and backslashes escaped, so the substring's bounds stay visible.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

bool statusExpected(const std::vector<int>& expected, int status) {
  if (expected.empty()) return status >= 200 && status <= 299;
  return std::find(expected.begin(), expected.end(), status) != expected.end();
}

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

CheckResult evaluateHttp(const HttpCheck& check, const providers::HttpProbeResult& probe) {
  const std::string request = (check.method.empty() ? "GET" : check.method) + " " + check.url;
  if (!probe.answered) {
    std::string message = request + " did not answer within " + check.timeout.toString();
    if (!probe.error.empty()) message += ": " + probe.error;
    return CheckResult::inconclusive(std::move(message));
  }
  const std::string status = std::to_string(probe.status);
  if (!statusExpected(check.expectedStatus, probe.status)) {
    return CheckResult::failed(
        request + " answered " + status + ", expected " + expectedStatusText(check.expectedStatus),
        status);
  }
  if (!check.bodyContains.empty()) {
    if (probe.bodySnippet.find(check.bodyContains) == std::string::npos) {
      std::string message = request + " answered " + status + " but the body does not contain " +
                            quoted(check.bodyContains);
      // Only the beginning of the body is kept; say so when the body was longer.
      if (probe.bodySnippet.size() >= providers::kMaxBodySnippet) {
        message += " (first " + std::to_string(providers::kMaxBodySnippet) + " bytes searched)";
      }
      return CheckResult::failed(std::move(message), status);
    }
    return CheckResult::passed(
        request + " answered " + status + " and the body contains " + quoted(check.bodyContains),
        status);
  }
  return CheckResult::passed(request + " answered " + status, status);
}

}  // namespace rg
