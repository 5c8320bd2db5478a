#include "infer/model/kv_cache.h"

namespace ward::infer::model {

KvCache::KvCache(int32_t layers, int32_t context_size, int32_t kv_dim)
    : context_size_(context_size),
      kv_dim_(kv_dim),
      elements_(static_cast<size_t>(layers) * static_cast<size_t>(context_size) *
                static_cast<size_t>(kv_dim)),
      // Not value-initialised: untouched positions cost no resident memory.
      keys_(std::make_unique_for_overwrite<float[]>(elements_)),
      values_(std::make_unique_for_overwrite<float[]>(elements_)) {}

}  // namespace ward::infer::model
