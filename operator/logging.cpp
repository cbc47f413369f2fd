#include "operator/logging.hpp"

#include <spdlog/details/fmt_helper.h>
#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace rg::logging {
namespace {

thread_local std::string tlsNamespace;
thread_local std::string tlsName;

std::string isoTime(spdlog::log_clock::time_point tp) {
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count() % 1000;
  std::time_t t = spdlog::log_clock::to_time_t(tp);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[40];
  std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buffer + n, sizeof buffer - n, ".%03dZ", static_cast<int>(millis));
  return buffer;
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto level = spdlog::level::to_string_view(msg.level);
    std::string line = jsonLine(isoTime(msg.time), std::string(level.data(), level.size()),
                                std::string(msg.logger_name.data(), msg.logger_name.size()),
                                std::string(msg.payload.data(), msg.payload.size()));
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

std::string jsonLine(const std::string& time, const std::string& level, const std::string& logger,
                     const std::string& message) {
  nlohmann::json line = {{"time", time},
                         {"level", level},
                         {"logger", logger.empty() ? "readiness-gate" : logger},
                         {"msg", message}};
  if (!tlsName.empty()) {
    line["namespace"] = tlsNamespace;
    line["name"] = tlsName;
  }
  // Replace invalid UTF-8 rather than throw from a log call.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

GateScope::GateScope(std::string ns, std::string name) {
  tlsNamespace = std::move(ns);
  tlsName = std::move(name);
}

GateScope::~GateScope() {
  tlsNamespace.clear();
  tlsName.clear();
}

void configure(const std::string& level, const std::string& format) {
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off")
    throw std::invalid_argument("--log-level must be trace, debug, info, warn or error, got \"" +
                                level + "\"");
  if (format != "text" && format != "json")
    throw std::invalid_argument("--log-format must be text or json, got \"" + format + "\"");
  auto logger = std::make_shared<spdlog::logger>("readiness-gate",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (format == "json") {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  }
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace rg::logging
