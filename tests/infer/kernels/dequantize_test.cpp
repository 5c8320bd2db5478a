// Dequantisation of every block type against values the test computes itself: blocks are built
// byte by byte from chosen scales and integers (packed by the test's own code, following the
// format descriptions), and the expected floats come from the format's formula.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "infer/kernels/kernels.h"

namespace ward::infer::kernels {
namespace {

using Bytes = std::vector<uint8_t>;

// Halves whose values are exact powers of two, written out by hand.
constexpr uint16_t kHalfOne = 0x3c00;       // 1.0
constexpr uint16_t kHalfTwo = 0x4000;       // 2.0
constexpr uint16_t kHalfHalf = 0x3800;      // 0.5
constexpr uint16_t kHalfQuarter = 0x3400;   // 0.25
constexpr uint16_t kHalfEighth = 0x3000;    // 0.125
constexpr uint16_t kHalfMinusOne = 0xbc00;  // -1.0

void put_u16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v & 0xff));
  out.push_back(static_cast<uint8_t>(v >> 8));
}

void put_f32(Bytes& out, float v) {
  uint8_t bytes[4];
  std::memcpy(bytes, &v, 4);  // the test machine is little-endian, as GGUF is
  out.insert(out.end(), bytes, bytes + 4);
}

std::vector<float> dequantized(TensorType type, const Bytes& src, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n), -12345.0f);
  EXPECT_TRUE(dequantize_row(type, src.data(), out.data(), n).ok());
  return out;
}

TEST(InferKernelsDequantize, FloatTypes) {
  Bytes f32;
  put_f32(f32, 1.5f);
  put_f32(f32, -0.25f);
  put_f32(f32, 1e30f);
  EXPECT_EQ(dequantized(TensorType::kF32, f32, 3), (std::vector<float>{1.5f, -0.25f, 1e30f}));

  Bytes f16;
  for (uint16_t h : {kHalfOne, kHalfMinusOne, kHalfQuarter, uint16_t{0x7bff}}) put_u16(f16, h);
  EXPECT_EQ(dequantized(TensorType::kF16, f16, 4),
            (std::vector<float>{1.0f, -1.0f, 0.25f, 65504.0f}));

  Bytes bf16;
  for (uint16_t b : {uint16_t{0x3f80}, uint16_t{0xc040}, uint16_t{0x4049}}) put_u16(bf16, b);
  EXPECT_EQ(dequantized(TensorType::kBF16, bf16, 3),
            (std::vector<float>{1.0f, -3.0f, 3.140625f}));  // 0x40490000 = 3.140625
}

TEST(InferKernelsDequantize, Q8_0) {
  Bytes src;
  put_u16(src, kHalfHalf);
  for (int i = 0; i < 32; ++i)
    src.push_back(static_cast<uint8_t>(static_cast<int8_t>(i * 8 - 128)));
  put_u16(src, kHalfMinusOne);
  for (int i = 0; i < 32; ++i) src.push_back(static_cast<uint8_t>(static_cast<int8_t>(127 - i)));
  ASSERT_EQ(src.size(), 68u);
  const std::vector<float> out = dequantized(TensorType::kQ8_0, src, 64);
  for (int i = 0; i < 32; ++i) {
    EXPECT_EQ(out[i], 0.5f * (i * 8 - 128)) << i;
    EXPECT_EQ(out[32 + i], -1.0f * (127 - i)) << i;
  }
}

TEST(InferKernelsDequantize, Q4_0) {
  // Element j < 16 is the low nibble of byte j, element j + 16 the high nibble.
  Bytes src;
  put_u16(src, kHalfTwo);
  for (int j = 0; j < 16; ++j) src.push_back(static_cast<uint8_t>(j | ((15 - j) << 4)));
  put_u16(src, kHalfQuarter);
  for (int j = 0; j < 16; ++j) src.push_back(static_cast<uint8_t>(((j * 3) % 16) | (7 << 4)));
  ASSERT_EQ(src.size(), 36u);
  const std::vector<float> out = dequantized(TensorType::kQ4_0, src, 64);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(out[j], 2.0f * (j - 8)) << j;
    EXPECT_EQ(out[16 + j], 2.0f * (15 - j - 8)) << j;
    EXPECT_EQ(out[32 + j], 0.25f * ((j * 3) % 16 - 8)) << j;
    EXPECT_EQ(out[48 + j], 0.25f * (7 - 8)) << j;
  }
}

// The 12-byte scale/min packing of Q4_K and Q5_K: scales and mins 0-3 in the low 6 bits of bytes
// 0-3 and 4-7; for 4-7, the low 4 bits in bytes 8-11 (scale low nibble, min high nibble) and the
// top 2 bits in the top 2 bits of bytes 0-3 (scales) and 4-7 (mins).
Bytes pack_k_scales(const int sc[8], const int m[8]) {
  Bytes out(12, 0);
  for (int j = 0; j < 4; ++j) {
    out[j] = static_cast<uint8_t>(sc[j] | ((sc[j + 4] >> 4) << 6));
    out[j + 4] = static_cast<uint8_t>(m[j] | ((m[j + 4] >> 4) << 6));
    out[j + 8] = static_cast<uint8_t>((sc[j + 4] & 15) | ((m[j + 4] & 15) << 4));
  }
  return out;
}

constexpr int kScales[8] = {10, 20, 30, 40, 50, 60, 63, 17};
constexpr int kMins[8] = {1, 2, 3, 4, 33, 44, 55, 62};

TEST(InferKernelsDequantize, KScalePackingMatchesHandComputedBytes) {
  // Worked by hand from the description above, to check the test's own packer.
  const Bytes expected = {0xCA, 0xD4, 0xDE, 0x68, 0x81, 0x82, 0xC3, 0xC4, 0x12, 0xCC, 0x7F, 0xE1};
  EXPECT_EQ(pack_k_scales(kScales, kMins), expected);
}

int q4k_test_value(int e) {
  return (e * 7 + 3) % 16;
}
int q5k_test_value(int e) {
  return (e * 11 + 5) % 32;
}

TEST(InferKernelsDequantize, Q4_K) {
  Bytes src;
  put_u16(src, kHalfHalf);     // d
  put_u16(src, kHalfQuarter);  // dmin
  const Bytes scales = pack_k_scales(kScales, kMins);
  src.insert(src.end(), scales.begin(), scales.end());
  // Byte 32p + l: element 64p + l in the low nibble, element 64p + 32 + l in the high nibble.
  for (int p = 0; p < 4; ++p) {
    for (int l = 0; l < 32; ++l) {
      src.push_back(static_cast<uint8_t>(q4k_test_value(64 * p + l) |
                                         (q4k_test_value(64 * p + 32 + l) << 4)));
    }
  }
  ASSERT_EQ(src.size(), 144u);
  const std::vector<float> out = dequantized(TensorType::kQ4_K, src, 256);
  for (int e = 0; e < 256; ++e) {
    const int sub = e / 32;
    const float expected = 0.5f * kScales[sub] * q4k_test_value(e) - 0.25f * kMins[sub];
    EXPECT_EQ(out[e], expected) << e;
  }
}

TEST(InferKernelsDequantize, Q5_K) {
  Bytes src;
  put_u16(src, kHalfQuarter);  // d
  put_u16(src, kHalfEighth);   // dmin
  const Bytes scales = pack_k_scales(kScales, kMins);
  src.insert(src.end(), scales.begin(), scales.end());
  // qh[l]: bit j is the fifth bit of element 32j + l.
  for (int l = 0; l < 32; ++l) {
    int bits = 0;
    for (int j = 0; j < 8; ++j) bits |= ((q5k_test_value(32 * j + l) >> 4) & 1) << j;
    src.push_back(static_cast<uint8_t>(bits));
  }
  for (int p = 0; p < 4; ++p) {
    for (int l = 0; l < 32; ++l) {
      src.push_back(static_cast<uint8_t>((q5k_test_value(64 * p + l) & 15) |
                                         ((q5k_test_value(64 * p + 32 + l) & 15) << 4)));
    }
  }
  ASSERT_EQ(src.size(), 176u);
  const std::vector<float> out = dequantized(TensorType::kQ5_K, src, 256);
  for (int e = 0; e < 256; ++e) {
    const int sub = e / 32;
    const float expected = 0.25f * kScales[sub] * q5k_test_value(e) - 0.125f * kMins[sub];
    EXPECT_EQ(out[e], expected) << e;
  }
}

int q6k_test_value(int e) {
  return (e * 13 + 7) % 64;
}
int q6k_test_scale(int g) {
  return g * 17 - 128;
}  // -128 .. 127

TEST(InferKernelsDequantize, Q6_K) {
  // Written the way the format is usually described: for each half of 128 elements, l < 32:
  // ql[l] holds elements l (low nibble) and l + 64 (high nibble), ql[l + 32] elements l + 32 and
  // l + 96; qh[l] holds the top two bits of elements l, l + 32, l + 64, l + 96 (bits 0-1, 2-3,
  // 4-5, 6-7).
  uint8_t ql[128] = {}, qh[64] = {};
  for (int half = 0; half < 2; ++half) {
    for (int l = 0; l < 32; ++l) {
      const int base = 128 * half;
      const int v0 = q6k_test_value(base + l), v1 = q6k_test_value(base + l + 32);
      const int v2 = q6k_test_value(base + l + 64), v3 = q6k_test_value(base + l + 96);
      ql[64 * half + l] = static_cast<uint8_t>((v0 & 15) | ((v2 & 15) << 4));
      ql[64 * half + l + 32] = static_cast<uint8_t>((v1 & 15) | ((v3 & 15) << 4));
      qh[32 * half + l] =
          static_cast<uint8_t>((v0 >> 4) | ((v1 >> 4) << 2) | ((v2 >> 4) << 4) | ((v3 >> 4) << 6));
    }
  }
  Bytes src(ql, ql + 128);
  src.insert(src.end(), qh, qh + 64);
  for (int g = 0; g < 16; ++g)
    src.push_back(static_cast<uint8_t>(static_cast<int8_t>(q6k_test_scale(g))));
  put_u16(src, kHalfEighth);
  ASSERT_EQ(src.size(), 210u);
  const std::vector<float> out = dequantized(TensorType::kQ6_K, src, 256);
  for (int e = 0; e < 256; ++e) {
    const float expected = 0.125f * q6k_test_scale(e / 16) * (q6k_test_value(e) - 32);
    EXPECT_EQ(out[e], expected) << e;
  }
}

TEST(InferKernelsDequantize, Q8_K) {
  Bytes src;
  put_f32(src, 0.375f);
  for (int i = 0; i < 256; ++i) src.push_back(static_cast<uint8_t>(static_cast<int8_t>(i - 128)));
  for (int g = 0; g < 16; ++g) put_u16(src, 0);  // sums: not part of the values
  ASSERT_EQ(src.size(), 292u);
  const std::vector<float> out = dequantized(TensorType::kQ8_K, src, 256);
  for (int i = 0; i < 256; ++i) EXPECT_EQ(out[i], 0.375f * (i - 128)) << i;
}

TEST(InferKernelsDequantize, RefusesWhatItCannotConvert) {
  std::vector<float> out(64);
  Bytes src(1024, 0);
  const core::Status partial = dequantize_row(TensorType::kQ4_K, src.data(), out.data(), 64);
  ASSERT_FALSE(partial.ok());
  EXPECT_EQ(partial.error().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(partial.error().to_string(),
            "Q4_K: 64 elements are not a whole number of 256-element blocks");
  const core::Status unknown = dequantize_row(TensorType::kQ2_K, src.data(), out.data(), 256);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().where(), "Q2_K");
  EXPECT_FALSE(quantize_row(TensorType::kQ4_1, out.data(), src.data(), 32).ok());
}

}  // namespace
}  // namespace ward::infer::kernels
