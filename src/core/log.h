#pragma once
// Process-wide logging on spdlog, to stderr: human-readable text on a terminal, JSON lines
// otherwise (for journald, a container runtime or a SIEM forwarder). Call init_logging once at
// start-up, before other threads log; after that spdlog's default logger is thread-safe.
//
// Never log secrets: tokens, passwords, keys, prompts and code. Log ids and outcomes instead.

#include <string>
#include <string_view>

#include "core/error.h"

namespace ward::core {

enum class LogFormat { kAuto, kText, kJson };

struct LogOptions {
  std::string level = "info";  // trace, debug, info, warn, error, off
  LogFormat format = LogFormat::kAuto;
};

Result<LogFormat> parse_log_format(std::string_view text);
// Checks a level name; the error lists the valid names.
Status check_log_level(std::string_view level);

Status init_logging(const LogOptions& options);

// One JSON log line for a message (exposed for tests): {"time":…,"level":…,"msg":…}.
std::string format_json_log_line(std::string_view time, std::string_view level,
                                 std::string_view message);

}  // namespace ward::core
