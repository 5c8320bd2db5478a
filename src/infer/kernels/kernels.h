#pragma once
// The numeric kernels of Ward's inference engine: converting rows of GGUF tensors between their
// block formats and float, quantising activation vectors, and the matrix multiplication that
// dominates inference, y = W x, for weights in F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K or Q6_K.
//
// Each hot kernel exists in four instruction-set families, picked at run time from
// core::cpu_features(): "scalar" (portable C++, the reference every other family is tested
// against), "avx2" (AVX2 + FMA + F16C), "avx512" (AVX-512 F/BW/VL) and "avx512-vnni" (plus
// VPDPBUSD / VPDPWSSD). A family is never used on a CPU that lacks its features. The default is
// the best family the CPU has; tests and benchmarks may force another with set_kernel_family().
//
// Threads: every function here may be called from any number of threads at once, on disjoint
// outputs. matmul() does not start threads: the caller splits the rows of W between its workers
// (each calling matmul on its own [row_begin, row_end)), or the columns of the activations between
// calls to QuantizedActivations::quantize(). set_kernel_family() is meant for start-up, tests and
// benchmarks; a kernel already running finishes with the family it started with.
//
// Precision. Integer weight formats are multiplied in integers against activations quantised to
// 8 bits (as llama.cpp does): Q8_0 and Q4_0 weights against one float scale per 32 activations,
// the K formats against one float scale per 256 activations. Float weights (F32, F16, BF16) are
// multiplied in float against float activations (more precise than llama.cpp, which rounds the
// activations to F16 / BF16). Families agree to float rounding (about 1e-6 relative to the sum of
// the magnitudes of the products): they accumulate in a different order, never differently
// quantised (every family's activation quantiser produces the scalar reference's bytes). Within
// a family an output does not depend on how the rows were split between calls or threads (bit
// for bit); it may differ in the last bits between a single column and a batch of 8 or more,
// which take different paths.
//
// Speed (docs/engine.md has the figures and bench/kernels_bench.cpp measures them): a single
// column streams the weights once, one row at a time, at the memory's speed; batches tile rows x
// columns so each block of weights is decoded once for several columns, and with VNNI, Q8_0 and
// Q4_0 batches of 8 columns or more put 8 rows across the vector lanes. matmul() uses about 32 KB
// of stack.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "infer/kernels/attention_args.h"
#include "infer/tensor_type.h"

namespace ward::infer::kernels {

// ---- instruction-set families --------------------------------------------------------------

enum class KernelFamily { kScalar, kAvx2, kAvx512, kAvx512Vnni };

// "scalar", "avx2", "avx512", "avx512-vnni" (the names core::best_kernel_family() uses).
std::string_view family_name(KernelFamily family);
std::optional<KernelFamily> family_named(std::string_view name);

// Whether this CPU (and its operating system) has every feature `family` needs.
bool cpu_supports(KernelFamily family);

// The fastest family this CPU supports; the default active family.
KernelFamily best_family();

// Makes `family` the one every later kernel call uses. Fails (kFailedPrecondition) when the CPU
// lacks a feature the family needs, and (kInvalidArgument) for an unknown name.
core::Status set_kernel_family(KernelFamily family);
core::Status set_kernel_family(std::string_view name);

KernelFamily active_family();
std::string_view active_kernel_family();

// ---- row conversion ------------------------------------------------------------------------

// The weight types matmul() and vec_dot() accept: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K.
bool is_weight_type(TensorType type);

// Whether `type` rows of `k` elements can be multiplied: a weight type and k a positive multiple
// of its block. The model loader checks each tensor with this once, so that the kernels below can
// take their arguments as preconditions. The error says which type or size is wrong.
core::Status check_weight_shape(TensorType type, int64_t k);

// Converts `n` elements (a whole number of blocks of `type`) at `src` to floats at `dst`. Types:
// the weight types plus Q8_K. `src` must be aligned as GGUF aligns tensor data (2 bytes is enough;
// 4 for Q8_K). Fails (kInvalidArgument) for another type or an `n` that is not whole blocks.
core::Status dequantize_row(TensorType type, const void* src, float* dst, int64_t n);

// Quantises `n` floats (whole blocks of `type`) into `dst` (row_bytes(type, n) bytes, laid out
// exactly as GGUF stores them, so llama.cpp reads what this writes). Same types and errors as
// dequantize_row(). Quality, as the RMS of (dequantised - original) over the RMS of the original,
// measured on Gaussian data: Q8_0 0.0052, Q4_0 0.084, Q4_K 0.071, Q5_K 0.035, Q6_K 0.017,
// Q8_K 0.0067, F16 0.00021, BF16 0.0016 (quantize_test.cpp holds them to bounds just above).
// The K formats search each sub-block's scale (and min) by least squares over candidate
// roundings, then round again against the 6- or 8-bit scales actually stored.
// Not a hot path: scalar code in every family.
core::Status quantize_row(TensorType type, const float* src, void* dst, int64_t n);

// ---- activations ---------------------------------------------------------------------------

// How activations multiplied with a given weight type are stored.
enum class ActivationFormat {
  kF32,     // float, for F32 / F16 / BF16 weights
  kQ8x32,   // int8 with a float scale per 32 (and sums of each 32), for Q8_0 / Q4_0 weights
  kQ8x256,  // int8 with a float scale per 256 (and scaled sums of each 16), for the K formats
};

// The format for `weight_type` (a weight type; kF32 for anything else).
ActivationFormat activation_format(TensorType weight_type);

// The ggml type whose values the format holds (F32, Q8_0 or Q8_K): what llama.cpp would call the
// weight type's "vec_dot type". The layout in memory is Ward's own (see QuantizedActivations).
TensorType activation_type(TensorType weight_type);

// `cols` activation vectors of `k` elements each, in the format a weight type's kernels consume.
// The layout is private to the kernels (per column: the int8 values, then the scales, then the
// sums, each part 64-byte aligned); only matmul() and vec_dot() read it. Quantising: per group of
// 32 or 256, scale = max|x| / 127 and q = x * (127 / max|x|) rounded to nearest even; the
// activations must be finite. Movable and copyable. A value is filled by one thread, or by
// several on disjoint column ranges of quantize().
class QuantizedActivations {
 public:
  QuantizedActivations() = default;
  QuantizedActivations(const QuantizedActivations& other);
  QuantizedActivations& operator=(const QuantizedActivations& other);
  QuantizedActivations(QuantizedActivations&&) noexcept = default;
  QuantizedActivations& operator=(QuantizedActivations&&) noexcept = default;

  // Sizes the buffer for `cols` vectors of `k` elements to be multiplied by `weight_type` weights
  // (check_weight_shape(weight_type, k) must hold; cols >= 0). Keeps the allocation when it is
  // big enough, so a caller can reuse one value for every layer. Contents are unspecified until
  // quantize() fills them.
  void reset(TensorType weight_type, int64_t k, int64_t cols);

  // Quantises columns [col_begin, col_end) from `x`, where column c is x[c * k .. c * k + k - 1].
  // Threads may fill disjoint ranges of one value at the same time.
  void quantize(const float* x, int64_t col_begin, int64_t col_end);

  TensorType weight_type() const { return weight_type_; }
  ActivationFormat format() const { return format_; }
  int64_t k() const { return k_; }
  int64_t cols() const { return cols_; }

  // Internal layout, for the kernels: column c starts at data() + c * column_bytes(); within it,
  // the int8 values (or floats) at 0, the scales at scale_offset(), the sums at sum_offset()
  // (reference.h has the details).
  const std::byte* data() const { return data_; }
  std::byte* data() { return data_; }
  size_t column_bytes() const { return column_bytes_; }
  size_t scale_offset() const { return scale_offset_; }
  size_t sum_offset() const { return sum_offset_; }

 private:
  void allocate(size_t bytes);

  TensorType weight_type_ = TensorType::kF32;
  ActivationFormat format_ = ActivationFormat::kF32;
  int64_t k_ = 0;
  int64_t cols_ = 0;
  size_t column_bytes_ = 0;
  size_t scale_offset_ = 0;
  size_t sum_offset_ = 0;
  std::vector<std::byte> storage_;  // data_ is its first 64-byte aligned byte
  std::byte* data_ = nullptr;
};

// A fresh QuantizedActivations holding all `cols` columns of `x` (x[c * k + i]).
QuantizedActivations quantize_activations(TensorType weight_type, const float* x, int64_t k,
                                          int64_t cols);

// ---- products ------------------------------------------------------------------------------

// For every row r in [row_begin, row_end) of W and every column c of `x`:
//   y[c * y_stride + r] = sum over i < k of W[r][i] * x[c][i]
// W holds rows of k = x.k() elements of `weight_type`, row r starting at
// w + r * row_bytes(weight_type, k); `x` must have been reset() for the same weight type (or one
// with the same activation_format()). y_stride >= row_end (usually the number of rows of W).
// Other rows of y are not touched, so threads may run disjoint row ranges at once.
// Preconditions (checked; a violation aborts with a message, as it is a programming error):
// check_weight_shape(weight_type, x.k()) holds and the formats match.
// Batched (x.cols() > 1) calls reuse each block of W for several columns while it is in
// registers: much faster per column than x.cols() separate matrix-vector products. Give each
// thread a whole range of rows (not interleaved rows): a single column streams W at memory speed
// only when each thread reads one contiguous stretch.
void matmul(TensorType weight_type, const void* w, int64_t row_begin, int64_t row_end,
            const QuantizedActivations& x, float* y, int64_t y_stride);

// The dot product of one row of W (`weight_row`, x.k() elements of `weight_type`) with column
// `col` of `x`: what matmul() computes for one row and one column. Same preconditions.
float vec_dot(TensorType weight_type, const void* weight_row, const QuantizedActivations& x,
              int64_t col);

// ---- attention and activation functions -----------------------------------------------------

// Scaled dot-product attention of several queries that see the same keys (the query heads of
// one token that share a key/value head): for each query i,
//   out_i = sum over j < keys of softmax_j(scale * q_i . k_j) * v_j
// with keys in the block layout attention_args.h describes. The softmax subtracts the largest
// score before exponentiating, as llama.cpp does without flash attention. Fast families need
// `dim` to be a multiple of 16 (every head size in use: 64, 80, 96, 128, 256); other sizes run
// the scalar reference. Families agree to float rounding (they sum in a different order and
// compute exp to within 2 ulp).
void attend(const AttentionArgs& args);

// gate[i] = silu(gate[i]) * up[i] for i < n, silu(x) = x / (1 + exp(-x)): SwiGLU's activation.
void silu_multiply(float* gate, const float* up, int64_t n);

}  // namespace ward::infer::kernels
