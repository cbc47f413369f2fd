#include "tests/support/api_errors.hpp"

namespace rg::testing {
namespace {

std::string groupResource(const std::string& group, const std::string& resource) {
  return group.empty() ? resource : resource + "." + group;
}

nlohmann::json detailsFor(const std::string& group, const std::string& kind,
                          const std::string& name) {
  nlohmann::json d = nlohmann::json::object();
  if (!name.empty()) d["name"] = name;
  if (!group.empty()) d["group"] = group;
  if (!kind.empty()) d["kind"] = kind;
  return d;
}

}  // namespace

ApiError::ApiError(int code, std::string reason, const std::string& message, nlohmann::json details)
    : std::runtime_error(message),
      code_(code),
      reason_(std::move(reason)),
      details_(std::move(details)) {}

nlohmann::json ApiError::status() const {
  nlohmann::json d = details_;
  if (retryAfterSeconds > 0) {
    if (!d.is_object()) d = nlohmann::json::object();
    d["retryAfterSeconds"] = retryAfterSeconds;
  }
  return failureStatus(code_, reason_, what(), d);
}

std::string reasonForCode(int code) {
  switch (code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 406:
      return "NotAcceptable";
    case 409:
      return "Conflict";
    case 410:
      return "Expired";
    case 415:
      return "UnsupportedMediaType";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return code >= 500 ? "InternalError" : "BadRequest";
  }
}

nlohmann::json failureStatus(int code, std::string_view reason, std::string_view message,
                             const nlohmann::json& details) {
  nlohmann::json s = {
      {"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
      {"status", "Failure"}, {"message", message}, {"reason", reason},
      {"code", code}};
  if (details.is_object() && !details.empty()) s["details"] = details;
  return s;
}

ApiError notFound(const std::string& group, const std::string& resource, const std::string& name) {
  return ApiError(404, "NotFound", groupResource(group, resource) + " \"" + name + "\" not found",
                  detailsFor(group, resource, name));
}

ApiError alreadyExists(const std::string& group, const std::string& resource,
                       const std::string& name) {
  return ApiError(409, "AlreadyExists",
                  groupResource(group, resource) + " \"" + name + "\" already exists",
                  detailsFor(group, resource, name));
}

ApiError conflict(const std::string& group, const std::string& resource, const std::string& name,
                  const std::string& why) {
  return ApiError(409, "Conflict",
                  "Operation cannot be fulfilled on " + groupResource(group, resource) + " \"" +
                      name + "\": " + why,
                  detailsFor(group, resource, name));
}

ApiError invalid(const std::string& group, const std::string& kind, const std::string& name,
                 const std::string& why) {
  const std::string gk = group.empty() ? kind : kind + "." + group;
  return ApiError(422, "Invalid", gk + " \"" + name + "\" is invalid: " + why,
                  detailsFor(group, kind, name));
}

ApiError badRequest(const std::string& message) {
  return ApiError(400, "BadRequest", message);
}

ApiError expired(const std::string& message) {
  return ApiError(410, "Expired", message);
}

ApiError methodNotSupported(const std::string& resource, const std::string& method) {
  return ApiError(405, "MethodNotAllowed",
                  "the server does not allow this method on the requested resource (" + method +
                      " " + resource + ")");
}

ApiError unsupportedMediaType(const std::string& contentType) {
  return ApiError(415, "UnsupportedMediaType",
                  "the body of the request was in an unknown format - accepted media types "
                  "include: application/json-patch+json, application/merge-patch+json, "
                  "application/apply-patch+yaml (got \"" +
                      contentType + "\")");
}

ApiError unprocessable(const std::string& message) {
  return ApiError(422, "Invalid", message);
}

}  // namespace rg::testing
