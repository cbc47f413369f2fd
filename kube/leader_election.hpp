#pragma once
// Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics: a candidate
// takes the Lease when it is absent, released, or unchanged for its leaseDurationSeconds as
// seen on the candidate's own clock (so clock skew between nodes does not matter); the leader
// renews every retryPeriod and gives up when it cannot renew within renewDeadline or sees
// another holder. Updates carry the resourceVersion read (409 Conflict: re-read, retry).
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/background_thread.hpp"
#include "kube/clock.hpp"
#include "kube/rest_client.hpp"

namespace rg::kube {

struct LeaderElectionConfig {
  std::string leaseNamespace;
  std::string leaseName;
  std::string identity;  // empty: defaultLeaderIdentity()
  // client-go / controller-runtime defaults. As client-go checks: leaseDuration >
  // renewDeadline > retryJitter * retryPeriod, and retryPeriod > 0.
  std::chrono::milliseconds leaseDuration{15'000};
  std::chrono::milliseconds renewDeadline{10'000};
  std::chrono::milliseconds retryPeriod{2'000};
  // Candidates retry every retryPeriod * (1 + [0, retryJitter)) (client-go's JitterFactor).
  double retryJitter = 1.2;
  // On stop(), a leader hands the Lease back (empty holder, leaseDurationSeconds 1) so that a
  // successor takes over at its next retry instead of waiting for the lease to expire.
  bool releaseOnCancel = true;
  std::shared_ptr<Clock> clock;  // default: the real clock
  // Called on the elector's thread; they must return promptly (start or stop work elsewhere),
  // since renewals wait for them.
  std::function<void()> onStartedLeading;
  // After leadership was lost or released; not called when this elector never led.
  std::function<void()> onStoppedLeading;
  // When the observed holder changes (including to this elector); "" when released.
  std::function<void(const std::string& identity)> onNewLeader;
};

// $POD_NAME, or the host name when unset, followed by "_" and a random UUID, so that two
// processes never share an identity (a restarted container is a new candidate).
std::string defaultLeaderIdentity();

// "2006-01-02T15:04:05.000000Z" (metav1.MicroTime), UTC.
std::string formatMicroTime(std::chrono::system_clock::time_point t);

class LeaderElector {
 public:
  // Throws std::invalid_argument for an incoherent configuration. The client must outlive
  // this object.
  LeaderElector(RestClient& client, LeaderElectionConfig config);
  // stop()
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Runs the election on a thread: acquire, then renew until leadership is lost or stop().
  // Once leadership is lost the thread ends (as client-go's Run returns): a process that lost
  // the lease is expected to exit and start over as a new candidate.
  void start();
  // Ends the election: a leader releases the Lease (releaseOnCancel) and calls
  // onStoppedLeading before this returns. Idempotent.
  void stop();

  // Turns true just before onStartedLeading runs and false just before onStoppedLeading.
  bool isLeader() const { return leader_.load(); }
  // True once the thread has ended (leadership lost, or stopped).
  bool finished() const { return finished_.load(); }
  const std::string& identity() const { return config_.identity; }
  // The holder last seen on the Lease ("" if none or not read yet).
  std::string observedLeader() const;
  // Why the last attempt to read or write the Lease failed ("get the Lease: 403 Forbidden..."),
  // or "" when it succeeded (the Lease was read, whoever holds it). Each failure is also logged
  // at error level, so a candidate that cannot reach its Lease says so every retry period.
  std::string leaseError() const;

 private:
  enum class Attempt { Acquired, HeldByOther, Failed };

  void run();
  Attempt tryAcquireOrRenew();
  void observe(const nlohmann::json& spec);
  Attempt failed(const char* step, const std::exception& error);
  void reached();
  nlohmann::json recordSpec(const nlohmann::json& old, bool keepAcquireTime) const;
  void release();
  std::chrono::nanoseconds jitteredRetry();

  RestClient& client_;
  LeaderElectionConfig config_;
  std::shared_ptr<Clock> clock_;
  std::int64_t leaseDurationSeconds_;
  std::mt19937_64 rng_;

  std::atomic<bool> leader_{false};
  std::atomic<bool> finished_{false};

  mutable std::mutex mu_;            // guards the observed record
  nlohmann::json observedSpec_;      // the Lease spec last read or written
  Clock::TimePoint observedTime_{};  // when observedSpec_ last changed, on clock_
  std::string observedHolder_;
  std::string leaseError_;
  BackgroundThread thread_;
};

}  // namespace rg::kube
