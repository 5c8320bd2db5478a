// Quantisers: error bounds of quantise -> dequantise on random data, exact round trips of values a
// format represents exactly, the stored byte layout, and that nothing is written past the row.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "infer/kernels/kernels.h"

namespace ward::infer::kernels {
namespace {

std::vector<uint8_t> quantized(TensorType type, const std::vector<float>& x) {
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> out(*row_bytes(type, n) + 16, 0xa5);
  EXPECT_TRUE(quantize_row(type, x.data(), out.data(), n).ok());
  for (size_t i = out.size() - 16; i < out.size(); ++i)
    EXPECT_EQ(out[i], 0xa5) << "wrote past the row";
  out.resize(out.size() - 16);
  return out;
}

std::vector<float> round_trip(TensorType type, const std::vector<float>& x) {
  const std::vector<uint8_t> q = quantized(type, x);
  std::vector<float> back(x.size());
  EXPECT_TRUE(dequantize_row(type, q.data(), back.data(), static_cast<int64_t>(x.size())).ok());
  return back;
}

// RMS of the error over RMS of the signal.
double relative_rmse(const std::vector<float>& x, const std::vector<float>& y) {
  double err = 0, sig = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    err += (static_cast<double>(x[i]) - y[i]) * (static_cast<double>(x[i]) - y[i]);
    sig += static_cast<double>(x[i]) * x[i];
  }
  return std::sqrt(err / sig);
}

std::vector<float> gaussian(size_t n, uint32_t seed, float scale = 1.0f, float mean = 0.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(mean, scale);
  std::vector<float> x(n);
  for (float& v : x) v = dist(rng);
  return x;
}

struct Bound {
  TensorType type;
  double max_relative_rmse;
};

// The bounds kernels.h documents, with a little headroom over what the quantisers reach. A 4-bit
// format with 16 levels over the ~±2.5σ of a 32-sample block cannot do much better than about 0.1.
constexpr Bound kBounds[] = {
    {TensorType::kF32, 0.0},    {TensorType::kF16, 0.0003}, {TensorType::kBF16, 0.002},
    {TensorType::kQ8_0, 0.006}, {TensorType::kQ4_0, 0.095}, {TensorType::kQ4_K, 0.08},
    {TensorType::kQ5_K, 0.04},  {TensorType::kQ6_K, 0.02},  {TensorType::kQ8_K, 0.0075},
};

TEST(InferKernelsQuantize, GaussianRoundTripErrorIsBounded) {
  const std::vector<float> x = gaussian(256 * 16, 7, 0.02f);
  for (const Bound& bound : kBounds) {
    const double rmse = relative_rmse(x, round_trip(bound.type, x));
    EXPECT_LE(rmse, bound.max_relative_rmse) << layout_of(bound.type)->name;
    std::printf("%-5s relative RMSE %.5f\n", std::string(layout_of(bound.type)->name).c_str(),
                rmse);
  }
}

TEST(InferKernelsQuantize, ShiftedDataUsesTheMinimum) {
  // All-positive blocks: Q4_K / Q5_K spend their levels on [min, max] through the stored minimum,
  // so they stay far better than the symmetric Q4_0 on such data.
  const std::vector<float> x = gaussian(256 * 8, 11, 0.5f, 3.0f);
  const double q4_0 = relative_rmse(x, round_trip(TensorType::kQ4_0, x));
  const double q4_k = relative_rmse(x, round_trip(TensorType::kQ4_K, x));
  const double q5_k = relative_rmse(x, round_trip(TensorType::kQ5_K, x));
  EXPECT_LT(q4_k, 0.025);
  EXPECT_LT(q5_k, 0.0125);
  EXPECT_LT(q4_k, q4_0 / 2);
}

TEST(InferKernelsQuantize, OutliersDoNotDestroyTheRestOfTheSuperBlock) {
  // One large value per super-block: sub-blocks without it keep their own scale in the K formats.
  std::vector<float> x = gaussian(256 * 4, 13);
  for (size_t b = 0; b < 4; ++b) x[256 * b + 5] = 40.0f;
  for (TensorType type : {TensorType::kQ4_K, TensorType::kQ5_K, TensorType::kQ6_K}) {
    const std::vector<float> back = round_trip(type, x);
    std::vector<float> rest, rest_back;
    for (size_t i = 0; i < x.size(); ++i) {
      if (i % 256 >= 32) {  // outside the outlier's sub-block
        rest.push_back(x[i]);
        rest_back.push_back(back[i]);
      }
    }
    EXPECT_LT(relative_rmse(rest, rest_back), 0.12) << layout_of(type)->name;
  }
}

TEST(InferKernelsQuantize, RepresentableValuesRoundTripExactly) {
  // Q8_0 with d = 0.5: the block's peak 127 * 0.5 fixes d exactly.
  std::vector<float> q8(64);
  for (int i = 0; i < 64; ++i) q8[i] = 0.5f * static_cast<float>((i * 37) % 255 - 127);
  q8[3] = 63.5f;
  q8[40] = -63.5f;
  EXPECT_EQ(round_trip(TensorType::kQ8_0, q8), q8);
  // Q4_0 with d = 0.25: the peak -2.0 is level 0 (q - 8 = -8).
  std::vector<float> q4(32);
  for (int i = 0; i < 32; ++i) q4[i] = 0.25f * static_cast<float>(i % 16 - 8);
  EXPECT_EQ(round_trip(TensorType::kQ4_0, q4), q4);
  const std::vector<float> halves = {1.0f, -0.5f, 65504.0f, 0.0009765625f, -3.140625f, 0.0f};
  EXPECT_EQ(round_trip(TensorType::kF16, halves), halves);
  const std::vector<float> bfloats = {1.0f, -0.5f, 65536.0f, 0.0f, -3.140625f, 0x1p-100f};
  EXPECT_EQ(round_trip(TensorType::kBF16, bfloats), bfloats);
}

TEST(InferKernelsQuantize, Q4_0StoresNibblesAsTheFormatSays) {
  std::vector<float> x(32);
  for (int i = 0; i < 32; ++i) x[i] = 0.25f * static_cast<float>((i * 5) % 16 - 8);
  x[0] = -2.0f;  // the peak: level 0
  const std::vector<uint8_t> q = quantized(TensorType::kQ4_0, x);
  EXPECT_EQ(q[0] | (q[1] << 8), 0x3400);  // d = 0.25 as a half
  for (int j = 0; j < 16; ++j) {
    const int low = j == 0 ? 0 : (j * 5) % 16;
    const int high = ((j + 16) * 5) % 16;
    EXPECT_EQ(q[2 + j], low | (high << 4)) << j;
  }
}

TEST(InferKernelsQuantize, Q8_KStoresBlockSums) {
  const std::vector<float> x = gaussian(256, 17);
  const std::vector<uint8_t> q = quantized(TensorType::kQ8_K, x);
  const int8_t* qs = reinterpret_cast<const int8_t*>(q.data() + 4);
  for (int g = 0; g < 16; ++g) {
    int sum = 0;
    for (int l = 0; l < 16; ++l) sum += qs[16 * g + l];
    const int16_t stored = static_cast<int16_t>(q[4 + 256 + 2 * g] | (q[4 + 256 + 2 * g + 1] << 8));
    EXPECT_EQ(stored, sum) << g;
  }
}

TEST(InferKernelsQuantize, ZerosStayZero) {
  const std::vector<float> zeros(512, 0.0f);
  for (const Bound& bound : kBounds) {
    EXPECT_EQ(round_trip(bound.type, zeros), zeros) << layout_of(bound.type)->name;
  }
}

}  // namespace
}  // namespace ward::infer::kernels
