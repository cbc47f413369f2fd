#include "tests/e2e/support/fake_app.hpp"

#include <sstream>

#include "tests/providers/loopback.hpp"

namespace rg::e2e {

using providers::testing::Reply;
using providers::testing::SeenRequest;

const std::vector<double>& FakeApp::latencyBuckets() {
  static const std::vector<double> kBuckets = {0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return kBuckets;
}

FakeApp::FakeApp(rg::testing::ApiServer& server, std::string ns, std::string deployment,
                 double requestsPerSecond)
    : FakeApp(
          [&server, ns = std::move(ns), deployment = std::move(deployment)]() -> std::string {
            auto d = server.get("apps/v1", "Deployment", ns, deployment);
            if (!d) return "";
            const auto containers =
                d->value("/spec/template/spec/containers"_json_pointer, nlohmann::json::array());
            return containers.empty() ? "" : containers[0].value("image", "");
          },
          requestsPerSecond) {}

FakeApp::FakeApp(ImageLookup imageLookup, double requestsPerSecond)
    : imageLookup_(std::move(imageLookup)),
      requestsPerSecond_(requestsPerSecond),
      bucketCounts_(latencyBuckets().size(), 0.0),
      last_(std::chrono::steady_clock::now()) {
  http_ = std::make_unique<providers::testing::LoopbackServer>([this](const SeenRequest& r) {
    if (r.path == "/metrics") return Reply{200, metricsText(), "text/plain; version=0.0.4"};
    if (r.path == "/health") {
      std::lock_guard lock(mu_);
      return healthy_ ? Reply{200, "ok\n"} : Reply{503, "unhealthy\n"};
    }
    return Reply{404, "not found\n"};
  });
}

FakeApp::~FakeApp() {
  http_->stop();
}

void FakeApp::setBehaviour(const std::string& image, ImageBehaviour behaviour) {
  std::lock_guard lock(mu_);
  accrue();  // traffic so far is attributed to the old behaviour
  behaviours_[image] = behaviour;
}

void FakeApp::setHealthy(bool healthy) {
  std::lock_guard lock(mu_);
  healthy_ = healthy;
}

int FakeApp::port() const {
  return http_->port();
}

std::string FakeApp::url(const std::string& path) const {
  return http_->url(path);
}

std::string FakeApp::currentImage() const {
  return imageLookup_();
}

size_t FakeApp::scrapes() const {
  std::lock_guard lock(mu_);
  return scrapes_;
}

void FakeApp::accrue() {
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  const std::string image = currentImage();
  if (image.empty()) return;  // no Deployment, no traffic
  ImageBehaviour behaviour;
  if (auto it = behaviours_.find(image); it != behaviours_.end()) behaviour = it->second;
  const double requests = seconds * requestsPerSecond_;
  errors_ += requests * behaviour.errorRatio;
  ok_ += requests * (1 - behaviour.errorRatio);
  latencySum_ += requests * behaviour.latencySeconds;
  const auto& buckets = latencyBuckets();
  for (size_t i = 0; i < buckets.size(); ++i)
    if (behaviour.latencySeconds <= buckets[i]) bucketCounts_[i] += requests;
}

std::string FakeApp::metricsText() {
  std::lock_guard lock(mu_);
  accrue();
  ++scrapes_;
  std::ostringstream out;
  out.precision(12);
  const double total = ok_ + errors_;
  out << "# HELP http_requests_total Requests served.\n"
      << "# TYPE http_requests_total counter\n"
      << "http_requests_total{code=\"200\"} " << ok_ << "\n"
      << "http_requests_total{code=\"500\"} " << errors_ << "\n"
      << "# HELP http_request_duration_seconds Request latency.\n"
      << "# TYPE http_request_duration_seconds histogram\n";
  const auto& buckets = latencyBuckets();
  for (size_t i = 0; i < buckets.size(); ++i)
    out << "http_request_duration_seconds_bucket{le=\"" << buckets[i] << "\"} " << bucketCounts_[i]
        << "\n";
  out << "http_request_duration_seconds_bucket{le=\"+Inf\"} " << total << "\n"
      << "http_request_duration_seconds_sum " << latencySum_ << "\n"
      << "http_request_duration_seconds_count " << total << "\n";
  return out.str();
}

}  // namespace rg::e2e
