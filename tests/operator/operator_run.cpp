#include "tests/operator/operator_run.hpp"

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/support/tests/http_client.hpp"
#include "tests/support/yaml_json.hpp"

namespace rg::testing {

HttpAnswer httpGet(const std::string& url, const std::map<std::string, std::string>& headers) {
  static const std::regex kUrl(R"(^(https?://[^/]+)(/.*)$)");
  std::smatch match;
  if (!std::regex_match(url, match, kUrl)) return {};
  try {
    HttpClientOptions options;
    options.timeout = std::chrono::seconds(5);
    HttpClient client(match[1].str(), options);
    auto result = client.request("GET", match[2].str(), "", "", headers);
    return {result.code, result.body, result.header("content-type"), result.header("connection"),
            result.header("content-encoding")};
  } catch (const std::exception&) {
    return {};
  }
}

bool pollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

void applyFile(ApiServer& server, const std::string& relativePath) {
  std::ifstream in(std::string(RG_SOURCE_DIR) + "/" + relativePath);
  if (!in) throw std::runtime_error("cannot read " + relativePath);
  std::stringstream text;
  text << in.rdbuf();
  for (const auto& document : yamlDocumentsToJson(text.str()))
    if (document.is_object() && !document.empty()) server.create(document);
}

OperatorRun::OperatorRun(const ApiServer& server, const std::string& dir,
                         std::vector<std::string> args) {
  const std::string kubeconfig = dir + "/kubeconfig";
  server.writeKubeconfig(kubeconfig);
  // The operator logs to stderr; one stream keeps the lines in order and lets
  // waitForStdout see them. exec keeps the operator's pid (signals reach it directly).
  std::vector<std::string> argv = {"/bin/sh",          "-c",  "exec \"$0\" \"$@\" 2>&1",
                                   RG_OPERATOR_BINARY, "run", "--kubeconfig",
                                   kubeconfig};
  argv.insert(argv.end(), args.begin(), args.end());
  process_ = std::make_unique<Process>(argv);
}

bool OperatorRun::waitForLog(const std::string& text, std::chrono::milliseconds timeout) {
  return process_->waitForStdout(text, timeout);
}

std::string OperatorRun::servingUrl(const std::string& path, std::chrono::milliseconds timeout) {
  const std::regex pattern("serving [^\"\n]*" + path + "[^\"\n]* on (http://[0-9.]+:[0-9]+)");
  std::string found;
  pollUntil(
      [&] {
        pump();
        std::smatch match;
        const std::string text = log();
        if (!std::regex_search(text, match, pattern)) return false;
        found = match[1].str();
        return true;
      },
      timeout);
  return found;
}

void OperatorRun::pump() {
  // The output never holds a NUL byte: this reads whatever arrives for a short while.
  process_->waitForStdout(std::string(1, '\0'), std::chrono::milliseconds(50));
}

std::string OperatorRun::log() const {
  return process_->stdoutText();
}

}  // namespace rg::testing
