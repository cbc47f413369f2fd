#include "tests/e2e/support/prometheus_server.hpp"

#include <signal.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "tests/e2e/support/http_get.hpp"
#include "tests/e2e/support/poll.hpp"
#include "tests/providers/loopback.hpp"

namespace rg::e2e {

using namespace std::chrono_literals;

namespace {

std::string staticTargets(const std::vector<int>& targetPorts) {
  std::string yaml = "- job_name: app\n  static_configs:\n  - targets: [";
  for (size_t i = 0; i < targetPorts.size(); ++i)
    yaml += (i ? ", " : "") + std::string("'127.0.0.1:") + std::to_string(targetPorts[i]) + "'";
  return yaml + "]\n";
}

}  // namespace

PrometheusServer::PrometheusServer(const std::string& binary, const std::string& dir,
                                   const std::vector<int>& targetPorts)
    : binary_(binary), dir_(dir) {
  start(staticTargets(targetPorts));
}

PrometheusServer::PrometheusServer(const std::string& binary, const std::string& dir,
                                   const ScrapeConfigs& scrapeConfigs)
    : binary_(binary), dir_(dir) {
  start(scrapeConfigs.yaml);
}

void PrometheusServer::start(const std::string& scrapeConfigsYaml) {
  std::filesystem::create_directories(dir_);
  {
    std::ofstream config(dir_ + "/prometheus.yml");
    config << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
           << "scrape_configs:\n"
           << scrapeConfigsYaml;
  }
  std::string lastLog;
  // The free port may be taken before Prometheus binds it: a few attempts.
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = providers::testing::freeLoopbackPort();
    if (launch(lastLog)) return;
  }
  throw std::runtime_error("prometheus did not become ready:\n" + lastLog);
}

bool PrometheusServer::launch(std::string& lastLog) {
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{binary_, "--config.file=" + dir_ + "/prometheus.yml",
                               "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                               "--storage.tsdb.path=" + dir_ + "/data"},
      dir_ + "/prometheus.log");
  const bool ready = eventually(
      [&] { return !process_->running() || httpGet(address() + "/-/ready", 1s).status == 200; },
      30s, 100ms);
  if (ready && process_->running()) return true;
  lastLog = process_->logTail();
  process_->stop(2s);
  return false;
}

PrometheusServer::~PrometheusServer() {
  stop();
}

std::string PrometheusServer::address() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::optional<double> PrometheusServer::query(const std::string& promql) const {
  std::string encoded;
  for (unsigned char c : promql) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      encoded += buf;
    }
  }
  auto reply = httpGet(address() + "/api/v1/query?query=" + encoded, 2s);
  if (reply.status != 200) return std::nullopt;
  auto body = nlohmann::json::parse(reply.body, nullptr, false);
  if (body.is_discarded()) return std::nullopt;
  const auto& result = body["data"]["result"];
  if (!result.is_array() || result.size() != 1) return std::nullopt;
  try {
    return std::stod(result[0]["value"][1].get<std::string>());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool PrometheusServer::waitForValue(const std::string& promql,
                                    std::chrono::milliseconds timeout) const {
  return eventually(
      [&] {
        auto value = query(promql);
        return value && std::isfinite(*value);
      },
      timeout, 200ms);
}

void PrometheusServer::stop() {
  if (process_) process_->stop(10s);
}

void PrometheusServer::kill() {
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait(10s);
}

void PrometheusServer::restart() {
  if (running()) throw std::logic_error("prometheus is still running");
  // The port was free while it ran; after a kill it may linger briefly in the kernel.
  std::string lastLog;
  for (int attempt = 0; attempt < 3; ++attempt)
    if (launch(lastLog)) return;
  throw std::runtime_error("prometheus did not restart on port " + std::to_string(port_) + ":\n" +
                           lastLog);
}

bool PrometheusServer::running() {
  return process_ && process_->running();
}

std::string PrometheusServer::logTail() const {
  return process_ ? process_->logTail() : "";
}

}  // namespace rg::e2e
