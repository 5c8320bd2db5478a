#pragma once
// JSON that comes from outside Ward (request bodies, an upstream's or a server's replies), parsed
// with a bound on its nesting. nlohmann's parser does not recurse, but copying, comparing and
// dumping a value recurse once per level: a 1 MiB body of '[' parses, and then crashes whatever
// copies or dumps it.

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/error.h"

namespace ward::core {

// Arrays and objects within each other; no request or reply Ward reads needs more than ten.
inline constexpr int kMaxJsonDepth = 64;

// The value, or invalid_argument with "is not valid JSON (or not valid UTF-8)" or "nests more
// than N levels deep" as the message (for the caller to prefix with what the text is).
Result<nlohmann::json> parse_json(std::string_view text, int max_depth = kMaxJsonDepth);

}  // namespace ward::core
