// Quantisers: floats into GGUF block formats (weights) and into the activation layouts. Scalar
// code used by every family: weights are quantised once (`ward model synth`), and activations
// cost a few thousand operations per token against millions in the products that consume them.
//
// The K formats fit each sub-block by a small search: for a range of candidate inverse scales,
// round, refit the scale (and offset) by least squares for those integers, keep the fit with the
// smallest squared error; then the sub-block scales (and mins) are themselves quantised against
// the super-block's half-precision scale and the values are rounded again against the scales
// actually stored, so the stored integers are the best ones for what the reader will use.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "infer/kernels/blocks.h"
#include "infer/kernels/half.h"
#include "infer/kernels/reference.h"

namespace ward::infer::kernels::reference {
namespace {

int round_to_int(float v) {
  return static_cast<int>(std::nearbyint(v));
}

int clamp_int(int v, int lo, int hi) {
  return std::min(std::max(v, lo), hi);
}

// The element of largest magnitude, with its sign (the first one on ties).
float signed_max(const float* x, int n) {
  float best = 0;
  for (int i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > std::fabs(best)) best = x[i];
  }
  return best;
}

// Round to nearest, ties to even, for |v| < 2^22: adding 1.5 * 2^23 leaves no fraction bits, so
// the float adder rounds (in the default mode) exactly as CVTPS2DQ does; unlike std::nearbyint
// this is plain arithmetic the compiler inlines. The activation quantisers' SIMD versions must
// match it bit for bit.
float round_even_small(float v) {
  return (v + 12582912.0f) - 12582912.0f;
}

float max_abs(const float* x, int n) {
  float amax = 0;
  for (int i = 0; i < n; ++i) amax = std::max(amax, std::fabs(x[i]));
  return amax;
}

// x ~ scale * q - offset with q in 0 .. levels and offset >= 0 (Q4_K and Q5_K sub-blocks).
struct AffineFit {
  float scale = 0;
  float offset = 0;
};

AffineFit fit_affine(const float* x, int n, int levels) {
  float lo = 0, hi = x[0];
  for (int i = 0; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  if (hi <= lo) return {0.0f, -lo};  // every value is lo (<= 0): the offset alone represents it
  AffineFit best{(hi - lo) / static_cast<float>(levels), -lo};
  double best_error = std::numeric_limits<double>::infinity();
  int q[256];
  for (int step = -8; step <= 8; ++step) {
    const float inverse =
        (static_cast<float>(levels) + 0.1f * static_cast<float>(step)) / (hi - lo);
    double sq = 0, sq2 = 0, sx = 0, sqx = 0;
    for (int i = 0; i < n; ++i) {
      q[i] = clamp_int(round_to_int(inverse * (x[i] - lo)), 0, levels);
      sq += q[i];
      sq2 += static_cast<double>(q[i]) * q[i];
      sx += x[i];
      sqx += q[i] * static_cast<double>(x[i]);
    }
    // Least squares for x ~ s * q + b, then b <= 0 enforced (the format stores -b >= 0).
    const double det = n * sq2 - sq * sq;
    if (det <= 0) continue;
    double s = (n * sqx - sq * sx) / det;
    double b = (sx - s * sq) / n;
    if (b > 0) {
      b = 0;
      s = sqx / sq2;
    }
    if (s <= 0) continue;
    double error = 0;
    for (int i = 0; i < n; ++i) {
      const double diff = s * q[i] + b - x[i];
      error += diff * diff;
    }
    if (error < best_error) {
      best_error = error;
      best = {static_cast<float>(s), static_cast<float>(-b)};
    }
  }
  return best;
}

// x ~ scale * q with q in -half .. half - 1 (Q6_K sub-blocks, half = 32).
float fit_symmetric(const float* x, int n, int half) {
  const float peak = signed_max(x, n);
  if (peak == 0) return 0;
  float best = peak / static_cast<float>(-half);
  double best_error = std::numeric_limits<double>::infinity();
  for (int step = -8; step <= 8; ++step) {
    // Mapping the peak to -half uses the one extra negative level (as ggml's quantisers do).
    const float inverse = -(static_cast<float>(half) + 0.1f * static_cast<float>(step)) / peak;
    double sq2 = 0, sqx = 0;
    int q[256];
    for (int i = 0; i < n; ++i) {
      q[i] = clamp_int(round_to_int(inverse * x[i]), -half, half - 1);
      sq2 += static_cast<double>(q[i]) * q[i];
      sqx += q[i] * static_cast<double>(x[i]);
    }
    if (sq2 <= 0) continue;
    const double s = sqx / sq2;
    double error = 0;
    for (int i = 0; i < n; ++i) {
      const double diff = s * q[i] - x[i];
      error += diff * diff;
    }
    if (error < best_error) {
      best_error = error;
      best = static_cast<float>(s);
    }
  }
  return best;
}

// The shared part of Q4_K and Q5_K: fits the eight sub-blocks, quantises their scales and mins to
// 6 bits, and returns the integers (0 .. levels) against the stored scales.
struct KWithMins {
  uint16_t d;
  uint16_t dmin;
  uint8_t packed[12];
  uint8_t q[256];
};

KWithMins quantize_k_with_mins(const float* x, int levels) {
  AffineFit fits[8];
  float max_scale = 0, max_offset = 0;
  for (int j = 0; j < 8; ++j) {
    fits[j] = fit_affine(x + 32 * j, 32, levels);
    max_scale = std::max(max_scale, fits[j].scale);
    max_offset = std::max(max_offset, fits[j].offset);
  }
  KWithMins out{};
  out.d = fp32_to_fp16(max_scale / 63.0f);
  out.dmin = fp32_to_fp16(max_offset / 63.0f);
  const float d = fp16_to_fp32(out.d);
  const float dmin = fp16_to_fp32(out.dmin);
  uint8_t sc[8], m[8];
  for (int j = 0; j < 8; ++j) {
    sc[j] = static_cast<uint8_t>(d > 0 ? clamp_int(round_to_int(fits[j].scale / d), 0, 63) : 0);
    m[j] =
        static_cast<uint8_t>(dmin > 0 ? clamp_int(round_to_int(fits[j].offset / dmin), 0, 63) : 0);
    const float step = d * sc[j];
    const float offset = dmin * m[j];
    for (int l = 0; l < 32; ++l) {
      const float v = x[32 * j + l];
      out.q[32 * j + l] = static_cast<uint8_t>(
          step > 0 ? clamp_int(round_to_int((v + offset) / step), 0, levels) : 0);
    }
  }
  pack_scales_mins(sc, m, out.packed);
  return out;
}

}  // namespace

void quantize_f32(const float* src, void* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

void quantize_f16(const float* src, void* dst, int64_t n) {
  uint16_t* out = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) out[i] = fp32_to_fp16(src[i]);
}

void quantize_bf16(const float* src, void* dst, int64_t n) {
  uint16_t* out = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) out[i] = fp32_to_bf16(src[i]);
}

void quantize_q8_0(const float* src, void* dst, int64_t n) {
  BlockQ8_0* blocks = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < n / 32; ++b) {
    const float* x = src + 32 * b;
    blocks[b].d = fp32_to_fp16(max_abs(x, 32) / 127.0f);
    const float d = fp16_to_fp32(blocks[b].d);
    for (int i = 0; i < 32; ++i) {
      blocks[b].qs[i] =
          static_cast<int8_t>(d > 0 ? clamp_int(round_to_int(x[i] / d), -127, 127) : 0);
    }
  }
}

void quantize_q4_0(const float* src, void* dst, int64_t n) {
  BlockQ4_0* blocks = static_cast<BlockQ4_0*>(dst);
  for (int64_t b = 0; b < n / 32; ++b) {
    const float* x = src + 32 * b;
    // The peak maps to level 0 (q - 8 = -8): one more level on the peak's side than the other.
    blocks[b].d = fp32_to_fp16(signed_max(x, 32) / -8.0f);
    const float d = fp16_to_fp32(blocks[b].d);
    int q[32];
    for (int i = 0; i < 32; ++i) q[i] = d != 0 ? clamp_int(round_to_int(x[i] / d) + 8, 0, 15) : 8;
    for (int i = 0; i < 16; ++i) blocks[b].qs[i] = static_cast<uint8_t>(q[i] | (q[i + 16] << 4));
  }
}

void quantize_q4_k(const float* src, void* dst, int64_t n) {
  BlockQ4_K* blocks = static_cast<BlockQ4_K*>(dst);
  for (int64_t b = 0; b < n / 256; ++b) {
    const KWithMins k = quantize_k_with_mins(src + 256 * b, 15);
    blocks[b].d = k.d;
    blocks[b].dmin = k.dmin;
    std::memcpy(blocks[b].scales, k.packed, 12);
    for (int p = 0; p < 4; ++p) {
      for (int l = 0; l < 32; ++l) {
        blocks[b].qs[32 * p + l] =
            static_cast<uint8_t>(k.q[64 * p + l] | (k.q[64 * p + 32 + l] << 4));
      }
    }
  }
}

void quantize_q5_k(const float* src, void* dst, int64_t n) {
  BlockQ5_K* blocks = static_cast<BlockQ5_K*>(dst);
  for (int64_t b = 0; b < n / 256; ++b) {
    const KWithMins k = quantize_k_with_mins(src + 256 * b, 31);
    blocks[b].d = k.d;
    blocks[b].dmin = k.dmin;
    std::memcpy(blocks[b].scales, k.packed, 12);
    std::memset(blocks[b].qh, 0, sizeof blocks[b].qh);
    for (int p = 0; p < 4; ++p) {
      for (int l = 0; l < 32; ++l) {
        const int lo = k.q[64 * p + l];
        const int hi = k.q[64 * p + 32 + l];
        blocks[b].qs[32 * p + l] = static_cast<uint8_t>((lo & 0xf) | ((hi & 0xf) << 4));
        blocks[b].qh[l] |=
            static_cast<uint8_t>(((lo >> 4) << (2 * p)) | ((hi >> 4) << (2 * p + 1)));
      }
    }
  }
}

void quantize_q6_k(const float* src, void* dst, int64_t n) {
  BlockQ6_K* blocks = static_cast<BlockQ6_K*>(dst);
  for (int64_t b = 0; b < n / 256; ++b) {
    const float* x = src + 256 * b;
    float scales[16];
    float max_scale = 0;
    for (int g = 0; g < 16; ++g) {
      scales[g] = fit_symmetric(x + 16 * g, 16, 32);
      max_scale = std::max(max_scale, std::fabs(scales[g]));
    }
    blocks[b].d = fp32_to_fp16(max_scale / 127.0f);
    const float d = fp16_to_fp32(blocks[b].d);
    int q[256];
    for (int g = 0; g < 16; ++g) {
      const int sc = d > 0 ? clamp_int(round_to_int(scales[g] / d), -127, 127) : 0;
      blocks[b].scales[g] = static_cast<int8_t>(sc);
      const float step = d * static_cast<float>(sc);
      for (int l = 0; l < 16; ++l) {
        q[16 * g + l] =
            step != 0 ? clamp_int(round_to_int(x[16 * g + l] / step), -32, 31) + 32 : 32;
      }
    }
    // The inverse of the layout q6_k_value() reads (reference.cpp).
    std::memset(blocks[b].ql, 0, sizeof blocks[b].ql);
    std::memset(blocks[b].qh, 0, sizeof blocks[b].qh);
    for (int e = 0; e < 256; ++e) {
      const int half = e / 128, quarter = (e % 128) / 32, l = e % 32;
      uint8_t& low_byte = blocks[b].ql[64 * half + 32 * (quarter % 2) + l];
      low_byte |= static_cast<uint8_t>((q[e] & 0xf) << (quarter < 2 ? 0 : 4));
      blocks[b].qh[32 * half + l] |= static_cast<uint8_t>((q[e] >> 4) << (2 * quarter));
    }
  }
}

void quantize_q8_k(const float* src, void* dst, int64_t n) {
  BlockQ8_K* blocks = static_cast<BlockQ8_K*>(dst);
  for (int64_t b = 0; b < n / 256; ++b) {
    const float* x = src + 256 * b;
    const float amax = max_abs(x, 256);
    const float inverse = amax > 0 ? 127.0f / amax : 0.0f;
    blocks[b].d = amax / 127.0f;
    for (int g = 0; g < 16; ++g) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) {
        const int q = clamp_int(round_to_int(x[16 * g + l] * inverse), -127, 127);
        blocks[b].qs[16 * g + l] = static_cast<int8_t>(q);
        sum += q;
      }
      blocks[b].bsums[g] = static_cast<int16_t>(sum);
    }
  }
}

void quantize_activation_q8x32(const float* x, int64_t k, int8_t* values, float* scales,
                               int32_t* offsets) {
  const int64_t blocks = k / 32;
  if (blocks % 2 != 0) {  // the missing half of the last pair
    std::memset(values + k, 0, 32);
    scales[blocks] = 0;
  }
  for (int64_t b = 0; b < blocks; ++b) {
    const float amax = max_abs(x + 32 * b, 32);
    const float inverse = amax > 0 ? 127.0f / amax : 0.0f;
    int32_t even_odd[2] = {0, 0};
    for (int i = 0; i < 32; ++i) {
      const int q =
          clamp_int(static_cast<int>(round_even_small(x[32 * b + i] * inverse)), -127, 127);
      values[32 * b + i] = static_cast<int8_t>(q);
      even_odd[(i / 4) % 2] -= 128 * q;
    }
    scales[b] = amax / 127.0f;
    offsets[2 * b] = even_odd[0];
    offsets[2 * b + 1] = even_odd[1];
  }
}

void quantize_activation_q8x256(const float* x, int64_t k, int8_t* values, float* scales,
                                float* group_sums) {
  for (int64_t b = 0; b < k / 256; ++b) {
    const float amax = max_abs(x + 256 * b, 256);
    const float inverse = amax > 0 ? 127.0f / amax : 0.0f;
    scales[b] = amax / 127.0f;
    for (int g = 0; g < 16; ++g) {
      int32_t sum = 0;
      for (int l = 0; l < 16; ++l) {
        const int64_t i = 256 * b + 16 * g + l;
        const int q = clamp_int(static_cast<int>(round_even_small(x[i] * inverse)), -127, 127);
        values[i] = static_cast<int8_t>(q);
        sum += q;
      }
      group_sums[16 * b + g] = scales[b] * static_cast<float>(sum);
    }
  }
}

}  // namespace ward::infer::kernels::reference
