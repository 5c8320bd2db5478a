#pragma once
// Internal to the tokenizer: the immutable tables behind a Tokenizer, and the two merge
// algorithms (spm.cpp, bpe.cpp) that read them. Built once by Tokenizer::create(); after that
// only read, so any number of threads may share one Data.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "infer/tokenizer/lookup_tables.h"
#include "infer/tokenizer/tokenizer.h"

namespace ward::infer::tokenizer {

// Token attributes, as upstream derives them from the token type and the model's name.
enum TokenAttr : uint16_t {
  kAttrUndefined = 0,
  kAttrUnknown = 1 << 0,
  kAttrUnused = 1 << 1,
  kAttrNormal = 1 << 2,
  kAttrControl = 1 << 3,
  kAttrUserDefined = 1 << 4,
  kAttrByte = 1 << 5,
  kAttrLstrip = 1 << 6,  // white space before the token is dropped when it is matched in text
  kAttrRstrip = 1 << 7,  // white space after it is dropped
};

struct Tokenizer::Data {
  TokenizerModel model = TokenizerModel::kSpm;
  PreTokenizerProfile pre;
  SpecialTokens special;

  std::vector<std::string> texts;   // id -> vocabulary text
  std::vector<float> scores;        // id -> SPM merge score
  std::vector<uint16_t> attrs;      // id -> TokenAttr bits
  std::vector<std::string> pieces;  // id -> rendering of a normal or byte token (token_to_piece)
  std::vector<bool> end_of_generation;
  // text -> id over `texts`, which never changes after construction.
  TextIndex by_text;

  // BPE: (left id, right id) -> (rank in tokenizer.ggml.merges, lower first; the token of the
  // joined text or kNoToken); the token of each byte's GPT-2 character.
  MergeIndex merges;
  std::array<TokenId, 256> byte_tokens{};
  // SPM: the token that spells each byte when no piece covers it (<0xXX>, else the byte itself
  // as a token, else the unknown token, else kNoToken and the byte is dropped).
  std::array<TokenId, 256> byte_fallback{};
  // SPM: the ASCII bytes that no token text of two or more bytes contains. Such a byte is a
  // character that never merges, so merging can proceed one segment between them at a time.
  std::array<bool, 256> spm_barrier{};

  // Control, user-defined and unknown tokens, longest text first (ties: lower id first): the
  // order in which they are searched for in the text.
  std::vector<TokenId> specials_by_length;

  TokenId find(std::string_view text) const { return by_text.find(text); }
  bool valid(TokenId id) const { return id >= 0 && static_cast<size_t>(id) < texts.size(); }
};

// GPT-2's byte-level alphabet: every byte is shown as a printable code point (bytes that are
// printable Latin-1 as themselves, the others as U+0100 upwards). The UTF-8 of byte b's code point.
std::string_view byte_to_unicode(uint8_t byte);
// The byte a code point of that alphabet stands for, or -1 for a code point outside it.
int byte_of_unicode(char32_t cp);

// SentencePiece merging of one fragment whose spaces are already "▁" (and which already has its
// space prefix); appends the ids to `out`.
void tokenize_spm(const Tokenizer::Data& data, std::string_view escaped, std::vector<TokenId>& out);

// Byte-level BPE over the fragments of one tokenize() call; remembers each word's ids so that a
// word met again in the same call (identifiers, keywords, indentation) costs one lookup.
class BpeSession {
 public:
  explicit BpeSession(const Tokenizer::Data& data) : data_(data) {}
  void tokenize(std::string_view fragment, std::vector<TokenId>& out);

 private:
  struct Symbol {
    TokenId id;      // the token of the symbol's text, kNoToken when there is none
    uint32_t begin;  // the word's bytes [begin, begin + length)
    uint32_t length;
    int32_t prev;
    int32_t next;
  };
  struct Candidate {
    int32_t rank;
    int32_t left;
    int32_t right;
    TokenId left_id;
    TokenId right_id;
  };
  void merge_word(std::string_view word, std::vector<TokenId>& out);
  void add_candidate(int32_t left, int32_t right);

  const Tokenizer::Data& data_;
  std::vector<char32_t> cps_;
  std::vector<WordSpan> words_;
  std::string word_;
  std::vector<Symbol> symbols_;
  std::vector<Candidate> heap_;
  std::unordered_map<std::string, std::vector<TokenId>> cache_;
};

}  // namespace ward::infer::tokenizer
