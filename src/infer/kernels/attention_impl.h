#pragma once
// attend() and silu_multiply() for the SIMD families, written once over a vector type `V` that
// each family's translation unit defines (avx2.cpp: 8 lanes of __m256; avx512_impl.h: 16 lanes
// of __m512). V provides: kLanes; type; load, store, set1, zero, add, sub, mul, max, min,
// div, fmadd(a, b, c) = a * b + c, fnmadd(a, b, c) = c - a * b, round (to nearest), reduce_add,
// reduce_max, ldexp(p, n) = p * 2^n for whole-valued n in [-126, 127], and
// keep_first(v, count, fill): v in lanes below `count`, `fill` in the others.
//
// Attention runs in three passes per tile of up to four queries, so each key block and value row
// read from cache serves four queries: (1) the scores of 16 keys at a time as vector lanes,
// against keys in the block layout (attention_args.h), with two partial sums over the dimension
// so the multiply-adds do not wait on each other; (2) exp(score - max) and the sum; (3) the
// weighted sum of the values, the tile's accumulators in registers over a stretch of the
// dimension.
//
// Internal to src/infer/kernels; like tiling.h, everything is in an anonymous namespace.

#include <cmath>
#include <cstdint>

#include "infer/kernels/attention_args.h"

namespace ward::infer::kernels {
namespace {  // NOLINT(google-build-namespaces): per translation unit on purpose, see tiling.h

#define WARD_VECTOR_INLINE inline __attribute__((always_inline))

// exp(x) to within 2 ulp of the correctly rounded value for x in [-87.3, 88.3], and exp of the
// nearest end outside it (so exp(-inf) is about 1e-38 rather than 0, which callers that need 0
// mask). Cody-Waite reduction x = n ln 2 + r, |r| <= ln 2 / 2, then Cephes' degree-7 polynomial.
template <class V>
WARD_VECTOR_INLINE typename V::type vector_exp(typename V::type x) {
  x = V::min(V::max(x, V::set1(-87.3365f)), V::set1(88.3762f));
  const typename V::type n = V::round(V::mul(x, V::set1(1.44269504088896341f)));
  typename V::type r = V::fnmadd(n, V::set1(0.693359375f), x);
  r = V::fnmadd(n, V::set1(-2.12194440e-4f), r);
  typename V::type p = V::set1(1.9875691500e-4f);
  p = V::fmadd(p, r, V::set1(1.3981999507e-3f));
  p = V::fmadd(p, r, V::set1(8.3334519073e-3f));
  p = V::fmadd(p, r, V::set1(4.1665795894e-2f));
  p = V::fmadd(p, r, V::set1(1.6666665459e-1f));
  p = V::fmadd(p, r, V::set1(5.0000001201e-1f));
  p = V::fmadd(p, V::mul(r, r), V::add(r, V::set1(1.0f)));
  return V::ldexp(p, n);
}

template <class V>
WARD_VECTOR_INLINE typename V::type silu_times(typename V::type x, typename V::type y) {
  const typename V::type e = vector_exp<V>(V::sub(V::zero(), x));
  return V::mul(V::div(x, V::add(V::set1(1.0f), e)), y);
}

template <class V>
void vector_silu_multiply(float* gate, const float* up, int64_t n) {
  int64_t i = 0;
  for (; i + V::kLanes <= n; i += V::kLanes) {
    V::store(gate + i, silu_times<V>(V::load(gate + i), V::load(up + i)));
  }
  if (i == n) return;
  float g[V::kLanes] = {};
  float u[V::kLanes] = {};
  for (int64_t t = i; t < n; ++t) g[t - i] = gate[t], u[t - i] = up[t];
  V::store(g, silu_times<V>(V::load(g), V::load(u)));
  for (int64_t t = i; t < n; ++t) gate[t] = g[t - i];
}

template <class V>
struct Attention {
  using T = typename V::type;
  static constexpr int kHalves = static_cast<int>(kKeyBlock) / V::kLanes;  // vectors per key block

  // Pass 1 for queries q0 ... q0 + Q - 1: scaled scores into their rows of a.scores, and each
  // query's largest score into max_score[].
  template <int Q>
  static WARD_VECTOR_INLINE void scores(const AttentionArgs& a, int64_t q0, int64_t padded,
                                        float (&max_score)[Q]) {
    T running_max[Q][kHalves];
    for (int q = 0; q < Q; ++q) {
      for (int h = 0; h < kHalves; ++h) running_max[q][h] = V::set1(-INFINITY);
    }
    const float* query[Q];
    for (int q = 0; q < Q; ++q) query[q] = a.queries + (q0 + q) * a.query_stride;
    for (int64_t j = 0; j < a.keys; j += kKeyBlock) {
      const float* block = a.key_blocks + j * a.dim;
      T even[Q][kHalves];
      T odd[Q][kHalves];
      for (int q = 0; q < Q; ++q) {
        for (int h = 0; h < kHalves; ++h) even[q][h] = odd[q][h] = V::zero();
      }
      for (int64_t d = 0; d < a.dim; d += 2) {
        for (int h = 0; h < kHalves; ++h) {
          const T k0 = V::load(block + d * kKeyBlock + h * V::kLanes);
          const T k1 = V::load(block + (d + 1) * kKeyBlock + h * V::kLanes);
          for (int q = 0; q < Q; ++q) {
            even[q][h] = V::fmadd(V::set1(query[q][d]), k0, even[q][h]);
            odd[q][h] = V::fmadd(V::set1(query[q][d + 1]), k1, odd[q][h]);
          }
        }
      }
      for (int q = 0; q < Q; ++q) {
        for (int h = 0; h < kHalves; ++h) {
          const int64_t first = j + h * V::kLanes;
          const T s = V::keep_first(V::mul(V::add(even[q][h], odd[q][h]), V::set1(a.scale)),
                                    a.keys - first, -INFINITY);
          V::store(a.scores + (q0 + q) * padded + first, s);
          running_max[q][h] = V::max(running_max[q][h], s);
        }
      }
    }
    for (int q = 0; q < Q; ++q) {
      T m = running_max[q][0];
      for (int h = 1; h < kHalves; ++h) m = V::max(m, running_max[q][h]);
      max_score[q] = V::reduce_max(m);
    }
  }

  // Pass 2 for one query: scores become exp(score - max) (0 past the last key); returns their sum.
  static WARD_VECTOR_INLINE float exponentiate(const AttentionArgs& a, float* row,
                                               float max_score) {
    const T max = V::set1(max_score);
    T sum = V::zero();
    for (int64_t j = 0; j < a.keys; j += V::kLanes) {
      const T p = V::keep_first(vector_exp<V>(V::sub(V::load(row + j), max)), a.keys - j, 0.0f);
      V::store(row + j, p);
      sum = V::add(sum, p);
    }
    return V::reduce_add(sum);
  }

  // Pass 3 for queries q0 ... q0 + Q - 1 over dimensions [d0, d0 + C * kLanes).
  template <int Q, int C>
  static WARD_VECTOR_INLINE void weigh_values(const AttentionArgs& a, int64_t q0, int64_t padded,
                                              int64_t d0, const float (&inverse_sum)[Q]) {
    T acc[Q][C];
    for (int q = 0; q < Q; ++q) {
      for (int c = 0; c < C; ++c) acc[q][c] = V::zero();
    }
    const float* weights[Q];
    for (int q = 0; q < Q; ++q) weights[q] = a.scores + (q0 + q) * padded;
    for (int64_t j = 0; j < a.keys; ++j) {
      const float* value = a.values + j * a.value_stride + d0;
      for (int c = 0; c < C; ++c) {
        const T v = V::load(value + c * V::kLanes);
        for (int q = 0; q < Q; ++q) acc[q][c] = V::fmadd(V::set1(weights[q][j]), v, acc[q][c]);
      }
    }
    for (int q = 0; q < Q; ++q) {
      float* out = a.out + (q0 + q) * a.out_stride + d0;
      for (int c = 0; c < C; ++c) {
        V::store(out + c * V::kLanes, V::mul(acc[q][c], V::set1(inverse_sum[q])));
      }
    }
  }

  template <int Q>
  static void tile(const AttentionArgs& a, int64_t q0, int64_t padded) {
    float max_score[Q];
    scores<Q>(a, q0, padded, max_score);
    float inverse_sum[Q];
    for (int q = 0; q < Q; ++q) {
      inverse_sum[q] = 1.0f / exponentiate(a, a.scores + (q0 + q) * padded, max_score[q]);
    }
    // Stretches of four vectors keep Q x 4 accumulators in registers; a dimension that is not a
    // multiple of four vectors ends with one-vector stretches.
    int64_t d = 0;
    for (; d + 4 * V::kLanes <= a.dim; d += 4 * V::kLanes)
      weigh_values<Q, 4>(a, q0, padded, d, inverse_sum);
    for (; d < a.dim; d += V::kLanes) weigh_values<Q, 1>(a, q0, padded, d, inverse_sum);
  }

  static void run(const AttentionArgs& a) {
    const int64_t padded = (a.keys + kKeyBlock - 1) / kKeyBlock * kKeyBlock;
    int64_t q = 0;
    for (; q + 4 <= a.query_count; q += 4) tile<4>(a, q, padded);
    switch (a.query_count - q) {
      case 3:
        tile<3>(a, q, padded);
        break;
      case 2:
        tile<2>(a, q, padded);
        break;
      case 1:
        tile<1>(a, q, padded);
        break;
      default:
        break;
    }
  }
};

template <class V>
void vector_attend(const AttentionArgs& args) {
  Attention<V>::run(args);
}

#undef WARD_VECTOR_INLINE

}  // namespace
}  // namespace ward::infer::kernels
