#pragma once
// A ListerWatcher whose lists and watch streams the test controls: lists answer the scripted
// contents (or throw a scripted error); every watch gets a fresh ScriptedLineSource the test
// feeds line by line, ends cleanly, or breaks.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/informer.hpp"

namespace rg::testing {

class ScriptedLineSource {
 public:
  void push(const std::string& line) { enqueue({Kind::Line, line}); }
  void pushEvent(const std::string& type, const nlohmann::json& object) {
    push(nlohmann::json{{"type", type}, {"object", object}}.dump());
  }
  // The server ends the stream (a watch timeout).
  void end() { enqueue({Kind::End, {}}); }
  // The connection breaks.
  void fail(const std::string& message) { enqueue({Kind::Fail, message}); }

  bool cancelled() const {
    std::lock_guard lock(mu_);
    return cancelled_;
  }

  bool readLine(std::string& line) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return cancelled_ || !items_.empty(); });
    if (cancelled_) return false;
    Item item = std::move(items_.front());
    items_.pop_front();
    lock.unlock();
    switch (item.kind) {
      case Kind::Line:
        line = std::move(item.text);
        return true;
      case Kind::End:
        return false;
      case Kind::Fail:
        throw std::runtime_error(item.text);
    }
    return false;
  }

  void cancel() {
    {
      std::lock_guard lock(mu_);
      cancelled_ = true;
    }
    cv_.notify_all();
  }

 private:
  enum class Kind { Line, End, Fail };
  struct Item {
    Kind kind;
    std::string text;
  };
  void enqueue(Item item) {
    {
      std::lock_guard lock(mu_);
      items_.push_back(std::move(item));
    }
    cv_.notify_all();
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> items_;
  bool cancelled_ = false;
};

// The LineSource handed to WatchStream; the test keeps the shared ScriptedLineSource.
class SharedLineSource : public kube::LineSource {
 public:
  explicit SharedLineSource(std::shared_ptr<ScriptedLineSource> source)
      : source_(std::move(source)) {}
  bool readLine(std::string& line) override { return source_->readLine(line); }
  void cancel() override { source_->cancel(); }

 private:
  std::shared_ptr<ScriptedLineSource> source_;
};

class FakeListerWatcher : public kube::ListerWatcher {
 public:
  // What the next lists answer.
  void setList(std::vector<nlohmann::json> items, std::string resourceVersion) {
    std::lock_guard lock(mu_);
    items_ = std::move(items);
    listRv_ = std::move(resourceVersion);
  }
  // The next `count` lists (or watch starts) throw `error`.
  void failLists(std::exception_ptr error, int count = 1) {
    std::lock_guard lock(mu_);
    listError_ = std::move(error);
    listErrors_ = count;
  }
  void failWatches(std::exception_ptr error, int count = 1) {
    std::lock_guard lock(mu_);
    watchError_ = std::move(error);
    watchErrors_ = count;
  }

  kube::ListResult list(const kube::ListOptions& options) override {
    std::unique_lock lock(mu_);
    listCalls_.push_back(options);
    cv_.notify_all();
    if (listErrors_ > 0) {
      --listErrors_;
      std::rethrow_exception(listError_);
    }
    kube::ListResult result{items_, listRv_};
    if (options.eachItem)
      for (auto& item : result.items) options.eachItem(item);
    return result;
  }

  std::unique_ptr<kube::WatchStream> watch(const kube::WatchOptions& options) override {
    std::unique_lock lock(mu_);
    watchCalls_.push_back(options);
    if (watchErrors_ > 0) {
      --watchErrors_;
      cv_.notify_all();
      std::rethrow_exception(watchError_);
    }
    auto source = std::make_shared<ScriptedLineSource>();
    sources_.push_back(source);
    cv_.notify_all();
    return std::make_unique<kube::WatchStream>(std::make_unique<SharedLineSource>(source));
  }

  std::string describe() const override { return "fake objects"; }

  // Waits for the n-th (1-based) successful watch and returns its source.
  std::shared_ptr<ScriptedLineSource> waitForWatch(
      std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return sources_.size() >= n; })) return nullptr;
    return sources_[n - 1];
  }
  bool waitForListCalls(std::size_t n,
                        std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return listCalls_.size() >= n; });
  }
  bool waitForWatchCalls(std::size_t n,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return watchCalls_.size() >= n; });
  }
  std::vector<kube::ListOptions> listCalls() const {
    std::lock_guard lock(mu_);
    return listCalls_;
  }
  std::vector<kube::WatchOptions> watchCalls() const {
    std::lock_guard lock(mu_);
    return watchCalls_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<nlohmann::json> items_;
  std::string listRv_ = "1";
  std::exception_ptr listError_;
  int listErrors_ = 0;
  std::exception_ptr watchError_;
  int watchErrors_ = 0;
  std::vector<kube::ListOptions> listCalls_;
  std::vector<kube::WatchOptions> watchCalls_;
  std::vector<std::shared_ptr<ScriptedLineSource>> sources_;
};

// Records handler calls as lines ("add ns/a 3", "update ns/a 3->4", "delete ns/a 4") and lets
// the test wait for a number of them.
class EventLog {
 public:
  kube::EventHandlers handlers() {
    kube::EventHandlers h;
    h.onAdd = [this](const nlohmann::json& o) {
      append("add " + kube::objectKey(o) + " " + kube::objectResourceVersion(o));
    };
    h.onUpdate = [this](const nlohmann::json& oldObject, const nlohmann::json& newObject) {
      append("update " + kube::objectKey(newObject) + " " + kube::objectResourceVersion(oldObject) +
             "->" + kube::objectResourceVersion(newObject));
    };
    h.onDelete = [this](const nlohmann::json& o) {
      append("delete " + kube::objectKey(o) + " " + kube::objectResourceVersion(o));
    };
    return h;
  }

  bool waitFor(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return lines_.size() >= n; });
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mu_);
    return lines_;
  }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return lines_.size();
  }

 private:
  void append(std::string line) {
    {
      std::lock_guard lock(mu_);
      lines_.push_back(std::move(line));
    }
    cv_.notify_all();
  }
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
};

inline nlohmann::json makeObject(const std::string& ns, const std::string& name,
                                 const std::string& resourceVersion,
                                 nlohmann::json labels = nlohmann::json::object()) {
  nlohmann::json meta = {{"name", name}, {"resourceVersion", resourceVersion}};
  if (!ns.empty()) meta["namespace"] = ns;
  if (!labels.empty()) meta["labels"] = std::move(labels);
  return {{"metadata", std::move(meta)}};
}

inline nlohmann::json bookmark(const std::string& resourceVersion) {
  return {{"kind", "Pod"}, {"metadata", {{"resourceVersion", resourceVersion}}}};
}

inline nlohmann::json expiredStatus() {
  return {{"kind", "Status"},    {"apiVersion", "v1"},
          {"metadata", {}},      {"status", "Failure"},
          {"reason", "Expired"}, {"message", "too old resource version: 5 (9)"},
          {"code", 410}};
}

}  // namespace rg::testing
