#include "tests/e2e/support/fake_app.hpp"

#include <iterator>
#include <set>
#include <sstream>

#include "tests/providers/loopback.hpp"

namespace rg::e2e {

using providers::testing::Reply;
using providers::testing::SeenRequest;

namespace {

// Pod name -> {image, Ready} of the pods of `deployment`'s ReplicaSets in the test API server.
std::map<std::string, std::pair<std::string, bool>> podsOfDeployment(
    rg::testing::ApiServer& server, const std::string& ns, const std::string& deployment) {
  using nlohmann::json;
  std::map<std::string, std::pair<std::string, bool>> out;
  auto ownerName = [](const json& object, const char* kind) {
    for (const auto& ref : object.value("/metadata/ownerReferences"_json_pointer, json::array()))
      if (ref.value("controller", false) && ref.value("kind", "") == kind)
        return ref.value("name", "");
    return std::string();
  };
  std::set<std::string> replicaSets;
  for (const auto& rs : server.list("apps/v1", "ReplicaSet", ns))
    if (ownerName(rs, "Deployment") == deployment)
      replicaSets.insert(rs.value("/metadata/name"_json_pointer, std::string()));
  for (const auto& pod : server.list("v1", "Pod", ns)) {
    if (!replicaSets.count(ownerName(pod, "ReplicaSet"))) continue;
    bool ready = false;
    for (const auto& c : pod.value("/status/conditions"_json_pointer, json::array()))
      if (c.value("type", "") == "Ready") ready = c.value("status", "") == "True";
    out[pod.value("/metadata/name"_json_pointer, std::string())] = {
        pod.value("/spec/containers/0/image"_json_pointer, std::string()), ready};
  }
  return out;
}

}  // namespace

const std::vector<double>& FakeApp::latencyBuckets() {
  static const std::vector<double> kBuckets = {0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return kBuckets;
}

FakeApp::FakeApp(rg::testing::ApiServer& server, std::string ns, std::string deployment,
                 double requestsPerSecond)
    : FakeApp(
          [&server, ns, deployment]() -> std::string {
            auto d = server.get("apps/v1", "Deployment", ns, deployment);
            if (!d) return "";
            const auto containers =
                d->value("/spec/template/spec/containers"_json_pointer, nlohmann::json::array());
            return containers.empty() ? "" : containers[0].value("image", "");
          },
          requestsPerSecond,
          [&server, ns, deployment] { return podsOfDeployment(server, ns, deployment); }) {}

FakeApp::FakeApp(ImageLookup imageLookup, double requestsPerSecond, PodLookup podLookup)
    : imageLookup_(std::move(imageLookup)),
      podLookup_(std::move(podLookup)),
      requestsPerSecond_(requestsPerSecond),
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

void FakeApp::setPerPodSeries(bool perPod) {
  std::lock_guard lock(mu_);
  accrue();
  perPod_ = perPod;
  series_.clear();
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

ImageBehaviour FakeApp::behaviourOf(const std::string& image) const {
  auto it = behaviours_.find(image);
  return it == behaviours_.end() ? ImageBehaviour{} : it->second;
}

void FakeApp::add(Series& series, const ImageBehaviour& behaviour, double requests) const {
  const auto& buckets = latencyBuckets();
  series.bucketCounts.resize(buckets.size(), 0.0);
  requests *= behaviour.trafficWeight;
  series.errors += requests * behaviour.errorRatio;
  series.ok += requests * (1 - behaviour.errorRatio);
  series.latencySum += requests * behaviour.latencySeconds;
  for (size_t i = 0; i < buckets.size(); ++i)
    if (behaviour.latencySeconds <= buckets[i]) series.bucketCounts[i] += requests;
}

void FakeApp::accrue() {
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  const double requests = seconds * requestsPerSecond_;
  if (!perPod_) {
    Series& whole = series_[""];  // exposed from the start, at 0 without a Deployment
    const std::string image = currentImage();
    if (image.empty()) return;  // no Deployment, no traffic
    add(whole, behaviourOf(image), requests);
    return;
  }
  const auto pods = podLookup_ ? podLookup_() : decltype(podLookup_())();
  size_t readyPods = 0;
  for (const auto& [name, pod] : pods) readyPods += pod.second ? 1 : 0;
  // Pods gone take their series with them, as a target that is no longer scraped.
  for (auto it = series_.begin(); it != series_.end();)
    it = pods.count(it->first) ? std::next(it) : series_.erase(it);
  for (const auto& [name, pod] : pods)
    add(series_[name], behaviourOf(pod.first),
        pod.second ? requests / static_cast<double>(readyPods) : 0.0);
}

std::string FakeApp::metricsText() {
  std::lock_guard lock(mu_);
  accrue();
  ++scrapes_;
  std::ostringstream out;
  out.precision(12);
  const auto& buckets = latencyBuckets();
  // `pod="..."` first in a label set, or nothing for the whole Deployment.
  auto labels = [](const std::string& pod, const std::string& more) {
    std::string text = pod.empty() ? "" : "pod=\"" + pod + "\"";
    if (!more.empty()) text += (text.empty() ? "" : ",") + more;
    return text.empty() ? std::string() : "{" + text + "}";
  };
  out << "# HELP http_requests_total Requests served.\n"
      << "# TYPE http_requests_total counter\n";
  for (const auto& [pod, s] : series_)
    out << "http_requests_total" << labels(pod, "code=\"200\"") << " " << s.ok << "\n"
        << "http_requests_total" << labels(pod, "code=\"500\"") << " " << s.errors << "\n";
  out << "# HELP http_request_duration_seconds Request latency.\n"
      << "# TYPE http_request_duration_seconds histogram\n";
  for (const auto& [pod, s] : series_) {
    const double total = s.ok + s.errors;
    std::ostringstream le;
    for (size_t i = 0; i < buckets.size(); ++i) {
      le.str("");
      le << "le=\"" << buckets[i] << "\"";
      out << "http_request_duration_seconds_bucket" << labels(pod, le.str()) << " "
          << (i < s.bucketCounts.size() ? s.bucketCounts[i] : 0.0) << "\n";
    }
    out << "http_request_duration_seconds_bucket" << labels(pod, "le=\"+Inf\"") << " " << total
        << "\n"
        << "http_request_duration_seconds_sum" << labels(pod, "") << " " << s.latencySum << "\n"
        << "http_request_duration_seconds_count" << labels(pod, "") << " " << total << "\n";
  }
  return out.str();
}

}  // namespace rg::e2e
