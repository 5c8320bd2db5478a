#pragma once
// Small text helpers shared across modules.

#include <string_view>

namespace ward::core {

// Space, tab, line breaks, form feed, vertical tab.
constexpr std::string_view kWhitespace = " \t\r\n\f\v";

constexpr bool is_whitespace(char c) {
  return kWhitespace.find(c) != std::string_view::npos;
}

// `text` without leading and trailing whitespace.
constexpr std::string_view trim(std::string_view text) {
  const size_t first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kWhitespace) - first + 1);
}

// The value of a hexadecimal digit (either case), or -1 for any other character.
constexpr int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace ward::core
