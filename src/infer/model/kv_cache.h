#pragma once
// The key/value cache of one sequence: for every layer and every position up to the context
// size, the keys and values of all key/value heads (after RoPE for keys), so each new token
// attends to the past without recomputing it. Which positions are valid is the Session's
// business (it tracks the tokens the cache holds); the cache is plain storage.
//
// Layout. Keys are kept per (layer, key/value head) in kernels::attend()'s block layout
// (infer/kernels/attention_args.h: 16 positions per block, one row of 16 lanes per dimension),
// so the attention kernel scores 16 positions with whole-vector multiply-adds; values per
// (layer, position) as rows of kv_dim floats, head after head, which the kernel reads a row at a
// time. Storing a key scatters it into its block; that is once per position, attention reads it
// once per later query.
//
// F32, not llama.cpp's default F16: attention reads the cache once per token, a small share of
// the time next to the weights for the context sizes Ward uses (at 4096 positions a 0.5B Qwen2
// model's cache is 96 MiB against 500 MiB of weights), and F32 keeps Ward's attention exact
// where llama.cpp rounds keys, values and queries to F16. The storage is allocated once, at
// session creation, and not zeroed, so pages are only made resident as positions are written.
//
// Threads: one Session's; the forward pass writes disjoint positions from several threads.

#include <cstddef>
#include <cstdint>
#include <memory>

namespace ward::infer::model {

class KvCache {
 public:
  KvCache(int32_t layers, int32_t context_size, int32_t kv_heads, int32_t head_dim);

  int32_t context_size() const { return context_size_; }
  size_t bytes() const { return 2 * elements_ * sizeof(float); }

  // Stores the key and value (kv_dim floats each, head after head) of `position` in `layer`.
  void store(int32_t layer, int32_t position, const float* key, const float* value);

  // Copies the keys and values of positions [begin, end) in every layer from `other`, a cache
  // of the same shape: a beam search's branch takes over its parent's sequence.
  void copy_positions(const KvCache& other, int32_t begin, int32_t end);

  // The key blocks of one head in `layer`, from position 0 (kernels::AttentionArgs::key_blocks).
  const float* key_blocks(int32_t layer, int32_t kv_head) const {
    return keys_.get() + key_offset(layer, kv_head);
  }
  // The values of all heads of `layer` at `position` (kv_dim floats).
  const float* values(int32_t layer, int32_t position) const {
    return values_.get() + value_offset(layer, position);
  }
  int64_t value_stride() const { return static_cast<int64_t>(kv_heads_) * head_dim_; }

 private:
  size_t key_offset(int32_t layer, int32_t kv_head) const {
    return (static_cast<size_t>(layer) * static_cast<size_t>(kv_heads_) +
            static_cast<size_t>(kv_head)) *
           static_cast<size_t>(padded_context_) * static_cast<size_t>(head_dim_);
  }
  size_t value_offset(int32_t layer, int32_t position) const {
    return (static_cast<size_t>(layer) * static_cast<size_t>(context_size_) +
            static_cast<size_t>(position)) *
           static_cast<size_t>(value_stride());
  }

  int32_t layers_;
  int32_t context_size_;
  int32_t padded_context_;  // rounded up to whole key blocks
  int32_t kv_heads_;
  int32_t head_dim_;
  size_t elements_;
  std::unique_ptr<float[]> keys_;
  std::unique_ptr<float[]> values_;
};

}  // namespace ward::infer::model
