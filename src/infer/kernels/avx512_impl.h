#pragma once
// The AVX-512 kernels (F, BW, VL), written once for two families: avx512.cpp instantiates them
// with kVnni = false (int8 products by VPMADDUBSW + VPMADDWD) and avx512_vnni.cpp with
// kVnni = true (VPDPBUSD / VPDPWSSD, which multiply and accumulate in one instruction). Only
// those two translation units may include this header; everything is in an anonymous namespace
// (see tiling.h for why).
//
// Q8_0 / Q4_0 rows: two 32-element blocks per 512-bit register. With VNNI the weights plus 128
// are the unsigned operand of VPDPBUSD and the activations the signed one; the integer
// accumulator starts from -128 times each lane's four activations (one more VPDPBUSD per column,
// shared by the tile's rows), so each lane's integer is exactly its own products, and each
// row x column pair costs one integer product, one conversion and two float operations per 64
// elements. Without VNNI both use the sign trick (|w| times x with w's sign, VPMADDUBSW +
// VPMADDWD), as w + 128 times x can overflow VPMADDUBSW's 16-bit sums. With VNNI and 8 columns
// or more, the row-interleaved kernel below does the float work once per 8 rows instead.
//
// K rows: each 256-element super-block is decoded once per row tile into 0..63 integers in
// element order plus 16-bit sub-block scales laid out to match VPMADDUBSW's pairs; the products
// are scaled by VPMADDWD / VPDPWSSD and summed in 32-bit integers over the whole super-block;
// the mins (Q4_K, Q5_K) and Q6_K's -32 offset are one float multiply-add per super-block
// against per-16 activation sums stored with the activations.

// GCC 12's AVX-512 headers initialise their "undefined" vectors from themselves, which its own
// -Wuninitialized then reports at every use (GCC bug 105593); the headers' lines are exempt.
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
namespace {  // NOLINT(google-build-namespaces): per translation unit on purpose, see tiling.h
namespace avx512 {

#define WARD_INLINE inline __attribute__((always_inline))

WARD_INLINE __m256i load256(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

WARD_INLINE __m512i load512(const void* p) {
  return _mm512_loadu_si512(p);
}

WARD_INLINE float half_to_float(uint16_t h) {
  return _cvtsh_ss(h);
}

// [s0 x 8, s1 x 8] from a vector whose lanes 0 and 1 are s0 and s1.
WARD_INLINE __m512 pair_scale(__m128 s01) {
  const __m512i index = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  return _mm512_permutexvar_ps(index, _mm512_castps128_ps512(s01));
}

// The sum of the 16 lanes, added in the order store_sums' tree uses, so that an output's bits do
// not depend on the tile it fell in (and so not on how rows are split between threads):
// per 128-bit lane L, (v[4L] + v[4L + 2]) + (v[4L + 1] + v[4L + 3]); then (L0 + L1) + (L2 + L3).
WARD_INLINE float reduce(__m512 v) {
  const __m512 t = _mm512_add_ps(v, _mm512_shuffle_ps(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  const __m512 t2 = _mm512_add_ps(t, _mm512_shuffle_ps(t, t, _MM_SHUFFLE(2, 3, 0, 1)));
  const __m512 u = _mm512_add_ps(t2, _mm512_shuffle_f32x4(t2, t2, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtss_f32(_mm_add_ss(_mm512_castps512_ps128(u), _mm512_extractf32x4_ps(u, 2)));
}

// Stores the sum of the lanes of each acc[r][c] to y[c * stride + r]. A 4 x 4 tile is reduced
// as one transpose-and-add tree (45 instructions for 16 sums instead of 16 separate reductions,
// which cost 14% of a 4 x 4 tile over 896 elements).
template <int R, int C>
WARD_INLINE void store_sums(const __m512 (&acc)[R][C], float* y, int64_t stride) {
  if constexpr (R == 4 && C == 4) {
    // v[4c + r]; after the tree, lane 4c + r holds its sum, so 128-bit lane c is column c.
    __m512 w[8];
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      const __m512 a = acc[(2 * j) % 4][(2 * j) / 4];
      const __m512 b = acc[(2 * j + 1) % 4][(2 * j + 1) / 4];
      w[j] = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
    }
    __m512 x[4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      const __m512d c = _mm512_castps_pd(w[2 * j]), d = _mm512_castps_pd(w[2 * j + 1]);
      x[j] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(c, d)),
                           _mm512_castpd_ps(_mm512_unpackhi_pd(c, d)));
    }
    const __m512 y01 = _mm512_add_ps(_mm512_shuffle_f32x4(x[0], x[1], 0x88),
                                     _mm512_shuffle_f32x4(x[0], x[1], 0xdd));
    const __m512 y23 = _mm512_add_ps(_mm512_shuffle_f32x4(x[2], x[3], 0x88),
                                     _mm512_shuffle_f32x4(x[2], x[3], 0xdd));
    const __m512 z =
        _mm512_add_ps(_mm512_shuffle_f32x4(y01, y23, 0x88), _mm512_shuffle_f32x4(y01, y23, 0xdd));
    _mm_storeu_ps(y, _mm512_extractf32x4_ps(z, 0));
    _mm_storeu_ps(y + stride, _mm512_extractf32x4_ps(z, 1));
    _mm_storeu_ps(y + 2 * stride, _mm512_extractf32x4_ps(z, 2));
    _mm_storeu_ps(y + 3 * stride, _mm512_extractf32x4_ps(z, 3));
  } else {
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) {
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) y[c * stride + r] = reduce(acc[r][c]);
    }
  }
}

// ---- Q8_0 and Q4_0 against kQ8x32 activations ---------------------------------------------------

template <WeightKind kKind, bool kVnni>
struct Q8x32Kernel {
  static constexpr int kRows = 4;
  static constexpr int kCols = 4;
  // Two blocks of one row, decoded. `u`: with VNNI the unsigned operand (Q8_0: w + 128, Q4_0:
  // q - 8 + 128); without, the signed values (Q8_0's, Q4_0's q - 8), whose magnitude and sign the
  // sign trick takes per use.
  struct Weights {
    __m512i u;
    __m512 d;  // [d0 x 8, d1 x 8]
  };

  struct Activations {
    __m512i x;
    __m512 d;
    __m512i offset;
  };

  // Blocks b and b + 1 of a row (only b, the other half zero, when kTail).
  template <bool kTail>
  static WARD_INLINE Weights weights(const uint8_t* row, int64_t b) {
    Weights out;
    if constexpr (kKind == kKindQ8_0) {
      const BlockQ8_0* blk = reinterpret_cast<const BlockQ8_0*>(row) + b;
      __m512i w;
      __m128 d;
      if constexpr (kTail) {
        w = _mm512_zextsi256_si512(load256(blk[0].qs));
        d = _mm_cvtph_ps(_mm_cvtsi32_si128(blk[0].d));
      } else {
        w = _mm512_inserti64x4(_mm512_castsi256_si512(load256(blk[0].qs)), load256(blk[1].qs), 1);
        d = _mm_cvtph_ps(_mm_cvtsi32_si128(blk[0].d | (blk[1].d << 16)));
      }
      out.d = pair_scale(d);
      if constexpr (kVnni) {
        out.u = _mm512_xor_si512(w, _mm512_set1_epi8(static_cast<char>(0x80)));  // w + 128
      } else {
        out.u = w;
      }
    } else {
      const BlockQ4_0* blk = reinterpret_cast<const BlockQ4_0*>(row) + b;
      // 128-bit lanes [qs0, qs0, qs1, qs1]; lanes 1 and 3 shifted to their high nibbles.
      const __m256i q0 =
          _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk[0].qs)));
      __m512i z;
      __m128 d;
      if constexpr (kTail) {
        z = _mm512_zextsi256_si512(q0);
        d = _mm_cvtph_ps(_mm_cvtsi32_si128(blk[0].d));
      } else {
        const __m256i q1 = _mm256_broadcastsi128_si256(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk[1].qs)));
        z = _mm512_inserti64x4(_mm512_castsi256_si512(q0), q1, 1);
        d = _mm_cvtph_ps(_mm_cvtsi32_si128(blk[0].d | (blk[1].d << 16)));
      }
      z = _mm512_mask_srli_epi16(z, 0xff00ff00u, z, 4);
      out.u = _mm512_and_si512(z, _mm512_set1_epi8(0x0f));
      // (q - 8) + 128 for VNNI's unsigned operand, q - 8 for the sign trick.
      out.u = _mm512_add_epi8(out.u, _mm512_set1_epi8(kVnni ? 120 : -8));
      out.d = pair_scale(d);
    }
    return out;
  }

  // Blocks b and b + 1 of a column; past the last block the layout holds zeros. With VNNI, the
  // accumulator starts from -128 times each lane's four activations (computed here, once per
  // column for all the tile's rows), so each lane ends with exactly its own products.
  static WARD_INLINE Activations activations(const MatmulArgs& a, const uint8_t* col, int64_t b) {
    Activations out{};
    out.x = load512(col + 32 * b);
    const float* scales = reinterpret_cast<const float*>(col + a.x_scale_offset) + b;
    out.d = pair_scale(_mm_castsi128_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(scales))));
    if constexpr (kVnni) {
      const __m512i sums = _mm512_dpbusd_epi32(_mm512_setzero_si512(),
                                               _mm512_set1_epi8(static_cast<char>(0x80)), out.x);
      out.offset = _mm512_sub_epi32(_mm512_setzero_si512(), sums);
    }
    return out;
  }

  // What one row brings to each product: the unsigned operand, and for the sign trick the lanes
  // whose activations must be negated.
  struct Operand {
    __m512i u;
    __mmask64 negative;
  };

  static WARD_INLINE Operand operand(const Weights& w) {
    if constexpr (!kVnni) {
      return {_mm512_abs_epi8(w.u), _mm512_movepi8_mask(w.u)};
    } else {
      return {w.u, 0};
    }
  }

  static WARD_INLINE __m512i dot(const Operand& w, const Activations& x) {
    if constexpr (kVnni) {
      return _mm512_dpbusd_epi32(x.offset, w.u, x.x);
    } else {
      const __m512i signed_x = _mm512_mask_sub_epi8(x.x, w.negative, _mm512_setzero_si512(), x.x);
      return _mm512_madd_epi16(_mm512_maddubs_epi16(w.u, signed_x), _mm512_set1_epi16(1));
    }
  }

  // One unit (blocks b, b + 1) of R rows against C columns.
  template <int R, int C>
  static WARD_INLINE void step(const MatmulArgs& a, const Weights (&w)[R],
                               const uint8_t* const* cols, int64_t b, __m512 (&acc)[R][C]) {
    Operand op[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) op[r] = operand(w[r]);
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) {
      const Activations x = activations(a, cols[c], b);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        const __m512 products = _mm512_cvtepi32_ps(dot(op[r], x));
        acc[r][c] = _mm512_fmadd_ps(products, _mm512_mul_ps(w[r].d, x.d), acc[r][c]);
      }
    }
  }

  template <int R, int C>
  static void tile(const MatmulArgs& a, int64_t r0, int64_t c0) {
    const int64_t blocks = a.k / 32;
    const uint8_t* rows[R];
    const uint8_t* cols[C];
    __m512 acc[R][C];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      rows[r] = a.w + (r0 + r) * a.w_row_bytes;
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) acc[r][c] = _mm512_setzero_ps();
    }
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) cols[c] = a.x + (c0 + c) * a.x_col_bytes;
    int64_t b = 0;
    Weights w[R];
    for (; b + 2 <= blocks; b += 2) {
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) w[r] = weights<false>(rows[r], b);
      step<R, C>(a, w, cols, b, acc);
    }
    if (b < blocks) {
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) w[r] = weights<true>(rows[r], b);
      step<R, C>(a, w, cols, b, acc);
    }
    store_sums<R, C>(acc, a.y + c0 * a.y_stride + r0, a.y_stride);
  }
};

// ---- batched Q8_0 and Q4_0 with VNNI: eight rows across the lanes -------------------------------
//
// For several columns, the tiles above spend one conversion, one scale multiply and one FMA per
// 64 products of each row x column pair, and on Zen 4 those share the two pipes VPDPBUSD needs.
// Here each group of 8 rows is transposed so that lanes 2r and 2r + 1 of a vector hold row r
// (eight bytes of its block: the j-th eight, in W_j); the activations' j-th eight bytes are
// simply broadcast to every lane pair, straight from memory. Four VPDPBUSD then sum a whole
// 32-element block for 8 rows, and one conversion, multiply and FMA apply the 8 rows' scales at
// once: a quarter of the float work, and no shuffles per column. The transposition (12 shuffles
// per 8 rows x 32 elements) is done once per segment of 16 blocks into an L1 buffer and reused by
// every column of the chunk.
template <WeightKind kKind>
struct InterleavedQ8x32 {
  static constexpr int kGroups = 3;  // 24 rows per tile
  static constexpr int kCols = 4;
  static constexpr int64_t kSegment = 16;  // blocks
  static constexpr int64_t kBlockBytes = kKind == kKindQ8_0 ? 34 : 18;

  struct Packed {
    __m512i w[4];  // unsigned operand (w + 128): qword r of W_j is row r's bytes 8j .. 8j + 7
    __m512 d;      // [d_row0, d_row0, d_row1, d_row1, .., d_row7, d_row7]
  };

  // Rows r0 .. r0 + 7 (those below `rows`; the others get zero scales) of block b.
  static WARD_INLINE Packed pack(const MatmulArgs& a, int64_t r0, int64_t rows, int64_t b) {
    const uint8_t* base[8];
#pragma GCC unroll 8
    for (int r = 0; r < 8; ++r) {
      base[r] = a.w + (r0 + (r0 + r < rows ? r : 0)) * a.w_row_bytes + b * kBlockBytes;
    }
    // z[p]: rows 2p and 2p + 1, four qwords each, made unsigned.
    __m512i z[4];
#pragma GCC unroll 4
    for (int p = 0; p < 4; ++p) {
      if constexpr (kKind == kKindQ8_0) {
        z[p] = _mm512_inserti64x4(_mm512_castsi256_si512(load256(base[2 * p] + 2)),
                                  load256(base[2 * p + 1] + 2), 1);
        z[p] = _mm512_xor_si512(z[p], _mm512_set1_epi8(static_cast<char>(0x80)));  // w + 128
      } else {
        const __m256i q0 = _mm256_broadcastsi128_si256(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(base[2 * p] + 2)));
        const __m256i q1 = _mm256_broadcastsi128_si256(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(base[2 * p + 1] + 2)));
        __m512i t = _mm512_inserti64x4(_mm512_castsi256_si512(q0), q1, 1);
        t = _mm512_and_si512(_mm512_mask_srli_epi16(t, 0xff00ff00u, t, 4), _mm512_set1_epi8(0x0f));
        z[p] = _mm512_add_epi8(t, _mm512_set1_epi8(120));  // q - 8 + 128
      }
    }
    // Stage 1: rows 0-3 (s) and 4-7 (t): [R0.q(m), R1.q(m), R2.q(m), R3.q(m), same for m + 1].
    const __m512i q01 = _mm512_set_epi64(13, 9, 5, 1, 12, 8, 4, 0);
    const __m512i q23 = _mm512_set_epi64(15, 11, 7, 3, 14, 10, 6, 2);
    const __m512i s01 = _mm512_permutex2var_epi64(z[0], q01, z[1]);
    const __m512i s23 = _mm512_permutex2var_epi64(z[0], q23, z[1]);
    const __m512i t01 = _mm512_permutex2var_epi64(z[2], q01, z[3]);
    const __m512i t23 = _mm512_permutex2var_epi64(z[2], q23, z[3]);
    // Stage 2: W_j = [R0.q(j) .. R7.q(j)].
    const __m512i first = _mm512_set_epi64(11, 10, 9, 8, 3, 2, 1, 0);
    const __m512i second = _mm512_set_epi64(15, 14, 13, 12, 7, 6, 5, 4);
    Packed out;
    out.w[0] = _mm512_permutex2var_epi64(s01, first, t01);
    out.w[1] = _mm512_permutex2var_epi64(s01, second, t01);
    out.w[2] = _mm512_permutex2var_epi64(s23, first, t23);
    out.w[3] = _mm512_permutex2var_epi64(s23, second, t23);
    alignas(16) uint16_t halves[8];
#pragma GCC unroll 8
    for (int r = 0; r < 8; ++r) {
      uint16_t h;
      __builtin_memcpy(&h, base[r], 2);
      halves[r] = r0 + r < rows ? h : 0;
    }
    const __m256 d = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(halves)));
    const __m512i doubled = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
    out.d = _mm512_permutexvar_ps(doubled, _mm512_castps256_ps512(d));
    return out;
  }

  // Columns c0 .. c0 + C - 1 over blocks b0 .. b0 + n - 1 of the packed groups.
  template <int G, int C>
  static void compute(const MatmulArgs& a, const Packed* packed, int64_t n, int64_t b0, int64_t c0,
                      __m512 (&carried)[G][C]) {
    const uint8_t* cols[C];
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) cols[c] = a.x + (c0 + c) * a.x_col_bytes;
    __m512 acc[G][C];
#pragma GCC unroll 8
    for (int g = 0; g < G; ++g) {
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) acc[g][c] = carried[g][c];
    }
    for (int64_t i = 0; i < n; ++i) {
      const int64_t b = b0 + i;
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) {
        const uint8_t* x = cols[c] + 32 * b;
        int64_t q[5];
        __builtin_memcpy(q, x, 32);
        __builtin_memcpy(&q[4], cols[c] + a.x_sum_offset + 8 * b, 8);
        const __m512i x0 = _mm512_set1_epi64(q[0]);
        const __m512i x1 = _mm512_set1_epi64(q[1]);
        const __m512i x2 = _mm512_set1_epi64(q[2]);
        const __m512i x3 = _mm512_set1_epi64(q[3]);
        const __m512i offset = _mm512_set1_epi64(q[4]);  // even lanes: even groups of four
        const __m512 dx =
            _mm512_set1_ps(reinterpret_cast<const float*>(cols[c] + a.x_scale_offset)[b]);
#pragma GCC unroll 8
        for (int g = 0; g < G; ++g) {
          const Packed& w = packed[g * kSegment + i];
          __m512i sum = _mm512_dpbusd_epi32(offset, w.w[0], x0);
          sum = _mm512_dpbusd_epi32(sum, w.w[1], x1);
          sum = _mm512_dpbusd_epi32(sum, w.w[2], x2);
          sum = _mm512_dpbusd_epi32(sum, w.w[3], x3);
          acc[g][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(w.d, dx), acc[g][c]);
        }
      }
    }
#pragma GCC unroll 8
    for (int g = 0; g < G; ++g) {
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) carried[g][c] = acc[g][c];
    }
  }

  // Columns [c_begin, c_end) of the chunk starting at `chunk`, narrowing the tile at the end.
  template <int G, int C>
  static void column_tiles(const MatmulArgs& a, const Packed* packed, int64_t n, int64_t b0,
                           int64_t chunk, int64_t c_begin, int64_t c_end,
                           __m512 (*carried)[kColumnChunk]) {
    for (int64_t c = c_begin; c < c_end; c += C) {
      if (c_end - c < C) {
        if constexpr (C > 1) column_tiles<G, C - 1>(a, packed, n, b0, chunk, c, c_end, carried);
        return;
      }
      __m512 acc[G][C];
#pragma GCC unroll 8
      for (int g = 0; g < G; ++g) {
#pragma GCC unroll 8
        for (int cc = 0; cc < C; ++cc) {
          acc[g][cc] = b0 == 0 ? _mm512_setzero_ps() : carried[g][c - chunk + cc];
        }
      }
      compute<G, C>(a, packed, n, b0, c, acc);
#pragma GCC unroll 8
      for (int g = 0; g < G; ++g) {
#pragma GCC unroll 8
        for (int cc = 0; cc < C; ++cc) carried[g][c - chunk + cc] = acc[g][cc];
      }
    }
  }

  // Rows r0 .. r0 + 8G - 1 (those below a.rows) against columns [c_begin, c_end).
  template <int G>
  static void row_tile(const MatmulArgs& a, int64_t r0, int64_t c_begin, int64_t c_end) {
    alignas(64) Packed packed[G * kSegment];
    alignas(64) __m512 carried[G][kColumnChunk];
    const int64_t blocks = a.k / 32;
    for (int64_t b0 = 0; b0 < blocks; b0 += kSegment) {
      const int64_t n = blocks - b0 < kSegment ? blocks - b0 : kSegment;
#pragma GCC unroll 4
      for (int g = 0; g < G; ++g) {
        for (int64_t i = 0; i < n; ++i)
          packed[g * kSegment + i] = pack(a, r0 + 8 * g, a.rows, b0 + i);
      }
      column_tiles<G, kCols>(a, packed, n, b0, c_begin, c_begin, c_end, carried);
    }
    // Lanes 2r and 2r + 1 hold halves of row r's sum.
    const __m512i evens = _mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 14, 12, 10, 8, 6, 4, 2, 0);
    for (int64_t c = c_begin; c < c_end; ++c) {
#pragma GCC unroll 4
      for (int g = 0; g < G; ++g) {
        const __m512 v = carried[g][c - c_begin];
        const __m512 pairs = _mm512_add_ps(v, _mm512_permute_ps(v, _MM_SHUFFLE(2, 3, 0, 1)));
        const __m256 sums = _mm512_castps512_ps256(_mm512_permutexvar_ps(evens, pairs));
        const int64_t first = r0 + 8 * g;
        const int64_t count = a.rows - first < 8 ? a.rows - first : 8;
        if (count <= 0) break;
        _mm256_mask_storeu_ps(a.y + c * a.y_stride + first,
                              static_cast<__mmask8>((1u << count) - 1), sums);
      }
    }
  }

  static void run(const MatmulArgs& a) {
    constexpr int64_t kRowsPerTile = 8 * kGroups;
    for (int64_t c0 = 0; c0 < a.cols; c0 += kColumnChunk) {
      const int64_t c_end = c0 + kColumnChunk < a.cols ? c0 + kColumnChunk : a.cols;
      int64_t r = 0;
      for (; r + kRowsPerTile <= a.rows; r += kRowsPerTile) row_tile<kGroups>(a, r, c0, c_end);
      const int64_t left = a.rows - r;
      if (left > 16) {
        row_tile<3>(a, r, c0, c_end);
      } else if (left > 8) {
        row_tile<2>(a, r, c0, c_end);
      } else if (left > 0) {
        row_tile<1>(a, r, c0, c_end);
      }
    }
  }
};

// Q8_0 / Q4_0 with VNNI: row-interleaved tiles from this many columns on, plain tiles below
// (where the transposition would be amortised over too few columns).
constexpr int64_t kInterleaveMinCols = 8;

template <WeightKind kKind>
void run_q8x32_vnni(const MatmulArgs& a) {
  if (a.cols >= kInterleaveMinCols) {
    InterleavedQ8x32<kKind>::run(a);
  } else {
    run_matmul<Q8x32Kernel<kKind, true>>(a);
  }
}

// ---- Q4_K, Q5_K and Q6_K against kQ8x256 activations ------------------------------------------

template <WeightKind kKind, bool kVnni>
struct KQuantKernel {
  static constexpr int kRows = 2;
  static constexpr int kCols = 4;

  // One super-block of one row, decoded.
  struct Weights {
    __m512i q[4];   // elements 64t .. 64t + 63, unsigned
    __m512i sc[4];  // int16 scale of each VPMADDUBSW pair of q[t]
    __m512 mins;    // per 16 elements: what multiplies the activation sum (subtracted)
    __m512 d;       // the super-block scale, broadcast
  };

  // Scales and mins of Q4_K / Q5_K: 8 bytes each.
  static WARD_INLINE void unpack_scales(const uint8_t* packed, uint64_t& scales, uint64_t& mins) {
    uint32_t u0, u1, u2;
    __builtin_memcpy(&u0, packed, 4);
    __builtin_memcpy(&u1, packed + 4, 4);
    __builtin_memcpy(&u2, packed + 8, 4);
    const uint32_t sc_low = u0 & 0x3f3f3f3fu;
    const uint32_t m_low = u1 & 0x3f3f3f3fu;
    const uint32_t sc_high = (u2 & 0x0f0f0f0fu) | ((u0 >> 2) & 0x30303030u);
    const uint32_t m_high = ((u2 >> 4) & 0x0f0f0f0fu) | ((u1 >> 2) & 0x30303030u);
    scales = sc_low | (static_cast<uint64_t>(sc_high) << 32);
    mins = m_low | (static_cast<uint64_t>(m_high) << 32);
  }

  // Scales per 32 elements (Q4_K, Q5_K): pair i of q[t] is in sub-block 2t + i / 16.
  static WARD_INLINE void scales_per_32(uint64_t scales, __m512i (&sc)[4]) {
    const __m512i s16 =
        _mm512_castsi128_si512(_mm_cvtepu8_epi16(_mm_cvtsi64_si128(static_cast<int64_t>(scales))));
#pragma GCC unroll 4
    for (int t = 0; t < 4; ++t) {
      const __m512i index =
          _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16(static_cast<int16_t>(2 * t))),
                             _mm256_set1_epi16(static_cast<int16_t>(2 * t + 1)), 1);
      sc[t] = _mm512_permutexvar_epi16(index, s16);
    }
  }

  static WARD_INLINE __m512 mins_per_16(uint64_t mins, float dmin) {
    const __m128i m8 = _mm_cvtsi64_si128(static_cast<int64_t>(mins));
    const __m128i doubled = _mm_unpacklo_epi8(m8, m8);  // m0 m0 m1 m1 ...
    return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(doubled)), _mm512_set1_ps(dmin));
  }

  // Q4_K / Q5_K nibbles: q[t] = low nibbles of qs[32t .. 32t + 31], then their high nibbles.
  static WARD_INLINE __m512i nibbles(const uint8_t* qs32) {
    __m512i z = _mm512_broadcast_i64x4(load256(qs32));
    z = _mm512_mask_srli_epi16(z, 0xffff0000u, z, 4);
    return _mm512_and_si512(z, _mm512_set1_epi8(0x0f));
  }

  static WARD_INLINE Weights weights(const uint8_t* row, int64_t sb) {
    Weights out;
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
      uint64_t scales, mins;
      unpack_scales(packed, scales, mins);
      scales_per_32(scales, out.sc);
      out.mins = mins_per_16(mins, half_to_float(dmin));
      out.d = _mm512_set1_ps(half_to_float(d));
#pragma GCC unroll 4
      for (int t = 0; t < 4; ++t) out.q[t] = nibbles(qs + 32 * t);
      if constexpr (kKind == kKindQ5_K) {
        // The fifth bit of element 32j + l is bit j of qh[l]: for q[t], bit 2t in the low half
        // and bit 2t + 1 in the high half.
        const BlockQ5_K* blk = reinterpret_cast<const BlockQ5_K*>(row) + sb;
        const __m512i qh = _mm512_broadcast_i64x4(load256(blk->qh));
        const __m512i sixteen = _mm512_set1_epi8(16);
#pragma GCC unroll 4
        for (int t = 0; t < 4; ++t) {
          const __m512i bit = _mm512_inserti64x4(
              _mm512_castsi256_si512(_mm256_set1_epi8(static_cast<char>(1 << (2 * t)))),
              _mm256_set1_epi8(static_cast<char>(1 << (2 * t + 1))), 1);
          const __mmask64 set = _mm512_test_epi8_mask(qh, bit);
          out.q[t] = _mm512_mask_add_epi8(out.q[t], set, out.q[t], sixteen);
        }
      }
    } else {
      const BlockQ6_K* blk = reinterpret_cast<const BlockQ6_K*>(row) + sb;
      const float d = half_to_float(blk->d);
      out.d = _mm512_set1_ps(d);
      // Scales per 16 elements: pair i of q[t] is in sub-block 4t + i / 8.
      const __m128i s8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk->scales));
      const __m512i s16 = _mm512_castsi256_si512(_mm256_cvtepi8_epi16(s8));
#pragma GCC unroll 4
      for (int t = 0; t < 4; ++t) {
        const __m512i index = _mm512_set_epi16(
            4 * t + 3, 4 * t + 3, 4 * t + 3, 4 * t + 3, 4 * t + 3, 4 * t + 3, 4 * t + 3, 4 * t + 3,
            4 * t + 2, 4 * t + 2, 4 * t + 2, 4 * t + 2, 4 * t + 2, 4 * t + 2, 4 * t + 2, 4 * t + 2,
            4 * t + 1, 4 * t + 1, 4 * t + 1, 4 * t + 1, 4 * t + 1, 4 * t + 1, 4 * t + 1, 4 * t + 1,
            4 * t, 4 * t, 4 * t, 4 * t, 4 * t, 4 * t, 4 * t, 4 * t);
        out.sc[t] = _mm512_permutexvar_epi16(index, s16);
      }
      // q - 32 = q - 32: the 32 * d * scale * (sum of x) part, per 16 elements.
      out.mins =
          _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(s8)), _mm512_set1_ps(32.0f * d));
      // Element order: q[2h] = elements 128h .. 128h + 63, low nibbles of ql[64h .. 64h + 63];
      // q[2h + 1] = elements 128h + 64 .. 128h + 127, their high nibbles. The two high bits of
      // element 128h + 32s + l (s < 4, l < 32) are bits 2s, 2s + 1 of qh[32h + l].
      const __m512i low4 = _mm512_set1_epi8(0x0f);
      const __m512i bits45 = _mm512_set1_epi8(0x30);
      // Shift counts per 16-bit lane moving bits 2s, 2s + 1 to bits 4, 5 (low half: s even,
      // high half: s odd). Contamination from the neighbouring byte lands outside bits 4-5.
      const __m512i left_01 =
          _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16(4)), _mm256_set1_epi16(2), 1);
      const __m512i right_23 =
          _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16(0)), _mm256_set1_epi16(2), 1);
#pragma GCC unroll 2
      for (int h = 0; h < 2; ++h) {
        const __m512i ql = load512(blk->ql + 64 * h);
        const __m512i qh = _mm512_broadcast_i64x4(load256(blk->qh + 32 * h));
        const __m512i high01 = _mm512_and_si512(_mm512_sllv_epi16(qh, left_01), bits45);
        const __m512i high23 = _mm512_and_si512(_mm512_srlv_epi16(qh, right_23), bits45);
        // (a & b) | c
        out.q[2 * h] = _mm512_ternarylogic_epi32(ql, low4, high01, 0xea);
        out.q[2 * h + 1] = _mm512_ternarylogic_epi32(_mm512_srli_epi16(ql, 4), low4, high23, 0xea);
      }
    }
    return out;
  }

  static WARD_INLINE __m512i scaled_dot(__m512i acc, __m512i q, __m512i x, __m512i sc) {
    const __m512i pairs = _mm512_maddubs_epi16(q, x);
    if constexpr (kVnni) {
      return _mm512_dpwssd_epi32(acc, pairs, sc);
    } else {
      return _mm512_add_epi32(acc, _mm512_madd_epi16(pairs, sc));
    }
  }

  template <int R, int C>
  static void tile(const MatmulArgs& a, int64_t r0, int64_t c0) {
    const int64_t super_blocks = a.k / 256;
    const uint8_t* rows[R];
    const uint8_t* cols[C];
    __m512 acc[R][C];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      rows[r] = a.w + (r0 + r) * a.w_row_bytes;
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) acc[r][c] = _mm512_setzero_ps();
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
        const __m512 dx =
            _mm512_set1_ps(reinterpret_cast<const float*>(cols[c] + a.x_scale_offset)[sb]);
        const __m512 sums =
            _mm512_loadu_ps(reinterpret_cast<const float*>(cols[c] + a.x_sum_offset) + 16 * sb);
        __m512i isum[R];
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) isum[r] = _mm512_setzero_si512();
#pragma GCC unroll 4
        for (int t = 0; t < 4; ++t) {
          const __m512i xt = load512(x + 64 * t);
#pragma GCC unroll 8
          for (int r = 0; r < R; ++r) isum[r] = scaled_dot(isum[r], w[r].q[t], xt, w[r].sc[t]);
        }
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
          acc[r][c] =
              _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[r]), _mm512_mul_ps(w[r].d, dx), acc[r][c]);
          acc[r][c] = _mm512_fnmadd_ps(w[r].mins, sums, acc[r][c]);
        }
      }
    }
    store_sums<R, C>(acc, a.y + c0 * a.y_stride + r0, a.y_stride);
  }
};

// ---- F32, F16 and BF16 against float activations ------------------------------------------------

template <WeightKind kKind>
struct FloatKernel {
  static constexpr int kRows = 4;
  static constexpr int kCols = 4;

  static WARD_INLINE __m512 weights(const uint8_t* row, int64_t i, __mmask16 mask) {
    if constexpr (kKind == kKindF32) {
      return _mm512_maskz_loadu_ps(mask, reinterpret_cast<const float*>(row) + i);
    } else {
      const __m256i h = _mm256_maskz_loadu_epi16(mask, reinterpret_cast<const uint16_t*>(row) + i);
      if constexpr (kKind == kKindF16) {
        return _mm512_cvtph_ps(h);
      } else {
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
      }
    }
  }

  template <int R, int C>
  static WARD_INLINE void step(const uint8_t* const* rows, const float* const* cols, int64_t i,
                               __mmask16 mask, __m512 (&acc)[R][C]) {
    __m512 w[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) w[r] = weights(rows[r], i, mask);
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) {
      const __m512 x = _mm512_maskz_loadu_ps(mask, cols[c] + i);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) acc[r][c] = _mm512_fmadd_ps(w[r], x, acc[r][c]);
    }
  }

  template <int R, int C>
  static void tile(const MatmulArgs& a, int64_t r0, int64_t c0) {
    const uint8_t* rows[R];
    const float* cols[C];
    __m512 acc[R][C];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      rows[r] = a.w + (r0 + r) * a.w_row_bytes;
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) acc[r][c] = _mm512_setzero_ps();
    }
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c)
      cols[c] = reinterpret_cast<const float*>(a.x + (c0 + c) * a.x_col_bytes);
    int64_t i = 0;
    for (; i + 16 <= a.k; i += 16) step<R, C>(rows, cols, i, 0xffff, acc);
    if (i < a.k) step<R, C>(rows, cols, i, static_cast<__mmask16>((1u << (a.k - i)) - 1), acc);
    store_sums<R, C>(acc, a.y + c0 * a.y_stride + r0, a.y_stride);
  }
};

// ---- activation quantisers (bit-identical to reference.h's) -------------------------------------

WARD_INLINE __m512i quantize16(__m512 v, __m512 inverse) {
  const __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(v, inverse));  // nearest even
  return _mm512_min_epi32(_mm512_max_epi32(q, _mm512_set1_epi32(-127)), _mm512_set1_epi32(127));
}

void quantize_q8x32(const float* x, int64_t k, int8_t* values, float* scales, int32_t* offsets) {
  const int64_t blocks = k / 32;
  if (blocks % 2 != 0) {
    __builtin_memset(values + k, 0, 32);
    scales[blocks] = 0;
  }
  for (int64_t b = 0; b < blocks; ++b) {
    const __m512 v0 = _mm512_loadu_ps(x + 32 * b);
    const __m512 v1 = _mm512_loadu_ps(x + 32 * b + 16);
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
    const __m512 inverse = _mm512_set1_ps(amax > 0 ? 127.0f / amax : 0.0f);
    const __m512i q0 = quantize16(v0, inverse);
    const __m512i q1 = quantize16(v1, inverse);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(values + 32 * b), _mm512_cvtsepi32_epi8(q0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(values + 32 * b + 16), _mm512_cvtsepi32_epi8(q1));
    // Groups of four: lanes 0-3 of q0 are group 0 (even), 4-7 group 1 (odd), 8-11 even, 12-15
    // odd, and likewise in q1. Folding keeps even on even: lanes 0-3 even, 4-7 odd.
    const __m512i both = _mm512_add_epi32(q0, q1);
    const __m256i folded =
        _mm256_add_epi32(_mm512_castsi512_si256(both), _mm512_extracti64x4_epi64(both, 1));
    const __m128i pairs =
        _mm_hadd_epi32(_mm256_castsi256_si128(folded), _mm256_extracti128_si256(folded, 1));
    const __m128i even_odd = _mm_mullo_epi32(_mm_hadd_epi32(pairs, pairs), _mm_set1_epi32(-128));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(offsets + 2 * b), even_odd);
    scales[b] = amax / 127.0f;
  }
}

void quantize_q8x256(const float* x, int64_t k, int8_t* values, float* scales, float* group_sums) {
  for (int64_t b = 0; b < k / 256; ++b) {
    const float* xb = x + 256 * b;
    __m512 m = _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int g = 0; g < 16; ++g) m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_loadu_ps(xb + 16 * g)));
    const float amax = _mm512_reduce_max_ps(m);
    const __m512 inverse = _mm512_set1_ps(amax > 0 ? 127.0f / amax : 0.0f);
    const float scale = amax / 127.0f;
    scales[b] = scale;
#pragma GCC unroll 4
    for (int g = 0; g < 16; ++g) {
      const __m512i q = quantize16(_mm512_loadu_ps(xb + 16 * g), inverse);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(values + 256 * b + 16 * g),
                       _mm512_cvtsepi32_epi8(q));
      group_sums[16 * b + g] = scale * static_cast<float>(_mm512_reduce_add_epi32(q));
    }
  }
}

// ---- float vectors for attention_impl.h ---------------------------------------------------------

struct Vec512 {
  using type = __m512;
  static constexpr int kLanes = 16;
  static WARD_INLINE __m512 load(const float* p) { return _mm512_loadu_ps(p); }
  static WARD_INLINE void store(float* p, __m512 v) { _mm512_storeu_ps(p, v); }
  static WARD_INLINE __m512 set1(float x) { return _mm512_set1_ps(x); }
  static WARD_INLINE __m512 zero() { return _mm512_setzero_ps(); }
  static WARD_INLINE __m512 add(__m512 a, __m512 b) { return _mm512_add_ps(a, b); }
  static WARD_INLINE __m512 sub(__m512 a, __m512 b) { return _mm512_sub_ps(a, b); }
  static WARD_INLINE __m512 mul(__m512 a, __m512 b) { return _mm512_mul_ps(a, b); }
  static WARD_INLINE __m512 div(__m512 a, __m512 b) { return _mm512_div_ps(a, b); }
  static WARD_INLINE __m512 max(__m512 a, __m512 b) { return _mm512_max_ps(a, b); }
  static WARD_INLINE __m512 min(__m512 a, __m512 b) { return _mm512_min_ps(a, b); }
  static WARD_INLINE __m512 fmadd(__m512 a, __m512 b, __m512 c) { return _mm512_fmadd_ps(a, b, c); }
  static WARD_INLINE __m512 fnmadd(__m512 a, __m512 b, __m512 c) {
    return _mm512_fnmadd_ps(a, b, c);
  }
  static WARD_INLINE __m512 round(__m512 x) {
    return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static WARD_INLINE float reduce_add(__m512 v) { return _mm512_reduce_add_ps(v); }
  static WARD_INLINE float reduce_max(__m512 v) { return _mm512_reduce_max_ps(v); }
  static WARD_INLINE __m512 ldexp(__m512 p, __m512 n) { return _mm512_scalef_ps(p, n); }
  static WARD_INLINE __m512 keep_first(__m512 v, int64_t count, float fill) {
    if (count >= kLanes) return v;
    const auto keep = static_cast<__mmask16>(count <= 0 ? 0 : (1u << count) - 1);
    return _mm512_mask_blend_ps(keep, _mm512_set1_ps(fill), v);
  }
};

#undef WARD_INLINE

template <WeightKind kKind, bool kVnni>
MatmulFn q8x32_matmul() {
  if constexpr (kVnni) {
    return run_q8x32_vnni<kKind>;
  } else {
    return run_matmul<Q8x32Kernel<kKind, false>>;
  }
}

template <bool kVnni>
KernelTable make_table() {
  return KernelTable{{
                         run_matmul<FloatKernel<kKindF32>>,
                         run_matmul<FloatKernel<kKindF16>>,
                         run_matmul<FloatKernel<kKindBF16>>,
                         q8x32_matmul<kKindQ8_0, kVnni>(),
                         q8x32_matmul<kKindQ4_0, kVnni>(),
                         run_matmul<KQuantKernel<kKindQ4_K, kVnni>>,
                         run_matmul<KQuantKernel<kKindQ5_K, kVnni>>,
                         run_matmul<KQuantKernel<kKindQ6_K, kVnni>>,
                     },
                     quantize_q8x32,
                     quantize_q8x256,
                     vector_attend<Vec512>,
                     vector_silu_multiply<Vec512>};
}

}  // namespace avx512
}  // namespace
}  // namespace ward::infer::kernels
