#pragma once
// The application behind a Deployment, on a loopback port: /metrics in Prometheus text format
// (http_requests_total by code, http_request_duration_seconds histogram) and /health. Traffic
// is simulated from wall time (requestsPerSecond); its error ratio and latency follow the
// image the Deployment runs now (spec.template.spec.containers[0].image, read from the test
// API server), as a real app's would after a rollout.
// With setPerPodSeries(true) the series carry a `pod` label instead, one set per pod of the
// Deployment (as a scrape of each pod would give): the traffic is split evenly across the pods
// that are Ready (a Service routes to those only), and each pod's errors and latency follow
// its own image, so a query can select one revision's pods by name.
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
  double trafficWeight = 1.0;    // share of the traffic it gets (0: no requests at all)
};

class FakeApp {
 public:
  FakeApp(rg::testing::ApiServer& server, std::string ns, std::string deployment,
          double requestsPerSecond = 100);
  // The image comes from `imageLookup` (a real API server's Deployment, for example); it
  // returns "" while there is no Deployment.
  using ImageLookup = std::function<std::string()>;
  // Pod name -> {image, Ready} of the Deployment's pods, for setPerPodSeries; without one a
  // Deployment has no pods to split its series by.
  using PodLookup = std::function<std::map<std::string, std::pair<std::string, bool>>()>;
  explicit FakeApp(ImageLookup imageLookup, double requestsPerSecond = 100,
                   PodLookup podLookup = {});
  ~FakeApp();

  // What an image does; images not listed behave as ImageBehaviour{}.
  void setBehaviour(const std::string& image, ImageBehaviour behaviour);
  // /health answers 200 "ok" when healthy, else 503.
  void setHealthy(bool healthy);
  // Series per pod (label `pod`) instead of one set for the whole Deployment.
  void setPerPodSeries(bool perPod);

  int port() const;
  std::string url(const std::string& path = "") const;
  // The image the traffic is attributed to now ("" while the Deployment does not exist).
  std::string currentImage() const;
  size_t scrapes() const;

  static const std::vector<double>& latencyBuckets();

 private:
  struct Series {
    double ok = 0, errors = 0, latencySum = 0;
    std::vector<double> bucketCounts;
  };

  std::string metricsText();
  void accrue();
  ImageBehaviour behaviourOf(const std::string& image) const;
  void add(Series& series, const ImageBehaviour& behaviour, double requests) const;
  ImageLookup imageLookup_;
  PodLookup podLookup_;
  double requestsPerSecond_;
  mutable std::mutex mu_;
  std::map<std::string, ImageBehaviour> behaviours_;
  bool healthy_ = true;
  size_t scrapes_ = 0;
  bool perPod_ = false;
  std::map<std::string, Series> series_;  // by pod name; "" for the whole Deployment
  std::chrono::steady_clock::time_point last_;
  std::unique_ptr<providers::testing::LoopbackServer> http_;
};

}  // namespace rg::e2e
