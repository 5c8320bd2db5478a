#pragma once
// The byte layouts of ggml's quantised blocks (as stored in GGUF files, little-endian), shared by
// the kernels of every instruction-set family. Internal to src/infer/kernels. Plain structs and
// constants only: this header is included by translation units compiled with different
// instruction-set flags, so it must not define any function with external linkage (the linker
// could keep an AVX-512 copy for a caller on a CPU without AVX-512).

#include <cstdint>

namespace ward::infer::kernels {

inline constexpr int kBlock32 = 32;      // elements in a Q8_0 / Q4_0 block
inline constexpr int kSuperBlock = 256;  // elements in a K-quant super-block

// Q8_0: x = d * q.
struct BlockQ8_0 {
  uint16_t d;  // IEEE half
  int8_t qs[32];
};
static_assert(sizeof(BlockQ8_0) == 34);

// Q4_0: element j < 16 is the low nibble of qs[j], element j + 16 its high nibble; x = d * (q - 8).
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[16];
};
static_assert(sizeof(BlockQ4_0) == 18);

// Q4_K: eight sub-blocks of 32 with 6-bit scales and mins packed in `scales` (see
// unpack_scales_mins in the kernels); x = d * sc * q - dmin * m. Elements 64p .. 64p + 31 are the
// low nibbles of qs[32p .. 32p + 31], elements 64p + 32 .. 64p + 63 their high nibbles.
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qs[128];
};
static_assert(sizeof(BlockQ4_K) == 144);

// Q5_K: as Q4_K plus a fifth bit: for element l of sub-block j (l < 32), bit j of qh[l].
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qh[32];
  uint8_t qs[128];
};
static_assert(sizeof(BlockQ5_K) == 176);

// Q6_K: sixteen sub-blocks of 16 with signed 8-bit scales; x = d * scale * (q - 32), q in 0..63.
// Low four bits in ql, high two bits in qh (see the dequantiser for the interleaving).
struct BlockQ6_K {
  uint8_t ql[128];
  uint8_t qh[64];
  int8_t scales[16];
  uint16_t d;
};
static_assert(sizeof(BlockQ6_K) == 210);

// Q8_K: x = d * q; bsums[g] is the sum of qs[16g .. 16g + 15].
struct BlockQ8_K {
  float d;
  int8_t qs[256];
  int16_t bsums[16];
};
static_assert(sizeof(BlockQ8_K) == 292);

}  // namespace ward::infer::kernels
