#pragma once
// The key/value cache of one sequence: for every layer and every position up to the context
// size, the keys and values of all key/value heads (after RoPE for keys), so each new token
// attends to the past without recomputing it. Which positions are valid is the Session's
// business (it tracks the tokens the cache holds); the cache is plain storage.
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
  KvCache(int32_t layers, int32_t context_size, int32_t kv_dim);

  int32_t context_size() const { return context_size_; }
  int32_t kv_dim() const { return kv_dim_; }
  size_t bytes() const { return 2 * elements_ * sizeof(float); }

  // Layer `layer`'s keys (values) at `position`: kv_dim floats, head after head.
  float* keys(int32_t layer, int32_t position) { return keys_.get() + offset(layer, position); }
  float* values(int32_t layer, int32_t position) { return values_.get() + offset(layer, position); }
  const float* keys(int32_t layer, int32_t position) const {
    return keys_.get() + offset(layer, position);
  }
  const float* values(int32_t layer, int32_t position) const {
    return values_.get() + offset(layer, position);
  }

 private:
  size_t offset(int32_t layer, int32_t position) const {
    return (static_cast<size_t>(layer) * static_cast<size_t>(context_size_) +
            static_cast<size_t>(position)) *
           static_cast<size_t>(kv_dim_);
  }

  int32_t context_size_;
  int32_t kv_dim_;
  size_t elements_;
  std::unique_ptr<float[]> keys_;
  std::unique_ptr<float[]> values_;
};

}  // namespace ward::infer::model
