#include "infer/model/kv_cache.h"

#include <algorithm>
#include <cstring>

#include "infer/kernels/attention_args.h"

namespace ward::infer::model {

using kernels::kKeyBlock;

KvCache::KvCache(int32_t layers, int32_t context_size, int32_t kv_heads, int32_t head_dim)
    : layers_(layers),
      context_size_(context_size),
      padded_context_(static_cast<int32_t>((context_size + kKeyBlock - 1) / kKeyBlock * kKeyBlock)),
      kv_heads_(kv_heads),
      head_dim_(head_dim),
      elements_(static_cast<size_t>(layers) * static_cast<size_t>(padded_context_) *
                static_cast<size_t>(kv_heads) * static_cast<size_t>(head_dim)),
      // Not value-initialised: untouched positions cost no resident memory.
      keys_(std::make_unique_for_overwrite<float[]>(elements_)),
      values_(std::make_unique_for_overwrite<float[]>(elements_)) {}

void KvCache::store(int32_t layer, int32_t position, const float* key, const float* value) {
  const size_t block_offset =
      static_cast<size_t>(position / kKeyBlock * kKeyBlock) * static_cast<size_t>(head_dim_) +
      static_cast<size_t>(position % kKeyBlock);
  for (int32_t head = 0; head < kv_heads_; ++head) {
    float* block = keys_.get() + key_offset(layer, head) + block_offset;
    const float* head_key = key + static_cast<size_t>(head) * static_cast<size_t>(head_dim_);
    for (int32_t d = 0; d < head_dim_; ++d) block[d * kKeyBlock] = head_key[d];
  }
  std::memcpy(values_.get() + value_offset(layer, position), value,
              static_cast<size_t>(value_stride()) * sizeof(float));
}

void KvCache::copy_positions(const KvCache& other, int32_t begin, int32_t end) {
  if (begin >= end) return;
  const auto span = static_cast<size_t>(end - begin);
  for (int32_t layer = 0; layer < layers_; ++layer) {
    for (int32_t head = 0; head < kv_heads_; ++head) {
      // Block by block: within one, each of the head's dimensions is a row of kKeyBlock lanes.
      for (int32_t first = begin; first < end;) {
        const int32_t block_end = std::min<int32_t>(end, (first / kKeyBlock + 1) * kKeyBlock);
        const size_t offset =
            key_offset(layer, head) +
            static_cast<size_t>(first / kKeyBlock * kKeyBlock) * static_cast<size_t>(head_dim_) +
            static_cast<size_t>(first % kKeyBlock);
        const auto lanes = static_cast<size_t>(block_end - first);
        for (int32_t d = 0; d < head_dim_; ++d) {
          const size_t row = offset + static_cast<size_t>(d * kKeyBlock);
          std::memcpy(keys_.get() + row, other.keys_.get() + row, lanes * sizeof(float));
        }
        first = block_end;
      }
    }
    std::memcpy(values_.get() + value_offset(layer, begin),
                other.values_.get() + value_offset(layer, begin),
                span * static_cast<size_t>(value_stride()) * sizeof(float));
  }
}

}  // namespace ward::infer::model
