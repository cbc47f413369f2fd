#include "kube/leader_election.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <stdexcept>
#include <utility>

#include <spdlog/spdlog.h>

#include "kube/api_error.hpp"
#include "kube/json_fields.hpp"
#include "kube/resource.hpp"

namespace rg::kube {

namespace {

std::string randomUuid() {
  std::random_device device;
  std::mt19937_64 rng((static_cast<std::uint64_t>(device()) << 32) ^ device());
  std::uint64_t hi = rng();
  std::uint64_t lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

template <typename Fn>
void guarded(const char* what, Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    spdlog::error("leader election: {} callback threw: {}", what, e.what());
  } catch (...) {
    spdlog::error("leader election: {} callback threw a non-exception", what);
  }
}

}  // namespace

std::string defaultLeaderIdentity() {
  std::string base;
  if (const char* pod = std::getenv("POD_NAME"); pod != nullptr && *pod != '\0') {
    base = pod;
  } else {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) base = host;
    if (base.empty()) base = "readiness-gate";
  }
  return base + "_" + randomUuid();
}

std::string formatMicroTime(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto micros = duration_cast<microseconds>(t - secs).count();
  const std::time_t tt = system_clock::to_time_t(secs);
  std::tm utc{};
  ::gmtime_r(&tt, &utc);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &utc);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06dZ", static_cast<int>(micros % 1000000));
  return std::string(date) + frac;
}

LeaderElector::LeaderElector(RestClient& client, LeaderElectionConfig config)
    : client_(client),
      config_(std::move(config)),
      clock_(config_.clock ? config_.clock : realClock()),
      rng_(std::random_device{}()),
      thread_(clock_) {
  if (config_.leaseName.empty() || config_.leaseNamespace.empty()) {
    throw std::invalid_argument("leader election: lease name and namespace are required");
  }
  if (config_.retryPeriod.count() <= 0 || config_.retryJitter < 0) {
    throw std::invalid_argument("leader election: retryPeriod must be positive");
  }
  if (config_.leaseDuration <= config_.renewDeadline) {
    throw std::invalid_argument("leader election: leaseDuration must exceed renewDeadline");
  }
  if (static_cast<double>(config_.renewDeadline.count()) <=
      config_.retryJitter * static_cast<double>(config_.retryPeriod.count())) {
    throw std::invalid_argument(
        "leader election: renewDeadline must exceed retryPeriod * retryJitter");
  }
  if (config_.identity.empty()) config_.identity = defaultLeaderIdentity();
  // The Lease holds whole seconds; round up so others never see a shorter lease than ours.
  leaseDurationSeconds_ = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(
             std::ceil(static_cast<double>(config_.leaseDuration.count()) / 1000.0)));
}

LeaderElector::~LeaderElector() {
  stop();
}

void LeaderElector::start() {
  if (thread_.started()) throw std::logic_error("leader election: started twice");
  thread_.start([this] { run(); });
}

void LeaderElector::stop() {
  thread_.stop();
}

std::string LeaderElector::observedLeader() const {
  std::lock_guard lock(mu_);
  return observedHolder_;
}

std::string LeaderElector::leaseError() const {
  std::lock_guard lock(mu_);
  return leaseError_;
}

LeaderElector::Attempt LeaderElector::failed(const char* step, const std::exception& error) {
  std::string why = std::string(step) + " the Lease: " + error.what();
  spdlog::error("leader election {}/{}: cannot {}; {} until it can", config_.leaseNamespace,
                config_.leaseName, why, leader_.load() ? "renewing" : "not leading");
  std::lock_guard lock(mu_);
  leaseError_ = std::move(why);
  return Attempt::Failed;
}

void LeaderElector::reached() {
  std::lock_guard lock(mu_);
  if (leaseError_.empty()) return;
  leaseError_.clear();
  spdlog::info("leader election {}/{}: the Lease is reachable again", config_.leaseNamespace,
               config_.leaseName);
}

std::chrono::nanoseconds LeaderElector::jitteredRetry() {
  const double factor =
      1.0 + std::uniform_real_distribution<double>(0.0, config_.retryJitter)(rng_);
  const auto base = std::chrono::duration_cast<std::chrono::nanoseconds>(config_.retryPeriod);
  return std::chrono::nanoseconds(
      static_cast<std::int64_t>(static_cast<double>(base.count()) * factor));
}

void LeaderElector::observe(const nlohmann::json& spec) {
  std::string newHolder;
  bool holderChanged = false;
  {
    std::lock_guard lock(mu_);
    if (spec != observedSpec_) {
      observedSpec_ = spec;
      observedTime_ = clock_->now();
    }
    std::string holder = textAt(spec, "holderIdentity");
    if (holder != observedHolder_) {
      observedHolder_ = holder;
      newHolder = std::move(holder);
      holderChanged = true;
    }
  }
  if (holderChanged) {
    spdlog::debug("leader election {}/{}: holder is now '{}'", config_.leaseNamespace,
                  config_.leaseName, newHolder);
    if (config_.onNewLeader) guarded("onNewLeader", [&] { config_.onNewLeader(newHolder); });
  }
}

nlohmann::json LeaderElector::recordSpec(const nlohmann::json& old, bool ours) const {
  nlohmann::json spec = old.is_object() ? old : nlohmann::json::object();
  const std::string now = formatMicroTime(std::chrono::system_clock::now());
  const std::int64_t transitions = intAt(old, "leaseTransitions").value_or(0);
  spec["holderIdentity"] = config_.identity;
  spec["leaseDurationSeconds"] = leaseDurationSeconds_;
  spec["renewTime"] = now;
  if (ours && !textAt(old, "acquireTime").empty()) {
    spec["leaseTransitions"] = transitions;
  } else {
    spec["acquireTime"] = now;
    spec["leaseTransitions"] = transitions + 1;
  }
  return spec;
}

LeaderElector::Attempt LeaderElector::tryAcquireOrRenew() {
  const auto& ref = resources::kLeases;
  // Two rounds: a 409 (someone wrote the Lease since we read it) is answered by re-reading.
  for (int round = 0; round < 2; ++round) {
    nlohmann::json lease;
    try {
      lease = client_.get(ref, config_.leaseNamespace, config_.leaseName);
    } catch (const NotFoundError&) {
      nlohmann::json spec = recordSpec(nlohmann::json::object(), false);
      spec["leaseTransitions"] = 0;
      nlohmann::json object = {
          {"apiVersion", ref.apiVersion()},
          {"kind", "Lease"},
          {"metadata", {{"name", config_.leaseName}, {"namespace", config_.leaseNamespace}}},
          {"spec", spec}};
      try {
        auto created = client_.create(ref, config_.leaseNamespace, object);
        reached();
        observe(created.value("spec", spec));
        return Attempt::Acquired;
      } catch (const AlreadyExistsError&) {
        continue;  // another candidate created it first: read theirs
      } catch (const std::exception& e) {
        return failed("create", e);
      }
    } catch (const std::exception& e) {
      return failed("get", e);
    }
    reached();

    nlohmann::json spec = lease.contains("spec") && lease["spec"].is_object()
                              ? lease["spec"]
                              : nlohmann::json::object();
    observe(spec);
    const std::string holder = textAt(spec, "holderIdentity");
    const std::int64_t seconds =
        intAt(spec, "leaseDurationSeconds").value_or(leaseDurationSeconds_);
    if (!holder.empty() && holder != config_.identity) {
      std::lock_guard lock(mu_);
      // Expiry is judged by when this process last saw the record change, not by renewTime,
      // so that clock skew between nodes cannot shorten a lease.
      if (observedTime_ + std::chrono::seconds(seconds) > clock_->now()) {
        return Attempt::HeldByOther;
      }
    }

    lease["spec"] = recordSpec(spec, holder == config_.identity);
    try {
      auto updated = client_.update(ref, lease);
      observe(updated.value("spec", lease["spec"]));
      return Attempt::Acquired;
    } catch (const ConflictError&) {
      spdlog::debug("leader election {}/{}: conflict, re-reading", config_.leaseNamespace,
                    config_.leaseName);
      continue;
    } catch (const std::exception& e) {
      return failed("update", e);
    }
  }
  return Attempt::Failed;
}

void LeaderElector::release() {
  const auto& ref = resources::kLeases;
  for (int round = 0; round < 2; ++round) {
    try {
      auto lease = client_.get(ref, config_.leaseNamespace, config_.leaseName);
      if (!lease.contains("spec") || !lease["spec"].is_object()) return;
      auto& spec = lease["spec"];
      if (textAt(spec, "holderIdentity") != config_.identity) return;  // not ours anymore
      const std::string now = formatMicroTime(std::chrono::system_clock::now());
      spec["holderIdentity"] = "";
      spec["leaseDurationSeconds"] = 1;
      spec["acquireTime"] = now;
      spec["renewTime"] = now;
      auto updated = client_.update(ref, lease);
      observe(updated.value("spec", spec));
      spdlog::debug("leader election {}/{}: released", config_.leaseNamespace, config_.leaseName);
      return;
    } catch (const ConflictError&) {
      continue;
    } catch (const std::exception& e) {
      spdlog::warn("leader election {}/{}: release failed: {}", config_.leaseNamespace,
                   config_.leaseName, e.what());
      return;
    }
  }
}

void LeaderElector::run() {
  spdlog::debug("leader election {}/{}: candidate {}", config_.leaseNamespace, config_.leaseName,
                config_.identity);
  bool acquired = false;
  while (!thread_.stopRequested()) {
    if (tryAcquireOrRenew() == Attempt::Acquired) {
      acquired = true;
      break;
    }
    if (!thread_.sleepFor(jitteredRetry())) break;
  }
  if (!acquired || thread_.stopRequested()) {
    // Acquired just as stop() came: hand it back without ever leading.
    if (acquired && config_.releaseOnCancel) release();
    finished_.store(true);
    return;
  }

  leader_.store(true);
  spdlog::info("leader election {}/{}: {} became leader", config_.leaseNamespace, config_.leaseName,
               config_.identity);
  if (config_.onStartedLeading) guarded("onStartedLeading", config_.onStartedLeading);

  auto lastRenew = clock_->now();
  bool lost = false;
  while (!thread_.stopRequested()) {
    if (!thread_.sleepFor(config_.retryPeriod)) break;
    const Attempt attempt = tryAcquireOrRenew();
    if (attempt == Attempt::Acquired) {
      lastRenew = clock_->now();
      continue;
    }
    if (attempt == Attempt::HeldByOther) {
      spdlog::info("leader election {}/{}: lease taken by {}", config_.leaseNamespace,
                   config_.leaseName, observedLeader());
      lost = true;
      break;
    }
    if (clock_->now() - lastRenew >= config_.renewDeadline) {
      spdlog::info("leader election {}/{}: could not renew within {} ms", config_.leaseNamespace,
                   config_.leaseName, config_.renewDeadline.count());
      lost = true;
      break;
    }
  }
  leader_.store(false);
  if (!lost && config_.releaseOnCancel) release();
  spdlog::info("leader election {}/{}: {} stopped leading", config_.leaseNamespace,
               config_.leaseName, config_.identity);
  if (config_.onStoppedLeading) guarded("onStoppedLeading", config_.onStoppedLeading);
  finished_.store(true);
}

}  // namespace rg::kube
