// The expected words below were worked out by hand from each pre-tokenizer's regular expressions
// (leftmost match, alternatives tried in order, greedy quantifiers with backtracking).

#include "infer/tokenizer/pre_tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ward::infer::tokenizer {
namespace {

using Words = std::vector<std::string>;

TEST(InferTokenizerPreTokenizer, Gpt2) {
  EXPECT_EQ(split_words(PreTokenizer::kGpt2, "Hello world's 123  foo!!\n\n  bar"),
            (Words{"Hello", " world", "'s", " 123", " ", " foo", "!!", "\n\n ", " bar"}));
  // Contractions are lower case only; a run of spaces at the end stays whole.
  EXPECT_EQ(split_words(PreTokenizer::kGpt2, "I'M a  "), (Words{"I", "'", "M", " a", "  "}));
  EXPECT_EQ(split_words(PreTokenizer::kGpt2, "don't we'll"), (Words{"don", "'t", " we", "'ll"}));
  // A lone tab before a word is its own word (\s+), a space joins the word.
  EXPECT_EQ(split_words(PreTokenizer::kGpt2, "\tx y"), (Words{"\t", "x", " y"}));
  EXPECT_TRUE(split_words(PreTokenizer::kGpt2, "").empty());
}

TEST(InferTokenizerPreTokenizer, Llama3) {
  EXPECT_EQ(split_words(PreTokenizer::kLlama3, "Hello world's 123456 we'RE x\t\tfoo\r\n\n  bar  "),
            (Words{"Hello", " world", "'s", " ", "123", "456", " we", "'RE", " x", "\t", "\tfoo",
                   "\r\n\n", " ", " bar", "  "}));
  // Punctuation takes the line breaks that follow it; a space before an apostrophe is not a
  // contraction's.
  EXPECT_EQ(split_words(PreTokenizer::kLlama3, "!!\n\nx 'tis"),
            (Words{"!!\n\n", "x", " '", "tis"}));
  // Any one non-letter, non-digit code point (not \r or \n) leads a run of letters.
  EXPECT_EQ(split_words(PreTokenizer::kLlama3, "(abc\n12"), (Words{"(abc", "\n", "12"}));
}

TEST(InferTokenizerPreTokenizer, Qwen2SplitsEveryDigit) {
  EXPECT_EQ(split_words(PreTokenizer::kQwen2, "x=123 'S"),
            (Words{"x", "=", "1", "2", "3", " '", "S"}));
  EXPECT_EQ(split_words(PreTokenizer::kQwen2, "it'S"), (Words{"it", "'S"}));
}

TEST(InferTokenizerPreTokenizer, DeepseekCoder) {
  EXPECT_EQ(
      split_words(PreTokenizer::kDeepseekCoder, "Hello, \xE4\xB8\x96\xE7\x95\x8C 123\nfoo"),
      (Words{"Hello", ",", " ", "\xE4\xB8\x96\xE7\x95\x8C", " ", "1", "2", "3", "\n", "foo"}));
  // U+3000 is in the CJK class's range but is white space, which upstream masks before matching.
  EXPECT_EQ(split_words(PreTokenizer::kDeepseekCoder, "\xE4\xB8\x96\xE3\x80\x80\xE7\x95\x8C"),
            (Words{"\xE4\xB8\x96", "\xE3\x80\x80", "\xE7\x95\x8C"}));
  // \s?\p{P}+ takes one white-space code point before punctuation.
  EXPECT_EQ(split_words(PreTokenizer::kDeepseekCoder, "a  ...b"), (Words{"a", " ", " ...", "b"}));
}

TEST(InferTokenizerPreTokenizer, StarcoderSplitsDigitsBeforeGpt2Rules) {
  EXPECT_EQ(split_words(PreTokenizer::kStarcoder, "abc123 def"),
            (Words{"abc", "1", "2", "3", " def"}));
  // The digit split ends the piece, so GPT-2's rules see "x  " alone and keep its spaces whole.
  EXPECT_EQ(split_words(PreTokenizer::kStarcoder, "x  1"), (Words{"x", "  ", "1"}));
  EXPECT_EQ(split_words(PreTokenizer::kGpt2, "x  1"), (Words{"x", " ", " 1"}));
}

TEST(InferTokenizerPreTokenizer, DefaultAndFalcon) {
  EXPECT_EQ(split_words(PreTokenizer::kDefault, "a+=b; x:=12345"),
            (Words{"a", "+=", "b", ";", " x", ":=", "123", "45"}));
  // Falcon adds the backtick to the punctuation class.
  EXPECT_EQ(split_words(PreTokenizer::kDefault, "`+"), (Words{"`", "+"}));
  EXPECT_EQ(split_words(PreTokenizer::kFalcon, "`+"), (Words{"`+"}));
  EXPECT_EQ(split_words(PreTokenizer::kFalcon, "1234567"), (Words{"123", "456", "7"}));
}

TEST(InferTokenizerPreTokenizer, NonAsciiClasses) {
  // U+00A0 is white space (but not the optional ASCII space before a word); ½ is a number; the
  // emoji is a symbol, which joins the punctuation after it.
  EXPECT_EQ(split_words(PreTokenizer::kGpt2, "a\xC2\xA0\xC2\xA0\xC2\xBD \xF0\x9F\x98\x80!"),
            (Words{"a", "\xC2\xA0", "\xC2\xA0", "\xC2\xBD", " \xF0\x9F\x98\x80!"}));
}

TEST(InferTokenizerPreTokenizer, CodePointsNewInUnicode15AreClassified) {
  // Kawi digits (Unicode 15.0) are numbers: not part of the word with the space before them.
  EXPECT_EQ(split_words(PreTokenizer::kLlama3, " \xF0\x91\xBD\x90\xF0\x91\xBD\x91"),
            (Words{" ", "\xF0\x91\xBD\x90\xF0\x91\xBD\x91"}));
}

TEST(InferTokenizerPreTokenizer, WordsCoverInvalidInput) {
  // Bytes that are not UTF-8 become U+FFFD (a symbol) before splitting.
  EXPECT_EQ(split_words(PreTokenizer::kLlama3,
                        "a\xFF"
                        "b"),
            (Words{"a",
                   "\xEF\xBF\xBD"
                   "b"}));
}

TEST(InferTokenizerPreTokenizer, NamesSelectRulesAndDefaults) {
  ASSERT_TRUE(pre_tokenizer_named("llama-bpe"));
  EXPECT_EQ(pre_tokenizer_named("llama-bpe")->kind, PreTokenizer::kLlama3);
  EXPECT_TRUE(pre_tokenizer_named("llama-bpe")->ignore_merges);
  EXPECT_TRUE(pre_tokenizer_named("llama-bpe")->add_bos);
  EXPECT_EQ(pre_tokenizer_named("refact")->kind, PreTokenizer::kStarcoder);
  EXPECT_EQ(pre_tokenizer_named("qwen2")->kind, PreTokenizer::kQwen2);
  EXPECT_FALSE(pre_tokenizer_named("qwen2")->add_bos);
  EXPECT_EQ(pre_tokenizer_named("gpt-2")->kind, PreTokenizer::kGpt2);
  EXPECT_FALSE(pre_tokenizer_named("tekken"));
  EXPECT_EQ(pre_tokenizer_name(PreTokenizer::kDeepseekCoder), "deepseek-coder");
}

}  // namespace
}  // namespace ward::infer::tokenizer
