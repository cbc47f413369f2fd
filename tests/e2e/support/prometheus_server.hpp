#pragma once
// A real Prometheus (Debian's /usr/bin/prometheus) on a free loopback port, scraping loopback
// targets every second, with its data in a directory of the test.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/e2e/support/child_process.hpp"

namespace rg::e2e {

// A configuration's `scrape_configs:` list (YAML, items at column 0), for tests that need their
// own discovery or relabelling.
struct ScrapeConfigs {
  std::string yaml;
};

class PrometheusServer {
 public:
  // Starts Prometheus scraping 127.0.0.1:<port>/metrics of each target (job "app") and waits
  // until /-/ready answers; throws std::runtime_error with the end of its log otherwise.
  PrometheusServer(const std::string& binary, const std::string& dir,
                   const std::vector<int>& targetPorts);
  // The same with the given scrape configurations (global settings as above: every second).
  PrometheusServer(const std::string& binary, const std::string& dir,
                   const ScrapeConfigs& scrapeConfigs);
  ~PrometheusServer();

  std::string address() const;  // http://127.0.0.1:PORT
  int port() const { return port_; }
  // The value of an instant query that returns one sample; nullopt for no data or no answer.
  std::optional<double> query(const std::string& promql) const;
  // The first scrape comes several seconds after start: waits until `promql` has a finite value.
  bool waitForValue(const std::string& promql, std::chrono::milliseconds timeout) const;
  // Stops the process (SIGTERM); the port no longer answers afterwards.
  void stop();
  // SIGKILL: no clean shutdown.
  void kill();
  // Starts it again, stopped or killed, on the same port and data directory (its samples so far
  // are kept); waits until /-/ready answers. Throws std::runtime_error otherwise.
  void restart();
  bool running();
  std::string logTail() const;

 private:
  // Writes prometheus.yml and starts the process on a free port.
  void start(const std::string& scrapeConfigsYaml);
  // Starts the process on port_; false (log in `lastLog`) when it does not become ready.
  bool launch(std::string& lastLog);

  std::string binary_;
  std::string dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace rg::e2e
