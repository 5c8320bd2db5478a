#include "infer/tokenizer/unicode.h"

#include <algorithm>
#include <array>

#include "infer/tokenizer/unicode_data.h"

namespace ward::infer::tokenizer {

namespace {

uint8_t lookup_flags(char32_t cp) {
  // The last range whose first code point is <= cp: ranges are sorted by (first << 8 | flags),
  // so searching for (cp << 8 | 0xFF) finds the first entry past it.
  const uint32_t* begin = unicode_data::kRanges;
  const uint32_t* end = begin + unicode_data::kRangeCount;
  const uint32_t key = (static_cast<uint32_t>(cp) << 8) | 0xFF;
  const uint32_t* it = std::upper_bound(begin, end, key);
  if (it == begin) return 0;
  return static_cast<uint8_t>(*(it - 1) & 0xFF);
}

// Code points below 256 are most of what source code holds; a direct table saves the search.
const std::array<uint8_t, 256>& latin1_flags() {
  static const std::array<uint8_t, 256> table = [] {
    std::array<uint8_t, 256> t{};
    for (char32_t cp = 0; cp < 256; ++cp) t[cp] = lookup_flags(cp);
    return t;
  }();
  return table;
}

bool is_continuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

}  // namespace

uint8_t char_flags(char32_t cp) {
  if (cp < 256) return latin1_flags()[cp];
  if (cp > kMaxCodePoint) return 0;
  return lookup_flags(cp);
}

std::string_view unicode_version() {
  return unicode_data::kUnicodeVersion;
}

void decode_utf8(std::string_view text, std::vector<char32_t>& out) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  size_t i = 0;
  while (i < size) {
    const unsigned char lead = bytes[i];
    if (lead < 0x80) {
      out.push_back(lead);
      ++i;
      continue;
    }
    size_t length = 0;
    char32_t cp = 0;
    char32_t minimum = 0;
    if ((lead & 0xE0) == 0xC0) {
      length = 2;
      cp = lead & 0x1F;
      minimum = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      cp = lead & 0x0F;
      minimum = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      cp = lead & 0x07;
      minimum = 0x10000;
    }
    bool valid = length != 0 && i + length <= size;
    for (size_t k = 1; valid && k < length; ++k) {
      if (!is_continuation(bytes[i + k])) {
        valid = false;
      } else {
        cp = (cp << 6) | (bytes[i + k] & 0x3F);
      }
    }
    if (valid && (cp < minimum || cp > kMaxCodePoint || (cp >= 0xD800 && cp <= 0xDFFF))) {
      valid = false;
    }
    if (valid) {
      out.push_back(cp);
      i += length;
    } else {
      out.push_back(kReplacementCharacter);
      ++i;
    }
  }
}

void append_utf8(char32_t cp, std::string& out) {
  if (cp > kMaxCodePoint || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacementCharacter;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace ward::infer::tokenizer
