// parse_json: nesting up to the bound parses; deeper is refused with a message, however deep (the
// value is never built, so nothing recurses over it); malformed text is told apart.

#include "core/json.h"

#include <gtest/gtest.h>

#include <string>

namespace ward::core {
namespace {

// `levels` arrays inside each other, innermost holding 1, inside an object: {"a":[[...[1]...]]}.
std::string nested(int levels) {
  return "{\"a\":" + std::string(levels, '[') + "1" + std::string(levels, ']') + "}";
}

TEST(ParseJson, NestingUpToTheBoundParses) {
  auto value = parse_json(nested(kMaxJsonDepth - 1));  // the object is one level more
  ASSERT_TRUE(value) << value.error().to_string();
  const nlohmann::json* inner = &(*value)["a"];
  for (int level = 1; level < kMaxJsonDepth - 1; ++level) inner = &(*inner)[0];
  EXPECT_EQ(*inner, nlohmann::json::array({1}));
  EXPECT_EQ(value->dump().size(), nested(kMaxJsonDepth - 1).size());
}

TEST(ParseJson, DeeperIsRefusedWithoutBuildingIt) {
  for (int levels : {kMaxJsonDepth, 1'000'000}) {
    auto value = parse_json(nested(levels));
    ASSERT_FALSE(value) << levels;
    EXPECT_EQ(value.error().code(), Code::kInvalidArgument);
    EXPECT_EQ(value.error().message(), "nests more than 64 levels deep");
  }
  EXPECT_FALSE(parse_json("[[[1]]]", 2));
  EXPECT_TRUE(parse_json("[[[1]]]", 3));
}

TEST(ParseJson, MalformedTextIsToldApart) {
  for (std::string_view text : {"", "{", "{\"a\":}", "[1,]", "\"\xff\"", "{} {}"}) {
    auto value = parse_json(text);
    ASSERT_FALSE(value) << text;
    EXPECT_EQ(value.error().message(), "is not valid JSON (or not valid UTF-8)") << text;
  }
  auto scalar = parse_json("42");
  ASSERT_TRUE(scalar);
  EXPECT_EQ(*scalar, 42);
}

}  // namespace
}  // namespace ward::core
