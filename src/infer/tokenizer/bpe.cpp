// Byte-level BPE: GPT-2's byte alphabet and the ranked merges inside each pre-tokenized word.

#include <algorithm>
#include <utility>

#include "infer/tokenizer/tokenizer_data.h"
#include "infer/tokenizer/unicode.h"

namespace ward::infer::tokenizer {

namespace {

struct ByteAlphabet {
  std::array<char32_t, 256> cp_of_byte{};
  std::array<std::string, 256> utf8_of_byte;
  std::array<int16_t, 512> byte_of_cp{};  // every code point of the alphabet is below U+0144
};

// Bytes 0x21-0x7E, 0xA1-0xAC and 0xAE-0xFF stand for themselves; the other 68 bytes take
// U+0100, U+0101, ... in byte order.
const ByteAlphabet& alphabet() {
  static const ByteAlphabet table = [] {
    ByteAlphabet t;
    t.byte_of_cp.fill(-1);
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      const char32_t cp = printable ? static_cast<char32_t>(b) : next++;
      t.cp_of_byte[b] = cp;
      append_utf8(cp, t.utf8_of_byte[b]);
      t.byte_of_cp[cp] = static_cast<int16_t>(b);
    }
    return t;
  }();
  return table;
}

// The heap puts the lowest rank on top, and among equal ranks the leftmost pair.
bool lower_priority(const auto& a, const auto& b) {
  return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
}

}  // namespace

std::string_view byte_to_unicode(uint8_t byte) {
  return alphabet().utf8_of_byte[byte];
}

int byte_of_unicode(char32_t cp) {
  return cp < 512 ? alphabet().byte_of_cp[cp] : -1;
}

void BpeSession::tokenize(std::string_view fragment, std::vector<TokenId>& out) {
  cps_.clear();
  words_.clear();
  decode_utf8(fragment, cps_);
  split_words(data_.pre.kind, cps_, words_);
  for (const WordSpan& span : words_) {
    word_.clear();
    for (uint32_t i = span.begin; i < span.end; ++i) append_utf8(cps_[i], word_);
    auto cached = cache_.find(word_);
    if (cached != cache_.end()) {
      out.insert(out.end(), cached->second.begin(), cached->second.end());
      continue;
    }
    std::vector<TokenId> ids;
    merge_word(word_, ids);
    out.insert(out.end(), ids.begin(), ids.end());
    cache_.emplace(word_, std::move(ids));
  }
}

void BpeSession::add_candidate(int32_t left, int32_t right) {
  if (left < 0 || right < 0) return;
  const TokenId a = symbols_[left].id;
  const TokenId b = symbols_[right].id;
  if (a == kNoToken || b == kNoToken) return;
  const MergeIndex::Merge* merge = data_.merges.find(a, b);
  if (merge == nullptr) return;
  heap_.push_back({merge->rank, left, right, a, b});
  std::push_heap(heap_.begin(), heap_.end(),
                 [](const Candidate& x, const Candidate& y) { return lower_priority(x, y); });
}

void BpeSession::merge_word(std::string_view word, std::vector<TokenId>& out) {
  const ByteAlphabet& abc = alphabet();
  if (data_.pre.ignore_merges) {
    std::string mapped;
    for (unsigned char b : word) mapped += abc.utf8_of_byte[b];
    if (TokenId whole = data_.find(mapped); whole != kNoToken) {
      out.push_back(whole);
      return;
    }
  }

  // One symbol per byte; merges join neighbours, and a symbol's id always names its whole text,
  // so a pair is a candidate exactly when the merges list has (left id, right id).
  symbols_.clear();
  heap_.clear();
  const auto n = static_cast<int32_t>(word.size());
  for (int32_t i = 0; i < n; ++i) {
    symbols_.push_back({data_.byte_tokens[static_cast<unsigned char>(word[i])],
                        static_cast<uint32_t>(i), 1, i - 1, i + 1 < n ? i + 1 : -1});
  }
  for (int32_t i = 1; i < n; ++i) add_candidate(i - 1, i);

  const auto cmp = [](const Candidate& x, const Candidate& y) { return lower_priority(x, y); };
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), cmp);
    const Candidate c = heap_.back();
    heap_.pop_back();
    Symbol& left = symbols_[c.left];
    Symbol& right = symbols_[c.right];
    // Stale: one side was merged away or grew since the pair was queued.
    if (left.length == 0 || right.length == 0 || left.id != c.left_id || right.id != c.right_id) {
      continue;
    }
    left.id = data_.merges.find(c.left_id, c.right_id)->result;
    left.length += right.length;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) symbols_[right.next].prev = c.left;
    add_candidate(left.prev, c.left);
    add_candidate(c.left, left.next);
  }

  for (int32_t i = 0; i >= 0 && i < n; i = symbols_[i].next) {
    const Symbol& s = symbols_[i];
    if (s.id != kNoToken) {
      out.push_back(s.id);
      continue;
    }
    // A text with no token (a merge whose result is not in the vocabulary, or a byte the
    // vocabulary lacks): upstream then looks up each byte of the mapped UTF-8 text as a
    // one-byte token and drops the bytes that are none.
    std::string mapped;
    for (uint32_t k = s.begin; k < s.begin + s.length; ++k) {
      mapped += abc.utf8_of_byte[static_cast<unsigned char>(word[k])];
    }
    for (char byte : mapped) {
      if (TokenId id = data_.find(std::string_view(&byte, 1)); id != kNoToken) out.push_back(id);
    }
  }
}

}  // namespace ward::infer::tokenizer
