#include "infer/tokenizer/unicode.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ward::infer::tokenizer {
namespace {

std::vector<char32_t> decode(std::string_view text) {
  std::vector<char32_t> out;
  decode_utf8(text, out);
  return out;
}

TEST(InferTokenizerUnicode, CategoriesOfKnownCodePoints) {
  // Expected classes from the Unicode Character Database's general categories.
  struct Row {
    char32_t cp;
    CharClass cls;
    bool space;
  };
  const Row rows[] = {
      {U'A', CharClass::kLetter, false},         {U'z', CharClass::kLetter, false},
      {0x00E9, CharClass::kLetter, false},  // é Ll
      {0x4E16, CharClass::kLetter, false},  // 世 Lo
      {0x0663, CharClass::kNumber, false},  // Arabic-Indic three, Nd
      {0x00BD, CharClass::kNumber, false},  // ½ No
      {U'7', CharClass::kNumber, false},         {U'!', CharClass::kPunctuation, false},
      {U'_', CharClass::kPunctuation, false},    {U'$', CharClass::kSymbol, false},
      {U'+', CharClass::kSymbol, false},         {U'`', CharClass::kSymbol, false},
      {0x20AC, CharClass::kSymbol, false},   // € Sc
      {0x1F600, CharClass::kSymbol, false},  // 😀 So
      {0x0301, CharClass::kMark, false},     // combining acute, Mn
      {U' ', CharClass::kSeparator, true},       {0x00A0, CharClass::kSeparator, true},
      {0x3000, CharClass::kSeparator, true},  // ideographic space
      {0x2028, CharClass::kSeparator, true},  // line separator, Zl
      {U'\t', CharClass::kControl, true},        {U'\n', CharClass::kControl, true},
      {0x0085, CharClass::kControl, true},   // next line: Cc and White_Space
      {0x001F, CharClass::kControl, false},  // unit separator: Cc, not White_Space
      {0x200B, CharClass::kControl, false},  // zero width space: Cf, not White_Space
      {0xE000, CharClass::kControl, false},  // private use, Co
      {0x0378, CharClass::kUnassigned, false},   {0x10FFFF, CharClass::kUnassigned, false},
      {0x110000, CharClass::kUnassigned, false},  // beyond Unicode
  };
  for (const Row& row : rows) {
    EXPECT_EQ(char_class(row.cp), row.cls) << std::hex << "U+" << static_cast<uint32_t>(row.cp);
    EXPECT_EQ(is_whitespace(row.cp), row.space)
        << std::hex << "U+" << static_cast<uint32_t>(row.cp);
  }
}

TEST(InferTokenizerUnicode, TablesAreUnicode15Point1LikeTheReference) {
  // llama.cpp classifies code points by Unicode 15.1, so Ward's tables must too: characters new
  // in 15.0 and 15.1 are classified, those of 16.0 are not yet.
  EXPECT_EQ(unicode_version(), "15.1.0");
  EXPECT_EQ(char_class(0x11F04), CharClass::kLetter);      // KAWI LETTER A, 15.0
  EXPECT_EQ(char_class(0x11F50), CharClass::kNumber);      // KAWI DIGIT ZERO, 15.0
  EXPECT_EQ(char_class(0x31350), CharClass::kLetter);      // CJK Extension H, 15.0
  EXPECT_EQ(char_class(0x2EBF0), CharClass::kLetter);      // CJK Extension I, 15.1
  EXPECT_EQ(char_class(0x1FA77), CharClass::kSymbol);      // PINK HEART, 15.0
  EXPECT_EQ(char_class(0x10D50), CharClass::kUnassigned);  // Garay, 16.0
}

TEST(InferTokenizerUnicode, DecodesWellFormedUtf8) {
  EXPECT_EQ(decode("a\xC3\xA9\xE4\xB8\x96\xF0\x9F\x98\x80"),
            (std::vector<char32_t>{U'a', 0xE9, 0x4E16, 0x1F600}));
  EXPECT_EQ(decode(std::string("\0b", 2)), (std::vector<char32_t>{0, U'b'}));
  EXPECT_TRUE(decode("").empty());
}

TEST(InferTokenizerUnicode, EachBadByteBecomesOneReplacementCharacter) {
  const char32_t r = kReplacementCharacter;
  EXPECT_EQ(decode("\xFF"), (std::vector<char32_t>{r}));
  EXPECT_EQ(decode("\x80x"), (std::vector<char32_t>{r, U'x'}));  // stray continuation
  EXPECT_EQ(decode("\xE2\x82"
                   "a"),
            (std::vector<char32_t>{r, r, U'a'}));                       // truncated
  EXPECT_EQ(decode("\xE2\x82"), (std::vector<char32_t>{r, r}));         // truncated at the end
  EXPECT_EQ(decode("\xC0\x80"), (std::vector<char32_t>{r, r}));         // overlong NUL
  EXPECT_EQ(decode("\xED\xA0\x80"), (std::vector<char32_t>{r, r, r}));  // surrogate D800
  EXPECT_EQ(decode("\xF4\x90\x80\x80"), (std::vector<char32_t>{r, r, r, r}));  // U+110000
}

TEST(InferTokenizerUnicode, EncodesEveryLength) {
  std::string out;
  for (char32_t cp : {char32_t{0x24}, char32_t{0xA2}, char32_t{0x20AC}, char32_t{0x10348}}) {
    append_utf8(cp, out);
  }
  EXPECT_EQ(out, "\x24\xC2\xA2\xE2\x82\xAC\xF0\x90\x8D\x88");
  out.clear();
  append_utf8(0xD800, out);  // not encodable: U+FFFD instead
  EXPECT_EQ(out, "\xEF\xBF\xBD");
}

TEST(InferTokenizerUnicode, SequenceLengthFromTheLeadByte) {
  EXPECT_EQ(utf8_sequence_length('a'), 1u);
  EXPECT_EQ(utf8_sequence_length(0x80), 1u);  // a continuation byte counts as one
  EXPECT_EQ(utf8_sequence_length(0xC3), 2u);
  EXPECT_EQ(utf8_sequence_length(0xE2), 3u);
  EXPECT_EQ(utf8_sequence_length(0xF0), 4u);
  EXPECT_EQ(utf8_sequence_length(0xFF), 4u);
}

}  // namespace
}  // namespace ward::infer::tokenizer
