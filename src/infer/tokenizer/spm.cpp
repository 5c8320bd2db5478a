// SentencePiece-style merging: characters are joined pairwise, the pair whose joined text is the
// best-scoring token first, until no adjacent pair forms a token.

#include <algorithm>
#include <vector>

#include "infer/tokenizer/tokenizer_data.h"
#include "infer/tokenizer/unicode.h"

namespace ward::infer::tokenizer {

namespace {

struct Symbol {
  uint32_t begin;  // bytes [begin, begin + length) of the text; length 0 once merged away
  uint32_t length;
  int32_t prev;
  int32_t next;
};

struct Bigram {
  float score;
  int32_t left;
  int32_t right;
  uint32_t length;  // of the joined text when queued; a mismatch later means it is stale
};

// The heap's top is the highest score, and among equal scores the leftmost pair.
bool lower_priority(const Bigram& a, const Bigram& b) {
  return a.score < b.score || (a.score == b.score && a.left > b.left);
}

class SpmSession {
 public:
  SpmSession(const Tokenizer::Data& data, std::string_view text) : data_(data), text_(text) {}

  void run(std::vector<TokenId>& out) {
    // Characters by their lead byte's announced length, without validation (as SentencePiece).
    const auto size = static_cast<uint32_t>(text_.size());
    for (uint32_t offset = 0; offset < size;) {
      const auto length = static_cast<uint32_t>(std::min<size_t>(
          utf8_sequence_length(static_cast<unsigned char>(text_[offset])), size - offset));
      const auto index = static_cast<int32_t>(symbols_.size());
      symbols_.push_back({offset, length, index - 1, offset + length < size ? index + 1 : -1});
      offset += length;
    }
    // A character that no token of two or more bytes contains (a newline, in most vocabularies)
    // never merges, so no merge crosses it: the merges on each side of it are the same whether
    // the pieces are merged together or apart. Merging one such segment at a time keeps the
    // queue small (a line of code, not the whole file).
    const auto count = static_cast<int32_t>(symbols_.size());
    for (int32_t i = 0; i < count; ++i) {
      if (i > 0) add_bigram(i - 1, i);
      const Symbol& s = symbols_[i];
      const bool barrier =
          s.length == 1 && data_.spm_barrier[static_cast<unsigned char>(text_[s.begin])];
      if (barrier || i + 1 == count) merge_queued();
    }

    for (int32_t i = symbols_.empty() ? -1 : 0; i >= 0; i = symbols_[i].next) {
      const Symbol& s = symbols_[i];
      const std::string_view piece = text_.substr(s.begin, s.length);
      if (TokenId id = data_.find(piece); id != kNoToken) {
        out.push_back(id);
        continue;
      }
      for (char byte : piece) {
        if (TokenId id = data_.byte_fallback[static_cast<unsigned char>(byte)]; id != kNoToken) {
          out.push_back(id);
        }
      }
    }
  }

 private:
  void merge_queued() {
    while (!heap_.empty()) {
      std::pop_heap(heap_.begin(), heap_.end(), lower_priority);
      const Bigram b = heap_.back();
      heap_.pop_back();
      Symbol& left = symbols_[b.left];
      Symbol& right = symbols_[b.right];
      if (left.length == 0 || right.length == 0 || left.length + right.length != b.length) {
        continue;
      }
      left.length += right.length;
      right.length = 0;
      left.next = right.next;
      if (right.next >= 0) symbols_[right.next].prev = b.left;
      add_bigram(left.prev, b.left);
      add_bigram(b.left, left.next);
    }
  }

  void add_bigram(int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    // Live neighbours are contiguous in the text, so their joined text is one slice of it.
    const uint32_t length = symbols_[left].length + symbols_[right].length;
    const TokenId id = data_.find(text_.substr(symbols_[left].begin, length));
    if (id == kNoToken) return;
    heap_.push_back({data_.scores[id], left, right, length});
    std::push_heap(heap_.begin(), heap_.end(), lower_priority);
  }

  const Tokenizer::Data& data_;
  std::string_view text_;
  std::vector<Symbol> symbols_;
  std::vector<Bigram> heap_;
};

}  // namespace

void tokenize_spm(const Tokenizer::Data& data, std::string_view escaped,
                  std::vector<TokenId>& out) {
  SpmSession(data, escaped).run(out);
}

}  // namespace ward::infer::tokenizer
