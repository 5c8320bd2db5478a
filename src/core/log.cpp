#include "core/log.h"

#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <nlohmann/json.hpp>

#include "core/clock.h"

namespace ward::core {
namespace {

constexpr std::array<std::string_view, 6> kLevels = {"trace", "debug", "info", "warn", "error", "off"};

// Formats each record as one JSON object per line.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto level = spdlog::level::to_string_view(msg.level);
    std::string line = format_json_log_line(
        format_rfc3339(msg.time), std::string_view(level.data(), level.size()),
        std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

std::string format_json_log_line(std::string_view time, std::string_view level,
                                 std::string_view message) {
  nlohmann::json record = {{"time", time}, {"level", level}, {"msg", message}};
  // Replace invalid UTF-8 rather than throw: a log line must never take the process down.
  return record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<LogFormat> parse_log_format(std::string_view text) {
  if (text == "auto") return LogFormat::kAuto;
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  return Error(Code::kInvalidArgument, std::string(text),
               "unknown log format; use one of auto, text, json");
}

Status check_log_level(std::string_view level) {
  for (auto known : kLevels) {
    if (level == known) return {};
  }
  return Error(Code::kInvalidArgument, std::string(level),
               "unknown log level; use one of trace, debug, info, warn, error, off");
}

Status init_logging(const LogOptions& options) {
  if (auto status = check_log_level(options.level); !status) return status;
  spdlog::drop("ward");  // allow re-initialisation (tests, reloading)
  auto logger = spdlog::stderr_color_mt("ward");
  const bool json = options.format == LogFormat::kJson ||
                    (options.format == LogFormat::kAuto && !::isatty(STDERR_FILENO));
  if (json) {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  }
  logger->set_level(spdlog::level::from_str(options.level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  return {};
}

}  // namespace ward::core
