#pragma once
// The calls of runtime checks (HTTP probes, Prometheus queries) run on their own bounded set of
// threads, so a slow or hung target holds one of those, never a reconcile worker.
//
// A reconcile evaluates its gate through a Round. A call whose answer is not in yet is queued and
// gets a placeholder; once the evaluation has asked for everything it needs, settle() waits a
// short time for the queued calls, which run in parallel. When they all answered, the
// evaluation runs again and finds every answer. When they did not, the reconcile gives its
// worker back without acting or writing anything, and the pool calls `answered(gateKey)` once
// the last call of that gate is in, so the gate is queued again.
//
// Answers are kept only for the round that waits for them: a call that ends when no round of its
// gate waits any more is dropped, so a later round never judges an old answer.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "reconcilers/providers/provider.hpp"

namespace rg::providers {

struct RuntimeCheckPoolOptions {
  // Threads that make the calls. 0: every call runs on the thread of the round that makes it
  // (no pool; a hung target then holds that reconcile worker for the call's timeout).
  int workers = 8;
  // At most this many calls of gates of one namespace run at once, so one team's slow targets
  // cannot take every thread (0: no limit).
  int workersPerNamespace = 4;
  // How long a round waits for its calls before giving the reconcile worker back.
  std::chrono::milliseconds wait{100};
};

struct RuntimeCheckPoolStats {
  size_t queued = 0;   // calls waiting for a thread
  size_t running = 0;  // calls being made
};

class RuntimeCheckPool {
 public:
  using Answered = std::function<void(const std::string& gateKey)>;

  // `provider` must outlive the pool. `answered` runs on a pool thread.
  RuntimeCheckPool(Provider& provider, RuntimeCheckPoolOptions options, Answered answered);
  ~RuntimeCheckPool();
  RuntimeCheckPool(const RuntimeCheckPool&) = delete;
  RuntimeCheckPool& operator=(const RuntimeCheckPool&) = delete;

  // Drops the queued calls, ends the running ones at once (Provider::cancelCalls: no round uses
  // an answer after this) and joins its threads.
  void stop();

  // The calls of one reconcile of gate `gateKey` ("namespace/name"). Rounds of one gate do not
  // overlap (the work queue never hands a key to two workers at once).
  class Round final : public Provider {
   public:
    HttpProbeResult httpProbe(const HttpCheck& check) override;
    PromQueryResult prometheusQuery(const std::string& address, const std::string& query,
                                    kube::Duration timeout) override;

    // Waits (up to the pool's `wait`) for every call this round queued. True when they all
    // answered: evaluating again with this round finds every answer. False: some did not; the
    // pool calls `answered` for the gate when they have.
    bool settle();
    // A call had no answer yet: what was evaluated with this round must be thrown away.
    bool pending() const { return pending_; }
    // Ends the round (it was evaluated and its answers were used): drops them.
    ~Round();

   private:
    friend class RuntimeCheckPool;
    Round(RuntimeCheckPool& pool, std::string gateKey);
    Round(const Round&) = delete;
    Round& operator=(const Round&) = delete;
    RuntimeCheckPool& pool_;
    std::string key_;
    bool pending_ = false;
    std::set<std::string> missing_;  // calls this round asked for that had no answer
  };

  Round round(const std::string& gateKey) { return Round(*this, gateKey); }
  // The gate is gone: forgets its answers; its running calls are ignored when they end.
  void forget(const std::string& gateKey);

  RuntimeCheckPoolStats stats() const;
  const RuntimeCheckPoolOptions& options() const { return options_; }

 private:
  using Answer = std::variant<HttpProbeResult, PromQueryResult>;
  using Call = std::function<Answer()>;
  struct GateCalls {
    uint64_t id = 0;                        // a gate forgotten and seen again gets another
    std::map<std::string, Answer> answers;  // by call fingerprint
    std::set<std::string> inFlight;         // queued or running
    bool active = false;                    // a round of the gate is being evaluated
    // The calls a round went pending on: `answered_` is called once the last of them is in.
    std::set<std::string> awaited;
    // The round settling now waits on this (a variable of settle(), set and cleared under mu_).
    std::condition_variable* waiter = nullptr;
  };
  struct Job {
    std::string gateKey;
    std::string ns;
    uint64_t gateId = 0;
    std::string fingerprint;
    Call call;
  };

  void beginRound(const std::string& gateKey);
  Answer ask(Round& round, const std::string& fingerprint, Call call, Answer placeholder);
  bool settle(const Round& round);
  void endRound(const std::string& gateKey, bool pending);
  GateCalls& gateLocked(const std::string& gateKey);
  void work(std::stop_token stop);
  // The first queued job whose namespace is under its limit, or queue_.end().
  std::deque<Job>::iterator nextJobLocked();

  Provider& provider_;
  const RuntimeCheckPoolOptions options_;
  const Answered answered_;
  mutable std::mutex mu_;
  std::condition_variable_any jobReady_;
  std::deque<Job> queue_;
  std::map<std::string, int> runningPerNamespace_;
  size_t running_ = 0;
  std::map<std::string, GateCalls> gates_;
  uint64_t nextGateId_ = 0;
  bool stopped_ = false;
  std::vector<std::jthread> threads_;
};

}  // namespace rg::providers
