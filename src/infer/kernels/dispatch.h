#pragma once
// The table of kernels one instruction-set family provides, and the argument block they take.
// Internal to src/infer/kernels. Included by translation units compiled with different
// instruction-set flags, so, like blocks.h, it declares and never defines functions.

#include <cstddef>
#include <cstdint>

#include "infer/kernels/attention_args.h"

namespace ward::infer::kernels {

// The weight types with kernels, as indices into KernelTable::matmul.
enum WeightKind : int {
  kKindF32,
  kKindF16,
  kKindBF16,
  kKindQ8_0,
  kKindQ4_0,
  kKindQ4_K,
  kKindQ5_K,
  kKindQ6_K,
  kKindCount,
};

// One matmul call with the row range already applied: rows 0 .. rows - 1 of `w` times columns
// 0 .. cols - 1 of the activations, y[c * y_stride + r]. The activation layout is the one
// QuantizedActivations documents (kernels.h): column c at x + c * x_col_bytes, its values at 0,
// scales at x_scale_offset, sums at x_sum_offset.
struct MatmulArgs {
  const uint8_t* w;
  size_t w_row_bytes;
  int64_t rows;
  int64_t k;
  const uint8_t* x;
  size_t x_col_bytes;
  size_t x_scale_offset;
  size_t x_sum_offset;
  int64_t cols;
  float* y;
  int64_t y_stride;
};

using MatmulFn = void (*)(const MatmulArgs& args);

// Activation quantisers, one column; the layouts and the exact arithmetic are those of
// reference::quantize_activation_q8x32 / _q8x256 (reference.h), which every family must match
// bit for bit.
using QuantizeQ8x32Fn = void (*)(const float* x, int64_t k, int8_t* values, float* scales,
                                 int32_t* offsets);
using QuantizeQ8x256Fn = void (*)(const float* x, int64_t k, int8_t* values, float* scales,
                                  float* group_sums);

// kernels::attend() (the SIMD families' need dim % 16 == 0) and kernels::silu_multiply().
using AttendFn = void (*)(const AttentionArgs& args);
using SiluMultiplyFn = void (*)(float* gate, const float* up, int64_t n);

struct KernelTable {
  MatmulFn matmul[kKindCount];
  QuantizeQ8x32Fn quantize_q8x32;
  QuantizeQ8x256Fn quantize_q8x256;
  AttendFn attend;
  SiluMultiplyFn silu_multiply;
};

// Each returns its family's table, or nullptr when the family was not compiled (not x86-64).
// Callers check the CPU's features before using a table.
const KernelTable* scalar_table();
const KernelTable* avx2_table();
const KernelTable* avx512_table();
const KernelTable* avx512_vnni_table();

}  // namespace ward::infer::kernels
