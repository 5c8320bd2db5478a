#pragma once
// Pre-tokenizers of byte-level BPE vocabularies: the rules that cut text into words before BPE
// merges run inside each word (a merge never crosses a word boundary).
//
// Upstream, each pre-tokenizer is a list of regular expressions over Unicode categories (\p{L},
// \p{N}, \p{P}), white space (\s) and lookahead (\s+(?!\S)), applied in sequence: each one splits
// every piece that the previous one left into its matches and the text between them. Ward does
// not run a regex engine; each expression is matched by hand with the Unicode tables of
// unicode.h, reproducing the reference tokenizer (llama.cpp) piece for piece, including the way
// it matches white space that is not ASCII and code points that no category covers.
//
// Pure functions; any thread may call them.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ward::infer::tokenizer {

// The split rules, named after the pre-tokenizer that introduced them. In the patterns below,
// a "|" list is tried left to right at each position, as a regex alternation is.
enum class PreTokenizer {
  // 1. [\p{P}$+<=>^~|]+  2. GPT-2's rules  3. \p{N}+  4. [0-9][0-9][0-9]
  kDefault,
  // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  kGpt2,
  // (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
  // \s*[\r\n]+|\s+(?!\S)|\s+
  kLlama3,
  // Llama 3's rules with single digits (\p{N} instead of \p{N}{1,3}).
  kQwen2,
  // 1. [\r\n]  2. \s?\p{L}+  3. \s?\p{P}+  4. [U+0800-U+9FA5 U+AC00-U+D7FF]+  5. \p{N}
  kDeepseekCoder,
  // 1. \p{N}  2. GPT-2's rules
  kStarcoder,
  // 1. [\p{P}$+<=>^~|`]+  2. GPT-2's rules  3. [0-9][0-9][0-9]
  kFalcon,
};

// What a `tokenizer.ggml.pre` name selects: the split rules and the two vocabulary defaults that
// upstream ties to the same name.
struct PreTokenizerProfile {
  PreTokenizer kind = PreTokenizer::kDefault;
  // A word that is itself a token is emitted whole, without running the merges (Llama 3).
  bool ignore_merges = false;
  // The default of tokenizer.ggml.add_bos_token when the file does not say.
  bool add_bos = false;
};

// The profile for a `tokenizer.ggml.pre` value ("llama-bpe", "qwen2", "gpt-2", ...), or nullopt
// for a name Ward does not know. Accepted names: default; llama3, llama-v3, llama-bpe, falcon3,
// pixtral; dbrx, smaug-bpe; qwen2, deepseek-r1-qwen, megrez, stablelm2; deepseek-coder;
// starcoder, refact, smollm, codeshell, command-r, exaone, minerva-7b; falcon; gpt-2, phi-2,
// mpt, olmo, jais, exaone4.
std::optional<PreTokenizerProfile> pre_tokenizer_named(std::string_view name);

// The canonical name of the rules: "default", "gpt-2", "llama3", "qwen2", "deepseek-coder",
// "starcoder", "falcon".
std::string_view pre_tokenizer_name(PreTokenizer kind);

// A word: the code points [begin, end) of the text that was split.
struct WordSpan {
  uint32_t begin = 0;
  uint32_t end = 0;
};

// Splits `text` into words as `kind` does and appends them to `words` in text order. The words
// cover the text exactly: no gaps, no overlaps, no empty word (an empty text gives none).
void split_words(PreTokenizer kind, std::span<const char32_t> text, std::vector<WordSpan>& words);

// The same on UTF-8 text, returning the words as UTF-8 (invalid bytes become U+FFFD first, see
// decode_utf8). For tests and tools.
std::vector<std::string> split_words(PreTokenizer kind, std::string_view text);

}  // namespace ward::infer::tokenizer
