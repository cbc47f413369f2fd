#pragma once
// A scriptable HTTP(S) server on 127.0.0.1 for client tests. The handler sees a plain request
// and returns a plain response, so test files do not compile cpprestsdk themselves.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace rg::wire {

struct FakeRequest {
  std::string method;
  std::string path;                            // decoded, without the query
  std::string rawQuery;                        // as sent
  std::map<std::string, std::string> query;    // decoded
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string header(const std::string& lowerName) const {
    auto it = headers.find(lowerName);
    return it == headers.end() ? std::string() : it->second;
  }
  std::string param(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  }
};

// Writes the chunks of a streaming answer; each write reaches the client at once.
class ChunkWriter {
 public:
  virtual ~ChunkWriter() = default;
  virtual void write(const std::string& data) = 0;
  // Waits up to `timeout`; true as soon as the server is stopping.
  virtual bool waitForStop(std::chrono::milliseconds timeout) = 0;
};

struct FakeResponse {
  int status = 200;
  std::string body;
  std::string contentType = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is chunked and produced by this function on its own thread; the
  // stream ends when it returns.
  std::function<void(ChunkWriter&)> stream;
  // Never answer (until the server stops).
  bool noAnswer = false;

  static FakeResponse json(int status, const nlohmann::json& body);
  // A metav1.Status body.
  static FakeResponse statusError(int code, const std::string& reason, const std::string& message);
};

using Handler = std::function<FakeResponse(const FakeRequest&)>;

struct ServerTls {
  std::string certPem;
  std::string keyPem;
  // Non-empty: require a client certificate issued by this CA.
  std::string clientCaPem;
};

class FakeServer {
 public:
  explicit FakeServer(Handler handler, std::optional<ServerTls> tls = std::nullopt);
  ~FakeServer();
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  std::string url() const;  // "http://127.0.0.1:PORT" or https
  int port() const;
  std::vector<FakeRequest> requests() const;
  size_t requestCount() const;
  // Subject of the last client certificate the server verified ("" if none).
  std::string clientCertSubject() const;
  // Answers held requests, ends streams, closes the listener. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A port that was free a moment ago on 127.0.0.1.
int freeLoopbackPort();

}  // namespace rg::wire
