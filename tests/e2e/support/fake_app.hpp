#pragma once
// The application behind a Deployment, on a loopback port: /metrics in Prometheus text format
// (http_requests_total by code, http_request_duration_seconds histogram) and /health. Traffic
// is simulated from wall time (requestsPerSecond); its error ratio and latency follow the
// image the Deployment runs now (spec.template.spec.containers[0].image, read from the test
// API server), as a real app's would after a rollout.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tests/support/api_server.hpp"

namespace rg::providers::testing {
class LoopbackServer;
}

namespace rg::e2e {

struct ImageBehaviour {
  double errorRatio = 0.0;       // share of requests answered 500
  double latencySeconds = 0.05;  // every request's duration
};

class FakeApp {
 public:
  FakeApp(rg::testing::ApiServer& server, std::string ns, std::string deployment,
          double requestsPerSecond = 100);
  // The image comes from `imageLookup` (a real API server's Deployment, for example); it
  // returns "" while there is no Deployment.
  using ImageLookup = std::function<std::string()>;
  explicit FakeApp(ImageLookup imageLookup, double requestsPerSecond = 100);
  ~FakeApp();

  // What an image does; images not listed behave as ImageBehaviour{}.
  void setBehaviour(const std::string& image, ImageBehaviour behaviour);
  // /health answers 200 "ok" when healthy, else 503.
  void setHealthy(bool healthy);

  int port() const;
  std::string url(const std::string& path = "") const;
  // The image the traffic is attributed to now ("" while the Deployment does not exist).
  std::string currentImage() const;
  size_t scrapes() const;

  static const std::vector<double>& latencyBuckets();

 private:
  std::string metricsText();
  void accrue();

  ImageLookup imageLookup_;
  double requestsPerSecond_;
  mutable std::mutex mu_;
  std::map<std::string, ImageBehaviour> behaviours_;
  bool healthy_ = true;
  size_t scrapes_ = 0;
  double ok_ = 0, errors_ = 0, latencySum_ = 0;
  std::vector<double> bucketCounts_;
  std::chrono::steady_clock::time_point last_;
  std::unique_ptr<providers::testing::LoopbackServer> http_;
};

}  // namespace rg::e2e
