#include "core/log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ward::core {
namespace {

TEST(LogTest, JsonLineEscapesTheMessage) {
  std::string line = format_json_log_line("2026-11-26T10:00:00.000Z", "info", "a \"quoted\"\nline");
  ASSERT_EQ(line.back(), '\n');
  auto record = nlohmann::json::parse(line);
  EXPECT_EQ(record["msg"], "a \"quoted\"\nline");
  EXPECT_EQ(record["level"], "info");
  EXPECT_EQ(record["time"], "2026-11-26T10:00:00.000Z");
}

TEST(LogTest, InvalidUtf8NeverThrows) {
  std::string line = format_json_log_line("t", "warn", std::string("bad \xff byte"));
  EXPECT_TRUE(nlohmann::json::accept(line));
}

TEST(LogTest, RejectsUnknownLevelAndFormat) {
  EXPECT_FALSE(check_log_level("loud").ok());
  EXPECT_TRUE(check_log_level("debug").ok());
  EXPECT_FALSE(parse_log_format("xml").ok());
  EXPECT_EQ(*parse_log_format("json"), LogFormat::kJson);
  EXPECT_TRUE(init_logging({"info", LogFormat::kJson}).ok());
  EXPECT_FALSE(init_logging({"loud", LogFormat::kJson}).ok());
}

}  // namespace
}  // namespace ward::core
