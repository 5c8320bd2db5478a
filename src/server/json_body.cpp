#include "server/json_body.h"

#include <fmt/format.h>

#include "core/json.h"

namespace ward::server {

using core::Code;
using core::Error;
using nlohmann::json;

core::Result<json> parse_json_object(std::string_view text) {
  auto body = core::parse_json(text);
  if (!body)
    return Error(Code::kInvalidArgument, "body", "the request body " + body.error().message());
  if (!body->is_object()) {
    return Error(Code::kInvalidArgument, "body", "the request body must be a JSON object");
  }
  return body;
}

Error invalid(std::string field, std::string message) {
  return Error(Code::kInvalidArgument, std::move(field), std::move(message));
}

core::Result<std::string> Fields::text(const char* name, size_t max_bytes) const {
  auto it = body_.find(name);
  if (it == body_.end() || it->is_null()) return std::string();
  if (!it->is_string()) return invalid(name, "must be a string");
  const auto& value = it->get_ref<const std::string&>();
  if (value.size() > max_bytes) {
    return invalid(name,
                   fmt::format("is {} bytes; the most accepted is {}", value.size(), max_bytes));
  }
  return value;
}

core::Result<int64_t> Fields::integer(const char* name, int64_t fallback) const {
  auto it = body_.find(name);
  if (it == body_.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) return invalid(name, "must be an integer");
  return it->get<int64_t>();
}

core::Result<double> Fields::number(const char* name, double fallback) const {
  auto it = body_.find(name);
  if (it == body_.end() || it->is_null()) return fallback;
  if (!it->is_number()) return invalid(name, "must be a number");
  return it->get<double>();
}

core::Result<bool> Fields::boolean(const char* name) const {
  auto it = body_.find(name);
  if (it == body_.end() || it->is_null()) return false;
  if (!it->is_boolean()) return invalid(name, "must be true or false");
  return it->get<bool>();
}

const json* Fields::find(const char* name) const {
  auto it = body_.find(name);
  return it == body_.end() || it->is_null() ? nullptr : &*it;
}

}  // namespace ward::server
