#pragma once
// Captures what the process logs through spdlog's default logger while in scope (every level),
// for tests that assert a message was logged, and at which level. Header-only: it needs spdlog,
// which the test API server library does not link.
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rg::testing {

struct LogLine {
  spdlog::level::level_enum level;
  std::string message;
};

class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<Sink>()), previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("test", sink_);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::vector<LogLine> lines() const { return sink_->lines(); }
  // Lines at `level` whose message contains every one of `parts`.
  size_t count(spdlog::level::level_enum level, const std::vector<std::string>& parts) const {
    size_t n = 0;
    for (const auto& line : lines()) {
      if (line.level != level) continue;
      bool all = true;
      for (const auto& part : parts) all = all && line.message.find(part) != std::string::npos;
      if (all) ++n;
    }
    return n;
  }
  // Every line, "level: message", for failure output.
  std::string dump() const {
    std::string out;
    for (const auto& line : lines()) {
      auto level = spdlog::level::to_string_view(line.level);
      out += std::string(level.data(), level.size()) + ": " + line.message + "\n";
    }
    return out;
  }

 private:
  class Sink final : public spdlog::sinks::base_sink<std::mutex> {
   public:
    std::vector<LogLine> lines() {
      std::lock_guard lock(this->mutex_);
      return lines_;
    }

   protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
      lines_.push_back({msg.level, std::string(msg.payload.data(), msg.payload.size())});
    }
    void flush_() override {}

   private:
    std::vector<LogLine> lines_;
  };

  std::shared_ptr<Sink> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace rg::testing
