#pragma once
// Text checks and renderings shared by the GGUF reader, writer and `ward model inspect`: UTF-8
// validation of keys and tensor names, and quoting of untrusted bytes for messages. Pure
// functions; thread-safe.

#include <cstddef>
#include <string>
#include <string_view>

namespace ward::infer::gguf {

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates, nothing above
// U+10FFFF).
bool is_valid_utf8(std::string_view text);

// True when `text` holds an ASCII control character (U+0000 to U+001F or U+007F).
bool has_control_characters(std::string_view text);

// `text` in double quotes for a message or a summary: printable UTF-8 as is, control characters
// and invalid bytes escaped (\n, \t, \xNN), cut after about `max_bytes` bytes (at a character
// boundary) with "…" and the full length appended.
std::string quote_for_message(std::string_view text, size_t max_bytes = 80);

// `text` (valid UTF-8) cut to at most `max_bytes` bytes at a character boundary, with "…" when cut.
std::string clip(std::string_view text, size_t max_bytes = 120);

}  // namespace ward::infer::gguf
