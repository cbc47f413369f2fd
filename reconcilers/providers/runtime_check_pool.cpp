#include "reconcilers/providers/runtime_check_pool.hpp"

#include <algorithm>

namespace rg::providers {
namespace {

// Separates the parts of a call's fingerprint; none of them can hold it (URLs, PromQL and
// addresses are text without control characters).
constexpr char kSep = '\x1f';

std::string httpFingerprint(const HttpCheck& check) {
  std::string out = "http";
  for (const std::string* part : {&check.url, &check.method, &check.bodyContains})
    out += kSep + *part;
  for (int status : check.expectedStatus) out += kSep + std::to_string(status);
  out += kSep + std::to_string(check.timeout.value().count());
  return out;
}

std::string prometheusFingerprint(const std::string& address, const std::string& query,
                                  kube::Duration timeout) {
  return std::string("prometheus") + kSep + address + kSep + query + kSep +
         std::to_string(timeout.value().count());
}

std::string namespaceOf(const std::string& gateKey) {
  return gateKey.substr(0, gateKey.find('/'));
}

constexpr const char* kNotYet = "no answer yet";

}  // namespace

RuntimeCheckPool::RuntimeCheckPool(Provider& provider, RuntimeCheckPoolOptions options,
                                   Answered answered)
    : provider_(provider), options_(options), answered_(std::move(answered)) {
  for (int i = 0; i < options_.workers; ++i)
    threads_.emplace_back([this](std::stop_token stop) { work(stop); });
}

RuntimeCheckPool::~RuntimeCheckPool() {
  stop();
}

void RuntimeCheckPool::stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    queue_.clear();
  }
  for (auto& thread : threads_) thread.request_stop();
  jobReady_.notify_all();
  {
    std::lock_guard lock(mu_);
    for (auto& [key, gate] : gates_)
      if (gate.waiter) gate.waiter->notify_one();
  }
  // No round uses an answer any more: calls in progress end now instead of at their timeout.
  if (!threads_.empty()) provider_.cancelCalls();
  threads_.clear();  // joins
}

RuntimeCheckPool::GateCalls& RuntimeCheckPool::gateLocked(const std::string& gateKey) {
  auto [it, added] = gates_.try_emplace(gateKey);
  if (added) it->second.id = ++nextGateId_;
  return it->second;
}

void RuntimeCheckPool::beginRound(const std::string& gateKey) {
  std::lock_guard lock(mu_);
  gateLocked(gateKey).active = true;
}

RuntimeCheckPool::Answer RuntimeCheckPool::ask(Round& round, const std::string& fingerprint,
                                               Call call, Answer placeholder) {
  std::unique_lock lock(mu_);
  GateCalls& gate = gateLocked(round.key_);
  if (auto it = gate.answers.find(fingerprint); it != gate.answers.end()) return it->second;
  if (options_.workers <= 0) {
    lock.unlock();
    Answer answer = call();
    lock.lock();
    // Kept for the round, which may ask again (calls started before the evaluation).
    gateLocked(round.key_).answers[fingerprint] = answer;
    return answer;
  }
  round.pending_ = true;
  round.missing_.insert(fingerprint);
  if (!stopped_ && gate.inFlight.insert(fingerprint).second) {
    queue_.push_back({round.key_, namespaceOf(round.key_), gate.id, fingerprint, std::move(call)});
    jobReady_.notify_one();
  }
  return placeholder;
}

bool RuntimeCheckPool::settle(const Round& round) {
  if (!round.pending_) return true;
  std::unique_lock lock(mu_);
  // Every call this round misses has answered (calls of earlier rounds are not waited for).
  auto answered = [&] {
    auto it = gates_.find(round.key_);
    if (stopped_ || it == gates_.end()) return false;
    return std::ranges::all_of(round.missing_, [&](const std::string& fingerprint) {
      return it->second.answers.contains(fingerprint);
    });
  };
  // Only this round's waiter is woken by its gate's answers: one condition variable for every
  // waiting worker woke them all for each answer.
  auto gate = gates_.find(round.key_);
  if (gate == gates_.end()) return false;  // forgotten since it asked: no answer will come
  std::condition_variable answerReady;
  const uint64_t gateId = gate->second.id;
  gate->second.waiter = &answerReady;
  const bool done = answerReady.wait_for(lock, options_.wait, [&] {
    return stopped_ || answered();
  }) && answered();
  if (auto it = gates_.find(round.key_); it != gates_.end() && it->second.id == gateId)
    it->second.waiter = nullptr;
  if (done) return true;
  // Whoever evaluates next needs these answers: tell the caller's queue when they are in.
  if (auto it = gates_.find(round.key_); it != gates_.end() && !stopped_) {
    for (const auto& fingerprint : round.missing_)
      if (!it->second.answers.contains(fingerprint)) it->second.awaited.insert(fingerprint);
  }
  return false;
}

void RuntimeCheckPool::endRound(const std::string& gateKey, bool pending) {
  std::lock_guard lock(mu_);
  auto it = gates_.find(gateKey);
  if (it == gates_.end()) return;
  it->second.active = false;
  if (pending) return;  // the answers are for the round that comes back for them
  it->second.answers.clear();
  it->second.awaited.clear();
}

void RuntimeCheckPool::forget(const std::string& gateKey) {
  std::lock_guard lock(mu_);
  auto it = gates_.find(gateKey);
  if (it == gates_.end()) return;
  const uint64_t id = it->second.id;
  std::erase_if(queue_, [&](const Job& job) { return job.gateKey == gateKey && job.gateId == id; });
  // A round waiting for the gate's answers waits out its time, as for any answer not in.
  if (it->second.waiter) it->second.waiter->notify_one();
  gates_.erase(it);
}

RuntimeCheckPoolStats RuntimeCheckPool::stats() const {
  std::lock_guard lock(mu_);
  return {queue_.size(), running_};
}

std::deque<RuntimeCheckPool::Job>::iterator RuntimeCheckPool::nextJobLocked() {
  if (options_.workersPerNamespace <= 0) return queue_.begin();
  return std::ranges::find_if(queue_, [&](const Job& job) {
    auto it = runningPerNamespace_.find(job.ns);
    return it == runningPerNamespace_.end() || it->second < options_.workersPerNamespace;
  });
}

void RuntimeCheckPool::work(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (true) {
    jobReady_.wait(lock, stop, [&] { return stopped_ || nextJobLocked() != queue_.end(); });
    if (stopped_ || stop.stop_requested()) return;
    auto next = nextJobLocked();
    Job job = std::move(*next);
    queue_.erase(next);
    // ask() wakes one thread per job, and a woken thread may have found only jobs of a namespace
    // at its limit: pass the wake-up on while jobs that can run are left.
    if (nextJobLocked() != queue_.end()) jobReady_.notify_one();
    ++running_;
    ++runningPerNamespace_[job.ns];
    lock.unlock();
    Answer answer = job.call();
    lock.lock();
    --running_;
    if (--runningPerNamespace_[job.ns] == 0) runningPerNamespace_.erase(job.ns);
    // A job skipped because its namespace was at the limit is taken by this thread when it
    // loops: no other thread needs waking (waking them all cost a context switch each per call).
    auto it = gates_.find(job.gateKey);
    if (it == gates_.end() || it->second.id != job.gateId) continue;  // forgotten meanwhile
    GateCalls& gate = it->second;
    gate.inFlight.erase(job.fingerprint);
    // Nobody waits for it: a later round calls again rather than judge an old answer.
    if (gate.active || !gate.awaited.empty()) gate.answers[job.fingerprint] = std::move(answer);
    if (gate.waiter) gate.waiter->notify_one();
    if (gate.awaited.erase(job.fingerprint) == 0 || !gate.awaited.empty()) continue;
    const std::string key = job.gateKey;
    lock.unlock();
    if (answered_) answered_(key);
    lock.lock();
  }
}

RuntimeCheckPool::Round::Round(RuntimeCheckPool& pool, std::string gateKey)
    : pool_(pool), key_(std::move(gateKey)) {
  pool_.beginRound(key_);
}

RuntimeCheckPool::Round::~Round() {
  pool_.endRound(key_, pending_);
}

HttpProbeResult RuntimeCheckPool::Round::httpProbe(const HttpCheck& check) {
  HttpProbeResult notYet;
  notYet.error = kNotYet;
  Provider& provider = pool_.provider_;
  auto answer = pool_.ask(
      *this, httpFingerprint(check),
      [&provider, check]() -> Answer {
        try {
          return provider.httpProbe(check);
        } catch (const std::exception& e) {
          // Providers report problems in their results; a throwing one must not end a thread.
          HttpProbeResult failed;
          failed.error = std::string("provider error: ") + e.what();
          return failed;
        }
      },
      notYet);
  return std::get<HttpProbeResult>(answer);
}

PromQueryResult RuntimeCheckPool::Round::prometheusQuery(const std::string& address,
                                                         const std::string& query,
                                                         kube::Duration timeout) {
  Provider& provider = pool_.provider_;
  auto answer = pool_.ask(
      *this, prometheusFingerprint(address, query, timeout),
      [&provider, address, query, timeout]() -> Answer {
        try {
          return provider.prometheusQuery(address, query, timeout);
        } catch (const std::exception& e) {
          return PromQueryResult::failure(std::string("provider error: ") + e.what());
        }
      },
      PromQueryResult::failure(kNotYet));
  return std::get<PromQueryResult>(answer);
}

bool RuntimeCheckPool::Round::settle() {
  if (!pool_.settle(*this)) return false;
  pending_ = false;  // evaluating again finds every answer
  missing_.clear();
  return true;
}

}  // namespace rg::providers
