#pragma once
// How a SIMD family walks a matmul: output tiles of R rows x C columns, each computed by one call
// of a kernel's tile<R, C>() that keeps its R x C accumulators in registers for the whole row, so
// each block of weights is decoded once and used for C columns. Columns are processed in chunks
// so that the chunk's activations stay in the core's L2 cache while every row tile passes over
// them; rows left over at the end use R = 1, columns left over a narrower tile.
//
// Internal to src/infer/kernels and included only by the SIMD translation units: everything here
// is in an anonymous namespace, so each unit gets its own copy compiled with its own flags (a
// shared inline function could be linked as the AVX-512 copy into a caller on any CPU).

#include <cstdint>

#include "infer/kernels/dispatch.h"

namespace ward::infer::kernels {
namespace {  // NOLINT(google-build-namespaces): per translation unit on purpose, see above

// Activations of this many columns (about 470 KB for k = 4864 in the Q8x32 layout) stay in L2
// while the rows pass over them.
constexpr int64_t kColumnChunk = 32;

template <class Kernel, int R, int N>
void tile_narrow(const MatmulArgs& a, int64_t r, int64_t c, int64_t n) {
  if constexpr (N > 0) {
    if (n == N) {
      Kernel::template tile<R, N>(a, r, c);
    } else {
      tile_narrow<Kernel, R, N - 1>(a, r, c, n);
    }
  }
}

template <class Kernel, int R, int C>
void row_tiles(const MatmulArgs& a, int64_t r, int64_t c_begin, int64_t c_end) {
  int64_t c = c_begin;
  for (; c + C <= c_end; c += C) Kernel::template tile<R, C>(a, r, c);
  if (c < c_end) tile_narrow<Kernel, R, C - 1>(a, r, c, c_end - c);
}

template <class Kernel, int R, int C>
void run_tiles(const MatmulArgs& a) {
  for (int64_t c0 = 0; c0 < a.cols; c0 += kColumnChunk) {
    const int64_t c_end = c0 + kColumnChunk < a.cols ? c0 + kColumnChunk : a.cols;
    int64_t r = 0;
    for (; r + R <= a.rows; r += R) row_tiles<Kernel, R, C>(a, r, c0, c_end);
    for (; r < a.rows; ++r) row_tiles<Kernel, 1, C>(a, r, c0, c_end);
  }
}

// A single column (generation) streams the weights once, one row per tile: one sequential stream
// is what the hardware prefetcher serves best (several rows at once measured up to 2x slower on
// rows of a few KB). Batches use kRows x kCols tiles. (Decoding a row tile's weights once into
// an L1 buffer for all its column tiles measured slower than decoding them in the tile: the
// decoding runs in the shadow of the multiply-adds.)
template <class Kernel>
void run_matmul(const MatmulArgs& a) {
  if (a.cols == 1) {
    run_tiles<Kernel, 1, 1>(a);
  } else {
    run_tiles<Kernel, Kernel::kRows, Kernel::kCols>(a);
  }
}

}  // namespace
}  // namespace ward::infer::kernels
