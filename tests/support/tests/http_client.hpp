#pragma once
// A small HTTP(S) client for the API server tests (cpprestsdk behind a plain interface).
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace rg::testing {

struct HttpResult {
  int code = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  nlohmann::json json() const;
  std::string header(const std::string& lowerName) const;
};

struct HttpClientOptions {
  std::string token;
  std::string caPem;  // trust this CA (https)
  std::string clientCertPem;
  std::string clientKeyPem;
  std::chrono::seconds timeout{15};
};

// A watch response read line by line on a background thread.
class WatchStream {
 public:
  virtual ~WatchStream() = default;
  virtual int status() const = 0;
  // The next event (one JSON line); nullopt on timeout or end of stream.
  virtual std::optional<nlohmann::json> next(std::chrono::milliseconds timeout) = 0;
  // True once the server ended the stream (after the queued lines were read).
  virtual bool waitEnded(std::chrono::milliseconds timeout) = 0;
  virtual void cancel() = 0;
};

// The data of a gzip stream (a body sent with Content-Encoding: gzip); throws
// std::runtime_error when it is not one.
std::string gunzip(const std::string& compressed);

class HttpClient {
 public:
  explicit HttpClient(const std::string& baseUrl, HttpClientOptions options = {});
  ~HttpClient();

  HttpResult request(const std::string& method, const std::string& pathAndQuery,
                     const std::string& body = "",
                     const std::string& contentType = "application/json",
                     const std::map<std::string, std::string>& headers = {});
  HttpResult get(const std::string& path, const std::string& accept = "");
  HttpResult post(const std::string& path, const nlohmann::json& body);
  HttpResult put(const std::string& path, const nlohmann::json& body);
  HttpResult patch(const std::string& path, const std::string& contentType,
                   const std::string& body);
  HttpResult del(const std::string& path, const std::string& body = "");
  std::unique_ptr<WatchStream> watch(const std::string& pathAndQuery,
                                     const std::string& accept = "");

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rg::testing
