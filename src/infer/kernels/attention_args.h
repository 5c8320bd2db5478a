#pragma once
// The argument block of kernels::attend() (kernels.h documents the computation). Its own header
// because the instruction-set translation units include it too, and they may include nothing
// that defines inline functions (see tiling.h).

#include <cstdint>

namespace ward::infer::kernels {

// Keys are stored for attention in blocks of kKeyBlock positions: block b holds positions
// kKeyBlock * b ... kKeyBlock * b + kKeyBlock - 1 as `dim` rows of kKeyBlock floats (element d of
// position kKeyBlock * b + i at block[d * kKeyBlock + i]), so that one query's products with
// kKeyBlock keys are the lanes of one vector, with no horizontal sums.
inline constexpr int64_t kKeyBlock = 16;

struct AttentionArgs {
  const float* queries;  // query i: dim floats at queries + i * query_stride
  int64_t query_count;
  int64_t query_stride;
  const float* key_blocks;  // ceil(keys / kKeyBlock) blocks of dim * kKeyBlock floats
  const float* values;      // value j: dim floats at values + j * value_stride
  int64_t value_stride;
  int64_t keys;  // >= 1: every query attends to keys 0 ... keys - 1
  int64_t dim;
  float scale;    // applied to each dot product before the softmax
  float* scores;  // scratch: query_count * round_up(keys, kKeyBlock) floats
  float* out;     // output i: dim floats at out + i * out_stride
  int64_t out_stride;
};

}  // namespace ward::infer::kernels
