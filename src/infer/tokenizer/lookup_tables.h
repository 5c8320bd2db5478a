#pragma once
// Internal to the tokenizer: the two hash tables on its hot paths, flat and open-addressed (one
// array, linear probing) because tokenizing is mostly lookups and std::unordered_map's node per
// entry costs a cache miss each. Built once, then only read: any number of threads may read.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ward::infer::tokenizer {

// Token text -> token id, over texts the caller keeps (the index stores ids, not strings).
class TextIndex {
 public:
  // Indexes texts[0..n); where two tokens share a text the later id wins (as upstream).
  void build(const std::vector<std::string>& texts) {
    texts_ = &texts;
    size_t capacity = 16;
    while (capacity < texts.size() * 2) capacity <<= 1;
    mask_ = capacity - 1;
    slots_.assign(capacity, 0);
    for (size_t id = 0; id < texts.size(); ++id) {
      const uint64_t hash = hash_of(texts[id]);
      for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
        const uint64_t slot = slots_[i];
        if (slot == 0) {
          slots_[i] = pack(hash, id);
          break;
        }
        if (same_tag(slot, hash) && texts[id_of(slot)] == texts[id]) {
          slots_[i] = pack(hash, id);
          break;
        }
      }
    }
  }

  // The id of the token whose text is `text`, or -1.
  int32_t find(std::string_view text) const {
    if (slots_.empty()) return -1;
    const uint64_t hash = hash_of(text);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const uint64_t slot = slots_[i];
      if (slot == 0) return -1;
      if (same_tag(slot, hash) && (*texts_)[id_of(slot)] == text) {
        return static_cast<int32_t>(id_of(slot));
      }
    }
  }

 private:
  // A slot holds (the hash's top 32 bits << 32) | (id + 1); 0 is empty.
  static uint64_t hash_of(std::string_view text) { return std::hash<std::string_view>{}(text); }
  static uint64_t pack(uint64_t hash, size_t id) { return (hash & ~0xFFFFFFFFull) | (id + 1); }
  static bool same_tag(uint64_t slot, uint64_t hash) { return (slot >> 32) == (hash >> 32); }
  static size_t id_of(uint64_t slot) { return (slot & 0xFFFFFFFFull) - 1; }

  const std::vector<std::string>* texts_ = nullptr;
  std::vector<uint64_t> slots_;
  size_t mask_ = 0;
};

// BPE merges: (left id, right id) -> (rank, id of the joined text or -1).
class MergeIndex {
 public:
  struct Merge {
    int32_t rank = -1;  // -1: empty slot
    int32_t result = -1;
  };

  void reserve(size_t count) {
    size_t capacity = 16;
    int bits = 4;
    while (capacity < count * 2) {
      capacity <<= 1;
      ++bits;
    }
    mask_ = capacity - 1;
    shift_ = 64 - bits;
    keys_.assign(capacity, 0);
    merges_.assign(capacity, Merge{});
  }

  // Adds the pair unless it is there already (the first, best-ranked merge of a pair wins).
  void insert(int32_t left, int32_t right, Merge merge) {
    const uint64_t key = key_of(left, right);
    for (size_t i = slot_of(key);; i = (i + 1) & mask_) {
      if (merges_[i].rank < 0) {
        keys_[i] = key;
        merges_[i] = merge;
        return;
      }
      if (keys_[i] == key) return;
    }
  }

  // The merge of the pair, or nullptr.
  const Merge* find(int32_t left, int32_t right) const {
    if (merges_.empty()) return nullptr;
    const uint64_t key = key_of(left, right);
    for (size_t i = slot_of(key);; i = (i + 1) & mask_) {
      if (merges_[i].rank < 0) return nullptr;
      if (keys_[i] == key) return &merges_[i];
    }
  }

 private:
  static uint64_t key_of(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }
  // Fibonacci hashing: the top bits of the product spread consecutive ids over the table.
  size_t slot_of(uint64_t key) const {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  std::vector<uint64_t> keys_;
  std::vector<Merge> merges_;
  size_t mask_ = 0;
  int shift_ = 60;
};

}  // namespace ward::infer::tokenizer
