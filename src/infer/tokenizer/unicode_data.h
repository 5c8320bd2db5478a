#pragma once
// The generated Unicode table behind unicode.h (unicode_data.cpp, written by
// tools/unicode/gen_unicode_tables.py). Only unicode.cpp reads it. Immutable; thread-safe.

#include <cstddef>
#include <cstdint>

namespace ward::infer::tokenizer::unicode_data {

// The Unicode version the table was generated from, e.g. "14.0.0".
extern const char kUnicodeVersion[];
// Sorted ranges, each (first code point << 8) | flags, a range ending where the next begins;
// flags are a CharClass value | 0x08 for White_Space. The first entry starts at U+0000.
extern const uint32_t kRanges[];
extern const size_t kRangeCount;

}  // namespace ward::infer::tokenizer::unicode_data
