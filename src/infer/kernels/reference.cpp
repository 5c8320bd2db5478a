// The scalar family: dequantisers and the reference dot products, element by element, in the
// order the formats define them. Sums run in double so that this family is the most precise
// oracle for the others.

#include "infer/kernels/reference.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "infer/kernels/blocks.h"
#include "infer/kernels/half.h"

namespace ward::infer::kernels::reference {
namespace {

// The quantised value (before scale and offset) of element e (< 256) of a K-quant super-block.
int q4_k_value(const BlockQ4_K& b, int e) {
  const int sub = e / 32;
  const uint8_t byte = b.qs[32 * (sub / 2) + e % 32];
  return sub % 2 == 0 ? byte & 0xf : byte >> 4;
}

int q5_k_value(const BlockQ5_K& b, int e) {
  const int sub = e / 32;
  const uint8_t byte = b.qs[32 * (sub / 2) + e % 32];
  const int low = sub % 2 == 0 ? byte & 0xf : byte >> 4;
  const int high = (b.qh[e % 32] >> sub) & 1;
  return low | (high << 4);
}

// 0 .. 63; the value is d * scale * (q - 32).
int q6_k_value(const BlockQ6_K& b, int e) {
  const int half = e / 128;
  const int quarter = (e % 128) / 32;
  const int l = e % 32;
  const uint8_t low_byte = b.ql[64 * half + 32 * (quarter % 2) + l];
  const int low = quarter < 2 ? low_byte & 0xf : low_byte >> 4;
  const int high = (b.qh[32 * half + l] >> (2 * quarter)) & 3;
  return low | (high << 4);
}

int q4_0_value(const BlockQ4_0& b, int e) {
  return e < 16 ? b.qs[e] & 0xf : b.qs[e - 16] >> 4;
}

template <typename Block>
const Block* blocks_of(const void* p) {
  return static_cast<const Block*>(p);
}

// ---- dot products against the activation layouts ---------------------------------------------

struct Q8x32Column {
  const int8_t* values;
  const float* scales;
};

struct Q8x256Column {
  const int8_t* values;
  const float* scales;
};

Q8x32Column q8x32_column(const MatmulArgs& a, int64_t c) {
  const uint8_t* base = a.x + c * a.x_col_bytes;
  return {reinterpret_cast<const int8_t*>(base),
          reinterpret_cast<const float*>(base + a.x_scale_offset)};
}

Q8x256Column q8x256_column(const MatmulArgs& a, int64_t c) {
  const uint8_t* base = a.x + c * a.x_col_bytes;
  return {reinterpret_cast<const int8_t*>(base),
          reinterpret_cast<const float*>(base + a.x_scale_offset)};
}

const float* f32_column(const MatmulArgs& a, int64_t c) {
  return reinterpret_cast<const float*>(a.x + c * a.x_col_bytes);
}

double dot_f32(const void* w, const float* x, int64_t k) {
  const float* row = static_cast<const float*>(w);
  double sum = 0;
  for (int64_t i = 0; i < k; ++i) sum += static_cast<double>(row[i]) * x[i];
  return sum;
}

double dot_f16(const void* w, const float* x, int64_t k) {
  const uint16_t* row = static_cast<const uint16_t*>(w);
  double sum = 0;
  for (int64_t i = 0; i < k; ++i) sum += static_cast<double>(fp16_to_fp32(row[i])) * x[i];
  return sum;
}

double dot_bf16(const void* w, const float* x, int64_t k) {
  const uint16_t* row = static_cast<const uint16_t*>(w);
  double sum = 0;
  for (int64_t i = 0; i < k; ++i) sum += static_cast<double>(bf16_to_fp32(row[i])) * x[i];
  return sum;
}

double dot_q8_0(const void* w, Q8x32Column x, int64_t k) {
  const BlockQ8_0* blocks = blocks_of<BlockQ8_0>(w);
  double sum = 0;
  for (int64_t b = 0; b < k / 32; ++b) {
    int32_t isum = 0;
    for (int i = 0; i < 32; ++i) isum += blocks[b].qs[i] * x.values[32 * b + i];
    sum += static_cast<double>(fp16_to_fp32(blocks[b].d)) * x.scales[b] * isum;
  }
  return sum;
}

double dot_q4_0(const void* w, Q8x32Column x, int64_t k) {
  const BlockQ4_0* blocks = blocks_of<BlockQ4_0>(w);
  double sum = 0;
  for (int64_t b = 0; b < k / 32; ++b) {
    int32_t isum = 0;
    for (int i = 0; i < 32; ++i) isum += (q4_0_value(blocks[b], i) - 8) * x.values[32 * b + i];
    sum += static_cast<double>(fp16_to_fp32(blocks[b].d)) * x.scales[b] * isum;
  }
  return sum;
}

// Q4_K and Q5_K: per sub-block j, d * sc_j * sum(q * x) - dmin * m_j * sum(x), times the
// activation scale.
template <typename Block, int (*value)(const Block&, int)>
double dot_k_with_mins(const void* w, Q8x256Column x, int64_t k) {
  const Block* blocks = blocks_of<Block>(w);
  double sum = 0;
  for (int64_t b = 0; b < k / 256; ++b) {
    uint8_t sc[8], m[8];
    unpack_scales_mins(blocks[b].scales, sc, m);
    const int8_t* xv = x.values + 256 * b;
    int64_t scaled = 0, mins = 0;
    for (int j = 0; j < 8; ++j) {
      int32_t qx = 0, xs = 0;
      for (int l = 0; l < 32; ++l) {
        qx += value(blocks[b], 32 * j + l) * xv[32 * j + l];
        xs += xv[32 * j + l];
      }
      scaled += int64_t{sc[j]} * qx;
      mins += int64_t{m[j]} * xs;
    }
    const double d = fp16_to_fp32(blocks[b].d);
    const double dmin = fp16_to_fp32(blocks[b].dmin);
    sum += x.scales[b] * (d * static_cast<double>(scaled) - dmin * static_cast<double>(mins));
  }
  return sum;
}

double dot_q6_k(const void* w, Q8x256Column x, int64_t k) {
  const BlockQ6_K* blocks = blocks_of<BlockQ6_K>(w);
  double sum = 0;
  for (int64_t b = 0; b < k / 256; ++b) {
    const int8_t* xv = x.values + 256 * b;
    int64_t scaled = 0;
    for (int g = 0; g < 16; ++g) {
      int32_t qx = 0;
      for (int l = 0; l < 16; ++l) qx += (q6_k_value(blocks[b], 16 * g + l) - 32) * xv[16 * g + l];
      scaled += int64_t{blocks[b].scales[g]} * qx;
    }
    sum +=
        static_cast<double>(x.scales[b]) * fp16_to_fp32(blocks[b].d) * static_cast<double>(scaled);
  }
  return sum;
}

template <WeightKind kind>
double dot_column(const MatmulArgs& a, const uint8_t* w, int64_t c) {
  if constexpr (kind == kKindF32) return dot_f32(w, f32_column(a, c), a.k);
  if constexpr (kind == kKindF16) return dot_f16(w, f32_column(a, c), a.k);
  if constexpr (kind == kKindBF16) return dot_bf16(w, f32_column(a, c), a.k);
  if constexpr (kind == kKindQ8_0) return dot_q8_0(w, q8x32_column(a, c), a.k);
  if constexpr (kind == kKindQ4_0) return dot_q4_0(w, q8x32_column(a, c), a.k);
  if constexpr (kind == kKindQ4_K) {
    return dot_k_with_mins<BlockQ4_K, q4_k_value>(w, q8x256_column(a, c), a.k);
  }
  if constexpr (kind == kKindQ5_K) {
    return dot_k_with_mins<BlockQ5_K, q5_k_value>(w, q8x256_column(a, c), a.k);
  }
  if constexpr (kind == kKindQ6_K) return dot_q6_k(w, q8x256_column(a, c), a.k);
}

template <WeightKind kind>
void matmul(const MatmulArgs& a) {
  for (int64_t r = 0; r < a.rows; ++r) {
    const uint8_t* w = a.w + r * a.w_row_bytes;
    for (int64_t c = 0; c < a.cols; ++c) {
      a.y[c * a.y_stride + r] = static_cast<float>(dot_column<kind>(a, w, c));
    }
  }
}

}  // namespace

void unpack_scales_mins(const uint8_t* packed, uint8_t scales[8], uint8_t mins[8]) {
  // Bytes 0-3: scales 0-3 in the low 6 bits, the top 2 bits of scales 4-7 above them.
  // Bytes 4-7: mins 0-3 likewise, with the top 2 bits of mins 4-7.
  // Bytes 8-11: the low 4 bits of scales 4-7 (low nibble) and of mins 4-7 (high nibble).
  for (int j = 0; j < 4; ++j) {
    scales[j] = packed[j] & 63;
    mins[j] = packed[j + 4] & 63;
    scales[j + 4] = static_cast<uint8_t>((packed[j + 8] & 0xf) | ((packed[j] >> 6) << 4));
    mins[j + 4] = static_cast<uint8_t>((packed[j + 8] >> 4) | ((packed[j + 4] >> 6) << 4));
  }
}

void pack_scales_mins(const uint8_t scales[8], const uint8_t mins[8], uint8_t packed[12]) {
  for (int j = 0; j < 4; ++j) {
    packed[j] = static_cast<uint8_t>((scales[j] & 63) | ((scales[j + 4] >> 4) << 6));
    packed[j + 4] = static_cast<uint8_t>((mins[j] & 63) | ((mins[j + 4] >> 4) << 6));
    packed[j + 8] = static_cast<uint8_t>((scales[j + 4] & 0xf) | ((mins[j + 4] & 0xf) << 4));
  }
}

void dequantize_f32(const void* src, float* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

void dequantize_f16(const void* src, float* dst, int64_t n) {
  const uint16_t* in = static_cast<const uint16_t*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(in[i]);
}

void dequantize_bf16(const void* src, float* dst, int64_t n) {
  const uint16_t* in = static_cast<const uint16_t*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(in[i]);
}

void dequantize_q8_0(const void* src, float* dst, int64_t n) {
  const BlockQ8_0* blocks = blocks_of<BlockQ8_0>(src);
  for (int64_t b = 0; b < n / 32; ++b) {
    const float d = fp16_to_fp32(blocks[b].d);
    for (int i = 0; i < 32; ++i) dst[32 * b + i] = d * blocks[b].qs[i];
  }
}

void dequantize_q4_0(const void* src, float* dst, int64_t n) {
  const BlockQ4_0* blocks = blocks_of<BlockQ4_0>(src);
  for (int64_t b = 0; b < n / 32; ++b) {
    const float d = fp16_to_fp32(blocks[b].d);
    for (int i = 0; i < 32; ++i)
      dst[32 * b + i] = d * static_cast<float>(q4_0_value(blocks[b], i) - 8);
  }
}

void dequantize_q4_k(const void* src, float* dst, int64_t n) {
  const BlockQ4_K* blocks = blocks_of<BlockQ4_K>(src);
  for (int64_t b = 0; b < n / 256; ++b) {
    uint8_t sc[8], m[8];
    unpack_scales_mins(blocks[b].scales, sc, m);
    const float d = fp16_to_fp32(blocks[b].d);
    const float dmin = fp16_to_fp32(blocks[b].dmin);
    for (int e = 0; e < 256; ++e) {
      dst[256 * b + e] =
          d * sc[e / 32] * static_cast<float>(q4_k_value(blocks[b], e)) - dmin * m[e / 32];
    }
  }
}

void dequantize_q5_k(const void* src, float* dst, int64_t n) {
  const BlockQ5_K* blocks = blocks_of<BlockQ5_K>(src);
  for (int64_t b = 0; b < n / 256; ++b) {
    uint8_t sc[8], m[8];
    unpack_scales_mins(blocks[b].scales, sc, m);
    const float d = fp16_to_fp32(blocks[b].d);
    const float dmin = fp16_to_fp32(blocks[b].dmin);
    for (int e = 0; e < 256; ++e) {
      dst[256 * b + e] =
          d * sc[e / 32] * static_cast<float>(q5_k_value(blocks[b], e)) - dmin * m[e / 32];
    }
  }
}

void dequantize_q6_k(const void* src, float* dst, int64_t n) {
  const BlockQ6_K* blocks = blocks_of<BlockQ6_K>(src);
  for (int64_t b = 0; b < n / 256; ++b) {
    const float d = fp16_to_fp32(blocks[b].d);
    for (int e = 0; e < 256; ++e) {
      dst[256 * b + e] =
          d * blocks[b].scales[e / 16] * static_cast<float>(q6_k_value(blocks[b], e) - 32);
    }
  }
}

void dequantize_q8_k(const void* src, float* dst, int64_t n) {
  const BlockQ8_K* blocks = blocks_of<BlockQ8_K>(src);
  for (int64_t b = 0; b < n / 256; ++b) {
    for (int i = 0; i < 256; ++i) dst[256 * b + i] = blocks[b].d * blocks[b].qs[i];
  }
}

}  // namespace ward::infer::kernels::reference

namespace ward::infer::kernels {

namespace reference {

void attend(const AttentionArgs& a) {
  const int64_t padded = (a.keys + kKeyBlock - 1) / kKeyBlock * kKeyBlock;
  for (int64_t i = 0; i < a.query_count; ++i) {
    const float* q = a.queries + i * a.query_stride;
    float* scores = a.scores + i * padded;
    float max_score = -INFINITY;
    for (int64_t j = 0; j < a.keys; ++j) {
      const float* block = a.key_blocks + j / kKeyBlock * a.dim * kKeyBlock + j % kKeyBlock;
      float dot = 0;
      for (int64_t d = 0; d < a.dim; ++d) dot += q[d] * block[d * kKeyBlock];
      scores[j] = dot * a.scale;
      max_score = std::max(max_score, scores[j]);
    }
    float sum = 0;
    for (int64_t j = 0; j < a.keys; ++j) {
      scores[j] = std::exp(scores[j] - max_score);
      sum += scores[j];
    }
    float* out = a.out + i * a.out_stride;
    std::fill(out, out + a.dim, 0.0f);
    for (int64_t j = 0; j < a.keys; ++j) {
      const float* v = a.values + j * a.value_stride;
      for (int64_t d = 0; d < a.dim; ++d) out[d] += scores[j] * v[d];
    }
    const float inverse = 1.0f / sum;
    for (int64_t d = 0; d < a.dim; ++d) out[d] *= inverse;
  }
}

void silu_multiply(float* gate, const float* up, int64_t n) {
  for (int64_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

}  // namespace reference

const KernelTable* scalar_table() {
  static const KernelTable table = {{
                                        reference::matmul<kKindF32>,
                                        reference::matmul<kKindF16>,
                                        reference::matmul<kKindBF16>,
                                        reference::matmul<kKindQ8_0>,
                                        reference::matmul<kKindQ4_0>,
                                        reference::matmul<kKindQ4_K>,
                                        reference::matmul<kKindQ5_K>,
                                        reference::matmul<kKindQ6_K>,
                                    },
                                    reference::quantize_activation_q8x32,
                                    reference::quantize_activation_q8x256,
                                    reference::attend,
                                    reference::silu_multiply};
  return &table;
}

}  // namespace ward::infer::kernels
