#include "infer/gguf/text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

namespace ward::infer::gguf {
namespace {

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 when it is not one
// (Unicode 15, table 3-7).
size_t sequence_length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t lead = byte(i);
  const size_t left = text.size() - i;
  auto continuation = [&](size_t k, uint8_t low = 0x80, uint8_t high = 0xbf) {
    return byte(i + k) >= low && byte(i + k) <= high;
  };
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return left >= 2 && continuation(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    if (left < 3) return 0;
    const uint8_t low = lead == 0xe0 ? 0xa0 : 0x80;   // no overlong forms
    const uint8_t high = lead == 0xed ? 0x9f : 0xbf;  // no surrogates
    return continuation(1, low, high) && continuation(2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    if (left < 4) return 0;
    const uint8_t low = lead == 0xf0 ? 0x90 : 0x80;   // no overlong forms
    const uint8_t high = lead == 0xf4 ? 0x8f : 0xbf;  // nothing above U+10FFFF
    return continuation(1, low, high) && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t length = sequence_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

bool has_control_characters(std::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<uint8_t>(c);
    if (byte < 0x20 || byte == 0x7f) return true;
  }
  return false;
}

std::string quote_for_message(std::string_view text, size_t max_bytes) {
  std::string out = "\"";
  size_t i = 0;
  while (i < text.size() && i < max_bytes) {
    const auto byte = static_cast<uint8_t>(text[i]);
    const size_t length = sequence_length(text, i);
    if (length > 1) {
      out.append(text.substr(i, length));
      i += length;
      continue;
    }
    switch (byte) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (length == 1 && byte >= 0x20 && byte != 0x7f) {
          out += static_cast<char>(byte);
        } else {
          out += fmt::format("\\x{:02x}", byte);
        }
    }
    ++i;
  }
  out += "\"";
  if (i < text.size()) out += fmt::format("… ({} bytes)", text.size());
  return out;
}

std::string clip(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = 0;
  while (end < text.size()) {
    const size_t length = std::max<size_t>(sequence_length(text, end), 1);
    if (end + length > max_bytes) break;
    end += length;
  }
  return std::string(text.substr(0, end)) + "…";
}

}  // namespace ward::infer::gguf
