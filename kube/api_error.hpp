#pragma once
// Typed errors for API server answers (metav1.Status) and for transport failures.
#include <chrono>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace rg::kube {

// A non-2xx answer from the API server. `reason` is metav1.Status.reason ("NotFound",
// "Conflict", "AlreadyExists", "Expired", ...), derived from the code when the body is not a
// Status.
class ApiError : public std::runtime_error {
 public:
  ApiError(int code, std::string reason, std::string message, nlohmann::json details = {},
           std::string method = {}, std::string path = {});

  int code() const { return code_; }
  const std::string& reason() const { return reason_; }
  // The server's message (metav1.Status.message), without the method/path prefix of what().
  const std::string& statusMessage() const { return message_; }
  const nlohmann::json& details() const { return details_; }
  const std::string& method() const { return method_; }
  const std::string& path() const { return path_; }
  // Retry-After of the answer, or details.retryAfterSeconds; zero when absent.
  std::chrono::seconds retryAfter() const { return retryAfter_; }
  void setRetryAfter(std::chrono::seconds value) { retryAfter_ = value; }

  bool isNotFound() const;
  bool isConflict() const;
  bool isAlreadyExists() const;
  bool isGone() const;  // 410: Gone, or Expired (resourceVersion too old)
  bool isInvalid() const;
  bool isTooManyRequests() const;
  bool isUnauthorized() const { return code_ == 401; }
  bool isForbidden() const { return code_ == 403; }

  // Builds the most specific subclass for a code and a response body (a Status or any text).
  static std::unique_ptr<ApiError> fromResponse(int code, const std::string& body,
                                                const std::string& method, const std::string& path);
  // From a metav1.Status object, e.g. the object of a watch ERROR event.
  static std::unique_ptr<ApiError> fromStatus(const nlohmann::json& status);
  // Throws the most specific subclass (so `catch (const ConflictError&)` works).
  [[noreturn]] void raise() const;

 private:
  int code_;
  std::string reason_;
  std::string message_;
  nlohmann::json details_;
  std::string method_;
  std::string path_;
  std::chrono::seconds retryAfter_{0};
};

class NotFoundError : public ApiError {
  using ApiError::ApiError;
};
class AlreadyExistsError : public ApiError {
  using ApiError::ApiError;
};
// 409 other than AlreadyExists: optimistic concurrency failed; re-read and retry.
class ConflictError : public ApiError {
  using ApiError::ApiError;
};
// 410: the requested resourceVersion is too old; relist.
class GoneError : public ApiError {
  using ApiError::ApiError;
};
class InvalidError : public ApiError {
  using ApiError::ApiError;
};

// The request did not get an HTTP answer: connection refused/reset, TLS failure, timeout.
class TransportError : public std::runtime_error {
 public:
  TransportError(const std::string& what, bool timeout)
      : std::runtime_error(what), timeout_(timeout) {}
  bool isTimeout() const { return timeout_; }

 private:
  bool timeout_;
};

// Helpers that accept any exception (false when it is not an ApiError).
bool isNotFound(const std::exception& e);
bool isConflict(const std::exception& e);
bool isAlreadyExists(const std::exception& e);
bool isGone(const std::exception& e);
bool isInvalid(const std::exception& e);
bool isTooManyRequests(const std::exception& e);

// The canonical reason for an HTTP status code ("NotFound" for 404), "Unknown" otherwise.
std::string reasonForCode(int code);

}  // namespace rg::kube
