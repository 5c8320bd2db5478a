#pragma once
// A request's JSON body and typed access to its fields. Every way a body can be wrong — not JSON,
// not UTF-8, not an object, a field of the wrong type or too long — is kInvalidArgument naming
// what is wrong, never an exception: nlohmann's exceptions are never let out of here.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/error.h"

namespace ward::server {

// The body as a JSON object (strict RFC 8259, UTF-8 checked).
core::Result<nlohmann::json> parse_json_object(std::string_view text);

// Bytes of any one text field (prefix, suffix, prompt, a file's content).
inline constexpr size_t kMaxTextField = 256 * 1024;

// kInvalidArgument naming `field`.
core::Error invalid(std::string field, std::string message);

// Typed access to the request body: a field of the wrong type is an error naming it.
class Fields {
 public:
  explicit Fields(const nlohmann::json& body) : body_(body) {}

  // A string of at most `max_bytes`; "" when absent or null.
  core::Result<std::string> text(const char* name, size_t max_bytes = kMaxTextField) const;
  // An integer; `fallback` when absent or null.
  core::Result<int64_t> integer(const char* name, int64_t fallback) const;
  // Any number; `fallback` when absent or null.
  core::Result<double> number(const char* name, double fallback) const;
  // true or false; false when absent or null.
  core::Result<bool> boolean(const char* name) const;
  // The field, or nullptr when absent or null.
  const nlohmann::json* find(const char* name) const;

 private:
  const nlohmann::json& body_;
};

}  // namespace ward::server
