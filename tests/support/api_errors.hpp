#pragma once
// metav1.Status failures as the Kubernetes API server returns them.
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace rg::testing {

class ApiError : public std::runtime_error {
 public:
  ApiError(int code, std::string reason, const std::string& message,
           nlohmann::json details = nullptr);

  int code() const { return code_; }
  const std::string& reason() const { return reason_; }
  const nlohmann::json& details() const { return details_; }
  // The metav1.Status body.
  nlohmann::json status() const;

  int retryAfterSeconds = 0;

 private:
  int code_;
  std::string reason_;
  nlohmann::json details_;
};

// The standard reason for an HTTP code ("NotFound" for 404, ...).
std::string reasonForCode(int code);

nlohmann::json failureStatus(int code, std::string_view reason, std::string_view message,
                             const nlohmann::json& details = nullptr);

// `groupResource` is "deployments.apps" or "pods", as in the API server's messages.
ApiError notFound(const std::string& group, const std::string& resource, const std::string& name);
ApiError alreadyExists(const std::string& group, const std::string& resource,
                       const std::string& name);
ApiError conflict(const std::string& group, const std::string& resource, const std::string& name,
                  const std::string& why);
ApiError invalid(const std::string& group, const std::string& kind, const std::string& name,
                 const std::string& why);
ApiError badRequest(const std::string& message);
ApiError expired(const std::string& message);
ApiError methodNotSupported(const std::string& resource, const std::string& method);
ApiError unsupportedMediaType(const std::string& contentType);
ApiError unprocessable(const std::string& message);

}  // namespace rg::testing
