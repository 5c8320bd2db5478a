// The "avx2" family: AVX2 + FMA + F16C, 256-bit vectors. Compiled with those flags only (see
// sources.cmake); kernels.cpp uses it only on CPUs that have them.
//
// Q8_0 / Q4_0: one 32-element block per vector; Q4_0's nibbles become q - 8 once per row tile,
// then both use the sign trick (VPMADDUBSW of |w| with x carrying w's sign, then VPMADDWD), whose
// 16-bit pair sums cannot overflow (2 * 128 * 127 < 32768). K formats: 32 elements per vector,
// the unsigned integers against the activations, 16-bit sub-block scales applied by VPMADDWD,
// summed in 32-bit integers over the super-block; mins and Q6_K's offset through the per-16
// activation sums, as in the AVX-512 kernels (avx512_impl.h).

// GCC 12's headers initialise "undefined" vectors from themselves, which -Wuninitialized then
// reports (GCC bug 105593); the headers' lines are exempt.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>

#include "infer/kernels/attention_impl.h"
#include "infer/kernels/blocks.h"
#include "infer/kernels/dispatch.h"
#include "infer/kernels/tiling.h"

namespace ward::infer::kernels {
namespace {

#define WARD_INLINE inline __attribute__((always_inline))

WARD_INLINE __m256i load256(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

WARD_INLINE __m128i load128(const void* p) {
  return _mm_loadu_si128(static_cast<const __m128i*>(p));
}

WARD_INLINE float half_to_float(uint16_t h) {
  return _cvtsh_ss(h);
}

WARD_INLINE float reduce(__m256 v) {
  const __m128 sum4 = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 sum2 = _mm_add_ps(sum4, _mm_movehl_ps(sum4, sum4));
  return _mm_cvtss_f32(_mm_add_ss(sum2, _mm_movehdup_ps(sum2)));
}

// ---- Q8_0 and Q4_0 against kQ8x32 activations ---------------------------------------------------

template <WeightKind kKind>
struct Q8x32Kernel {
  static constexpr int kRows = 2;
  static constexpr int kCols = 3;

  struct Weights {
    __m256i magnitude;  // |w|
    __m256i sign;       // w, for VPSIGNB
    __m256 d;
  };

  static WARD_INLINE Weights weights(const uint8_t* row, int64_t b) {
    Weights out;
    __m256i w;
    uint16_t d;
    if constexpr (kKind == kKindQ8_0) {
      const BlockQ8_0* blk = reinterpret_cast<const BlockQ8_0*>(row) + b;
      w = load256(blk->qs);
      d = blk->d;
    } else {
      const BlockQ4_0* blk = reinterpret_cast<const BlockQ4_0*>(row) + b;
      const __m128i q = load128(blk->qs);
      const __m256i nibbles =
          _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), _mm256_set1_epi8(0x0f));
      w = _mm256_sub_epi8(nibbles, _mm256_set1_epi8(8));
      d = blk->d;
    }
    out.magnitude = _mm256_abs_epi8(w);
    out.sign = w;
    out.d = _mm256_set1_ps(half_to_float(d));
    return out;
  }

  template <int R, int C>
  static void tile(const MatmulArgs& a, int64_t r0, int64_t c0) {
    const int64_t blocks = a.k / 32;
    const uint8_t* rows[R];
    const uint8_t* cols[C];
    __m256 acc[R][C];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      rows[r] = a.w + (r0 + r) * a.w_row_bytes;
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
    }
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) cols[c] = a.x + (c0 + c) * a.x_col_bytes;
    const __m256i ones = _mm256_set1_epi16(1);
    for (int64_t b = 0; b < blocks; ++b) {
      Weights w[R];
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) w[r] = weights(rows[r], b);
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) {
        const __m256i x = load256(cols[c] + 32 * b);
        const __m256 dx =
            _mm256_broadcast_ss(reinterpret_cast<const float*>(cols[c] + a.x_scale_offset) + b);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
          const __m256i pairs =
              _mm256_maddubs_epi16(w[r].magnitude, _mm256_sign_epi8(x, w[r].sign));
          const __m256 products = _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, ones));
          acc[r][c] = _mm256_fmadd_ps(products, _mm256_mul_ps(w[r].d, dx), acc[r][c]);
        }
      }
    }
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) {
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) a.y[(c0 + c) * a.y_stride + r0 + r] = reduce(acc[r][c]);
    }
  }
};

// ---- Q4_K, Q5_K and Q6_K against kQ8x256 activations ------------------------------------------

template <WeightKind kKind>
struct KQuantKernel {
  static constexpr int kRows = 2;
  static constexpr int kCols = 2;

  struct Weights {
    __m256i q[8];    // elements 32t .. 32t + 31, unsigned
    __m256i sc[8];   // int16 scale of each VPMADDUBSW pair of q[t]
    __m256 mins[2];  // per 16 elements: what multiplies the activation sum (subtracted)
    __m256 d;
  };

  static WARD_INLINE void unpack_scales(const uint8_t* packed, uint8_t* scales, uint8_t* mins) {
    uint32_t u0, u1, u2;
    __builtin_memcpy(&u0, packed, 4);
    __builtin_memcpy(&u1, packed + 4, 4);
    __builtin_memcpy(&u2, packed + 8, 4);
    const uint32_t words[4] = {
        u0 & 0x3f3f3f3fu, (u2 & 0x0f0f0f0fu) | ((u0 >> 2) & 0x30303030u),  // scales 0-3, 4-7
        u1 & 0x3f3f3f3fu, ((u2 >> 4) & 0x0f0f0f0fu) | ((u1 >> 2) & 0x30303030u)};  // mins
    __builtin_memcpy(scales, &words[0], 8);
    __builtin_memcpy(mins, &words[2], 8);
  }

  static WARD_INLINE Weights weights(const uint8_t* row, int64_t sb) {
    Weights out;
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    if constexpr (kKind == kKindQ4_K || kKind == kKindQ5_K) {
      const uint8_t* packed;
      const uint8_t* qs;
      uint16_t d, dmin;
      if constexpr (kKind == kKindQ4_K) {
        const BlockQ4_K* blk = reinterpret_cast<const BlockQ4_K*>(row) + sb;
        packed = blk->scales;
        qs = blk->qs;
        d = blk->d;
        dmin = blk->dmin;
      } else {
        const BlockQ5_K* blk = reinterpret_cast<const BlockQ5_K*>(row) + sb;
        packed = blk->scales;
        qs = blk->qs;
        d = blk->d;
        dmin = blk->dmin;
      }
      uint8_t scales[8], mins[8];
      unpack_scales(packed, scales, mins);
      out.d = _mm256_set1_ps(half_to_float(d));
      const __m128i m8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(mins));
      const __m128i doubled = _mm_unpacklo_epi8(m8, m8);  // m0 m0 m1 m1 ...
      const __m256 dmin_v = _mm256_set1_ps(half_to_float(dmin));
      out.mins[0] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(doubled)), dmin_v);
      out.mins[1] = _mm256_mul_ps(
          _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(doubled, 8))), dmin_v);
#pragma GCC unroll 4
      for (int p = 0; p < 4; ++p) {
        const __m256i bytes = load256(qs + 32 * p);
        out.q[2 * p] = _mm256_and_si256(bytes, low4);
        out.q[2 * p + 1] = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), low4);
      }
#pragma GCC unroll 8
      for (int t = 0; t < 8; ++t) out.sc[t] = _mm256_set1_epi16(scales[t]);
      if constexpr (kKind == kKindQ5_K) {
        // The fifth bit of element 32t + l is bit t of qh[l].
        const BlockQ5_K* blk = reinterpret_cast<const BlockQ5_K*>(row) + sb;
        const __m256i qh = load256(blk->qh);
        const __m256i sixteen = _mm256_set1_epi8(16);
#pragma GCC unroll 8
        for (int t = 0; t < 8; ++t) {
          const __m256i bit = _mm256_set1_epi8(static_cast<char>(1 << t));
          const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(qh, bit), bit);
          out.q[t] = _mm256_or_si256(out.q[t], _mm256_and_si256(set, sixteen));
        }
      }
    } else {
      const BlockQ6_K* blk = reinterpret_cast<const BlockQ6_K*>(row) + sb;
      const float d = half_to_float(blk->d);
      out.d = _mm256_set1_ps(d);
      const __m128i s8 = load128(blk->scales);
      const __m256 thirty_two_d = _mm256_set1_ps(32.0f * d);
      out.mins[0] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(s8)), thirty_two_d);
      out.mins[1] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(s8, 8))),
                                  thirty_two_d);
      // q[t] covers sub-blocks 2t (pairs 0-7) and 2t + 1 (pairs 8-15).
#pragma GCC unroll 8
      for (int t = 0; t < 8; ++t) {
        out.sc[t] = _mm256_set_m128i(_mm_set1_epi16(blk->scales[2 * t + 1]),
                                     _mm_set1_epi16(blk->scales[2 * t]));
      }
      // Element 128h + 32s + l: low four bits from ql[64h + 32 (s % 2) + l] (low nibble for
      // s < 2, high for s >= 2), high two bits from bits 2s, 2s + 1 of qh[32h + l].
      const __m256i three = _mm256_set1_epi8(3);
#pragma GCC unroll 2
      for (int h = 0; h < 2; ++h) {
        const __m256i ql0 = load256(blk->ql + 64 * h);
        const __m256i ql1 = load256(blk->ql + 64 * h + 32);
        const __m256i qh = load256(blk->qh + 32 * h);
        const __m256i low[4] = {_mm256_and_si256(ql0, low4), _mm256_and_si256(ql1, low4),
                                _mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4),
                                _mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4)};
#pragma GCC unroll 4
        for (int s = 0; s < 4; ++s) {
          const __m256i high = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * s), three);
          out.q[4 * h + s] = _mm256_or_si256(low[s], _mm256_slli_epi16(high, 4));
        }
      }
    }
    return out;
  }

  template <int R, int C>
  static void tile(const MatmulArgs& a, int64_t r0, int64_t c0) {
    const int64_t super_blocks = a.k / 256;
    const uint8_t* rows[R];
    const uint8_t* cols[C];
    __m256 acc[R][C];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      rows[r] = a.w + (r0 + r) * a.w_row_bytes;
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
    }
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) cols[c] = a.x + (c0 + c) * a.x_col_bytes;
    for (int64_t sb = 0; sb < super_blocks; ++sb) {
      Weights w[R];
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) w[r] = weights(rows[r], sb);
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) {
        const uint8_t* x = cols[c] + 256 * sb;
        const __m256 dx =
            _mm256_broadcast_ss(reinterpret_cast<const float*>(cols[c] + a.x_scale_offset) + sb);
        const float* sums = reinterpret_cast<const float*>(cols[c] + a.x_sum_offset) + 16 * sb;
        const __m256 sums0 = _mm256_loadu_ps(sums);
        const __m256 sums1 = _mm256_loadu_ps(sums + 8);
        __m256i isum[R];
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) isum[r] = _mm256_setzero_si256();
#pragma GCC unroll 8
        for (int t = 0; t < 8; ++t) {
          const __m256i xt = load256(x + 32 * t);
#pragma GCC unroll 8
          for (int r = 0; r < R; ++r) {
            const __m256i pairs = _mm256_maddubs_epi16(w[r].q[t], xt);
            isum[r] = _mm256_add_epi32(isum[r], _mm256_madd_epi16(pairs, w[r].sc[t]));
          }
        }
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
          acc[r][c] =
              _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[r]), _mm256_mul_ps(w[r].d, dx), acc[r][c]);
          acc[r][c] = _mm256_fnmadd_ps(w[r].mins[0], sums0, acc[r][c]);
          acc[r][c] = _mm256_fnmadd_ps(w[r].mins[1], sums1, acc[r][c]);
        }
      }
    }
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) {
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) a.y[(c0 + c) * a.y_stride + r0 + r] = reduce(acc[r][c]);
    }
  }
};

// ---- F32, F16 and BF16 against float activations ------------------------------------------------

template <WeightKind kKind>
struct FloatKernel {
  static constexpr int kRows = 2;
  static constexpr int kCols = 4;

  // Eight weights from `p` (a row position).
  static WARD_INLINE __m256 weights(const uint8_t* p) {
    if constexpr (kKind == kKindF32) {
      return _mm256_loadu_ps(reinterpret_cast<const float*>(p));
    } else if constexpr (kKind == kKindF16) {
      return _mm256_cvtph_ps(load128(p));
    } else {
      return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(load128(p)), 16));
    }
  }

  static constexpr int64_t kWeightBytes = kKind == kKindF32 ? 4 : 2;

  template <int R, int C>
  static WARD_INLINE void step(const uint8_t* const* rows, const float* const* cols, int64_t i,
                               __m256 (&acc)[R][C]) {
    __m256 w[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) w[r] = weights(rows[r] + i * kWeightBytes);
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) {
      const __m256 x = _mm256_loadu_ps(cols[c] + i);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) acc[r][c] = _mm256_fmadd_ps(w[r], x, acc[r][c]);
    }
  }

  template <int R, int C>
  static void tile(const MatmulArgs& a, int64_t r0, int64_t c0) {
    const uint8_t* rows[R];
    const float* cols[C];
    __m256 acc[R][C];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      rows[r] = a.w + (r0 + r) * a.w_row_bytes;
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
    }
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c)
      cols[c] = reinterpret_cast<const float*>(a.x + (c0 + c) * a.x_col_bytes);
    int64_t i = 0;
    for (; i + 8 <= a.k; i += 8) step<R, C>(rows, cols, i, acc);
    if (i < a.k) {
      // The last k % 8 elements, copied into zero-padded buffers (AVX2 has no masked 16-bit load).
      const int64_t n = a.k - i;
      alignas(32) uint8_t wtail[R][32] = {};
      alignas(32) float xtail[C][8] = {};
      const uint8_t* wt[R];
      const float* xt[C];
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        __builtin_memcpy(wtail[r], rows[r] + i * kWeightBytes,
                         static_cast<size_t>(n * kWeightBytes));
        wt[r] = wtail[r];
      }
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) {
        __builtin_memcpy(xtail[c], cols[c] + i, static_cast<size_t>(n) * sizeof(float));
        xt[c] = xtail[c];
      }
      step<R, C>(wt, xt, 0, acc);
    }
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) {
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) a.y[(c0 + c) * a.y_stride + r0 + r] = reduce(acc[r][c]);
    }
  }
};

// ---- activation quantisers (bit-identical to reference.h's) -------------------------------------

WARD_INLINE float max_abs(const float* x, int n) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 m = _mm256_setzero_ps();
  for (int i = 0; i < n; i += 8)
    m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)));
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  return _mm_cvtss_f32(_mm_max_ss(h, _mm_movehdup_ps(h)));
}

WARD_INLINE __m256i quantize8(const float* x, __m256 inverse) {
  const __m256i q = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), inverse));  // nearest even
  return _mm256_min_epi32(_mm256_max_epi32(q, _mm256_set1_epi32(-127)), _mm256_set1_epi32(127));
}

// Packing eight int32 vectors' worth of 256-bit lanes interleaves them; this puts them back.
WARD_INLINE __m256i in_order(__m256i v) {
  return _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// Quantises 32 floats: stores 32 bytes and returns the eight sums of four.
WARD_INLINE __m256i quantize32(const float* x, __m256 inverse, int8_t* out) {
  const __m256i q0 = quantize8(x, inverse), q1 = quantize8(x + 8, inverse);
  const __m256i q2 = quantize8(x + 16, inverse), q3 = quantize8(x + 24, inverse);
  const __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(q0, q1), _mm256_packs_epi32(q2, q3));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), in_order(bytes));
  const __m256i pairs01 = _mm256_hadd_epi32(q0, q1), pairs23 = _mm256_hadd_epi32(q2, q3);
  return in_order(_mm256_hadd_epi32(pairs01, pairs23));
}

void quantize_q8x32(const float* x, int64_t k, int8_t* values, float* scales, int32_t* offsets) {
  const int64_t blocks = k / 32;
  if (blocks % 2 != 0) {
    __builtin_memset(values + k, 0, 32);
    scales[blocks] = 0;
  }
  for (int64_t b = 0; b < blocks; ++b) {
    const float amax = max_abs(x + 32 * b, 32);
    const __m256 inverse = _mm256_set1_ps(amax > 0 ? 127.0f / amax : 0.0f);
    const __m256i sums = quantize32(x + 32 * b, inverse, values + 32 * b);
    const __m256i negated = _mm256_mullo_epi32(sums, _mm256_set1_epi32(-128));
    // Even and odd groups of four: [o0 + o4, o1 + o5, o2 + o6, o3 + o7], then pairwise.
    const __m128i halves =
        _mm_add_epi32(_mm256_castsi256_si128(negated), _mm256_extracti128_si256(negated, 1));
    const __m128i even_odd = _mm_add_epi32(halves, _mm_unpackhi_epi64(halves, halves));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(offsets + 2 * b), even_odd);
    scales[b] = amax / 127.0f;
  }
}

void quantize_q8x256(const float* x, int64_t k, int8_t* values, float* scales, float* group_sums) {
  for (int64_t b = 0; b < k / 256; ++b) {
    const float amax = max_abs(x + 256 * b, 256);
    const __m256 inverse = _mm256_set1_ps(amax > 0 ? 127.0f / amax : 0.0f);
    const float scale = amax / 127.0f;
    scales[b] = scale;
    for (int t = 0; t < 8; ++t) {
      // Sums of four, in order: groups of 16 are lanes 0-3 and 4-7.
      const __m256i fours = quantize32(x + 256 * b + 32 * t, inverse, values + 256 * b + 32 * t);
      const __m128i halves =
          _mm_hadd_epi32(_mm256_castsi256_si128(fours), _mm256_extracti128_si256(fours, 1));
      const __m128i sums = _mm_hadd_epi32(halves, halves);  // [g0, g1, g0, g1]
      group_sums[16 * b + 2 * t] = scale * static_cast<float>(_mm_cvtsi128_si32(sums));
      group_sums[16 * b + 2 * t + 1] = scale * static_cast<float>(_mm_extract_epi32(sums, 1));
    }
  }
}

// ---- float vectors for attention_impl.h ---------------------------------------------------------

struct Vec256 {
  using type = __m256;
  static constexpr int kLanes = 8;
  static WARD_INLINE __m256 load(const float* p) { return _mm256_loadu_ps(p); }
  static WARD_INLINE void store(float* p, __m256 v) { _mm256_storeu_ps(p, v); }
  static WARD_INLINE __m256 set1(float x) { return _mm256_set1_ps(x); }
  static WARD_INLINE __m256 zero() { return _mm256_setzero_ps(); }
  static WARD_INLINE __m256 add(__m256 a, __m256 b) { return _mm256_add_ps(a, b); }
  static WARD_INLINE __m256 sub(__m256 a, __m256 b) { return _mm256_sub_ps(a, b); }
  static WARD_INLINE __m256 mul(__m256 a, __m256 b) { return _mm256_mul_ps(a, b); }
  static WARD_INLINE __m256 div(__m256 a, __m256 b) { return _mm256_div_ps(a, b); }
  static WARD_INLINE __m256 max(__m256 a, __m256 b) { return _mm256_max_ps(a, b); }
  static WARD_INLINE __m256 min(__m256 a, __m256 b) { return _mm256_min_ps(a, b); }
  static WARD_INLINE __m256 fmadd(__m256 a, __m256 b, __m256 c) { return _mm256_fmadd_ps(a, b, c); }
  static WARD_INLINE __m256 fnmadd(__m256 a, __m256 b, __m256 c) {
    return _mm256_fnmadd_ps(a, b, c);
  }
  static WARD_INLINE __m256 round(__m256 x) {
    return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static WARD_INLINE float reduce_add(__m256 v) { return reduce(v); }
  static WARD_INLINE float reduce_max(__m256 v) {
    const __m128 max4 = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 max2 = _mm_max_ps(max4, _mm_movehl_ps(max4, max4));
    return _mm_cvtss_f32(_mm_max_ss(max2, _mm_movehdup_ps(max2)));
  }
  // p * 2^n by building 2^n's bits: n is whole and within the normal exponents.
  static WARD_INLINE __m256 ldexp(__m256 p, __m256 n) {
    const __m256i exponent = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(exponent, 23)));
  }
  static WARD_INLINE __m256 keep_first(__m256 v, int64_t count, float fill) {
    const auto lanes = static_cast<int>(count < 0 ? 0 : (count > kLanes ? kLanes : count));
    const __m256i keep =
        _mm256_cmpgt_epi32(_mm256_set1_epi32(lanes), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    return _mm256_blendv_ps(_mm256_set1_ps(fill), v, _mm256_castsi256_ps(keep));
  }
};

#undef WARD_INLINE

}  // namespace

const KernelTable* avx2_table() {
  static const KernelTable table = {{
                                        run_matmul<FloatKernel<kKindF32>>,
                                        run_matmul<FloatKernel<kKindF16>>,
                                        run_matmul<FloatKernel<kKindBF16>>,
                                        run_matmul<Q8x32Kernel<kKindQ8_0>>,
                                        run_matmul<Q8x32Kernel<kKindQ4_0>>,
                                        run_matmul<KQuantKernel<kKindQ4_K>>,
                                        run_matmul<KQuantKernel<kKindQ5_K>>,
                                        run_matmul<KQuantKernel<kKindQ6_K>>,
                                    },
                                    quantize_q8x32,
                                    quantize_q8x256,
                                    vector_attend<Vec256>,
                                    vector_silu_multiply<Vec256>};
  return &table;
}

}  // namespace ward::infer::kernels
