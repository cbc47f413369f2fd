#include "kube/api_error.hpp"

#include <utility>

namespace rg::kube {
namespace {

std::string describe(int code, const std::string& reason, const std::string& message,
                     const std::string& method, const std::string& path) {
  std::string out;
  if (!method.empty()) out += method + " " + path + ": ";
  out += std::to_string(code) + " " + reason;
  if (!message.empty()) out += ": " + message;
  return out;
}

std::unique_ptr<ApiError> make(int code, std::string reason, std::string message,
                               nlohmann::json details, std::string method, std::string path) {
  if (code == 404) {
    return std::make_unique<NotFoundError>(code, std::move(reason), std::move(message),
                                           std::move(details), std::move(method), std::move(path));
  }
  if (code == 409 && reason == "AlreadyExists") {
    return std::make_unique<AlreadyExistsError>(code, std::move(reason), std::move(message),
                                                std::move(details), std::move(method),
                                                std::move(path));
  }
  if (code == 409) {
    return std::make_unique<ConflictError>(code, std::move(reason), std::move(message),
                                           std::move(details), std::move(method), std::move(path));
  }
  if (code == 410) {
    return std::make_unique<GoneError>(code, std::move(reason), std::move(message),
                                       std::move(details), std::move(method), std::move(path));
  }
  if (code == 422) {
    return std::make_unique<InvalidError>(code, std::move(reason), std::move(message),
                                          std::move(details), std::move(method), std::move(path));
  }
  return std::make_unique<ApiError>(code, std::move(reason), std::move(message), std::move(details),
                                    std::move(method), std::move(path));
}

const ApiError* asApiError(const std::exception& e) {
  return dynamic_cast<const ApiError*>(&e);
}

}  // namespace

ApiError::ApiError(int code, std::string reason, std::string message, nlohmann::json details,
                   std::string method, std::string path)
    : std::runtime_error(describe(code, reason, message, method, path)),
      code_(code),
      reason_(std::move(reason)),
      message_(std::move(message)),
      details_(std::move(details)),
      method_(std::move(method)),
      path_(std::move(path)) {
  if (details_.is_object()) {
    auto it = details_.find("retryAfterSeconds");
    if (it != details_.end() && it->is_number_integer()) {
      retryAfter_ = std::chrono::seconds(it->get<long long>());
    }
  }
}

bool ApiError::isNotFound() const {
  return code_ == 404 || reason_ == "NotFound";
}
bool ApiError::isConflict() const {
  return reason_ == "Conflict" || (code_ == 409 && reason_ != "AlreadyExists");
}
bool ApiError::isAlreadyExists() const {
  return reason_ == "AlreadyExists";
}
bool ApiError::isGone() const {
  return code_ == 410 || reason_ == "Gone" || reason_ == "Expired";
}
bool ApiError::isInvalid() const {
  return code_ == 422 || reason_ == "Invalid";
}
bool ApiError::isTooManyRequests() const {
  return code_ == 429 || reason_ == "TooManyRequests";
}

std::unique_ptr<ApiError> ApiError::fromResponse(int code, const std::string& body,
                                                 const std::string& method,
                                                 const std::string& path) {
  auto status = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (status.is_object() && status.value("kind", "") == "Status") {
    std::string reason = status.value("reason", "");
    if (reason.empty()) reason = reasonForCode(code);
    nlohmann::json details = status.contains("details") ? status["details"] : nlohmann::json();
    return make(code, std::move(reason), status.value("message", ""), std::move(details), method,
                path);
  }
  // Not a Status (a proxy or a plain-text error page): keep a bounded excerpt.
  std::string text = body.substr(0, 512);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return make(code, reasonForCode(code), std::move(text), {}, method, path);
}

std::unique_ptr<ApiError> ApiError::fromStatus(const nlohmann::json& status) {
  int code = 500;
  if (status.is_object() && status.contains("code") && status["code"].is_number_integer()) {
    code = status["code"].get<int>();
  }
  std::string reason = status.is_object() ? status.value("reason", "") : "";
  if (reason.empty()) reason = reasonForCode(code);
  std::string message = status.is_object() ? status.value("message", "") : "";
  nlohmann::json details =
      status.is_object() && status.contains("details") ? status["details"] : nlohmann::json();
  return make(code, std::move(reason), std::move(message), std::move(details), {}, {});
}

void ApiError::raise() const {
  if (auto* e = dynamic_cast<const NotFoundError*>(this)) throw *e;
  if (auto* e = dynamic_cast<const AlreadyExistsError*>(this)) throw *e;
  if (auto* e = dynamic_cast<const ConflictError*>(this)) throw *e;
  if (auto* e = dynamic_cast<const GoneError*>(this)) throw *e;
  if (auto* e = dynamic_cast<const InvalidError*>(this)) throw *e;
  throw *this;
}

bool isNotFound(const std::exception& e) {
  auto* api = asApiError(e);
  return api != nullptr && api->isNotFound();
}
bool isConflict(const std::exception& e) {
  auto* api = asApiError(e);
  return api != nullptr && api->isConflict();
}
bool isAlreadyExists(const std::exception& e) {
  auto* api = asApiError(e);
  return api != nullptr && api->isAlreadyExists();
}
bool isGone(const std::exception& e) {
  auto* api = asApiError(e);
  return api != nullptr && api->isGone();
}
bool isInvalid(const std::exception& e) {
  auto* api = asApiError(e);
  return api != nullptr && api->isInvalid();
}
bool isTooManyRequests(const std::exception& e) {
  auto* api = asApiError(e);
  return api != nullptr && api->isTooManyRequests();
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
      return "Gone";
    case 413:
      return "RequestEntityTooLarge";
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
      return "Unknown";
  }
}

}  // namespace rg::kube
