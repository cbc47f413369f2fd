#pragma once
// The built readiness-gate binary run against a test API server, for the metrics, health and
// logging tests: output (stdout and stderr together) captured, URLs read from its log lines.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/api_server.hpp"
#include "tests/support/subprocess.hpp"

namespace rg::testing {

struct HttpAnswer {
  int status = 0;  // 0: no answer (refused, timed out)
  std::string body;
  std::string contentType;
  std::string connection;  // the Connection header
  std::string contentEncoding;
};

// GET url with extra request headers; never throws. The body is as sent (not decompressed).
HttpAnswer httpGet(const std::string& url, const std::map<std::string, std::string>& headers = {});

// Calls `done` every 50 ms until it returns true or `timeout` passes.
bool pollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout);

// Creates every document of a YAML file (relative to the source tree) on the server.
void applyFile(ApiServer& server, const std::string& relativePath);

class OperatorRun {
 public:
  // Starts `readiness-gate run --kubeconfig <for server> <args...>`, writing the kubeconfig
  // under `dir`.
  OperatorRun(const ApiServer& server, const std::string& dir, std::vector<std::string> args);

  // Waits until the output contains `text`.
  bool waitForLog(const std::string& text, std::chrono::milliseconds timeout);
  // The URL logged as "serving <paths> on http://HOST:PORT" for a path ("/metrics",
  // "/readyz"); waits up to `timeout`, empty when never logged.
  std::string servingUrl(const std::string& path, std::chrono::milliseconds timeout);
  // Reads output that arrived (for up to 50 ms).
  void pump();
  // The output read so far.
  std::string log() const;
  Process& process() { return *process_; }

 private:
  std::unique_ptr<Process> process_;
};

}  // namespace rg::testing
