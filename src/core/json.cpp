#include "core/json.h"

#include <string>

namespace ward::core {

Result<nlohmann::json> parse_json(std::string_view text, int max_depth) {
  bool too_deep = false;
  // Returning false drops the value being built: the parser reads the rest without keeping it.
  auto bound = [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > max_depth) too_deep = true;
    return !too_deep;
  };
  nlohmann::json value =
      nlohmann::json::parse(text.begin(), text.end(), bound, /*allow_exceptions=*/false);
  if (too_deep) {
    return Error(Code::kInvalidArgument, "",
                 "nests more than " + std::to_string(max_depth) + " levels deep");
  }
  if (value.is_discarded()) {
    return Error(Code::kInvalidArgument, "", "is not valid JSON (or not valid UTF-8)");
  }
  return value;
}

}  // namespace ward::core
