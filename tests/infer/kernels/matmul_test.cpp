// Matrix products: every family against a double-precision product the test computes from the
// dequantised weights and its own quantisation of the activations (the format kernels.h
// documents), every fast family against the scalar reference on odd shapes, and the contract of
// matmul() (row ranges, strides, threads, shared activations, preconditions).

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "infer/kernels/half.h"
#include "infer/kernels/kernels.h"
#include "infer/kernels/family_scope.h"

namespace ward::infer::kernels {
namespace {

constexpr TensorType kWeightTypes[] = {
    TensorType::kF32,  TensorType::kF16,  TensorType::kBF16, TensorType::kQ8_0,
    TensorType::kQ4_0, TensorType::kQ4_K, TensorType::kQ5_K, TensorType::kQ6_K,
};

constexpr KernelFamily kFamilies[] = {KernelFamily::kScalar, KernelFamily::kAvx2,
                                      KernelFamily::kAvx512, KernelFamily::kAvx512Vnni};

std::string name_of(TensorType type) {
  return std::string(layout_of(type)->name);
}

int64_t block_of(TensorType type) {
  return layout_of(type)->block_elements;
}

void put_half(std::vector<uint8_t>& bytes, size_t at, float value) {
  const uint16_t h = fp32_to_fp16(value);
  bytes[at] = static_cast<uint8_t>(h & 0xff);
  bytes[at + 1] = static_cast<uint8_t>(h >> 8);
}

// `rows` rows of `k` elements: every quantised byte random (so every bit pattern of the integers
// and sub-block scales occurs, including Q8_0's -128 that no quantiser writes), the half-precision
// super-block scales random but sane. Float types: Gaussian values.
std::vector<uint8_t> random_weights(TensorType type, int64_t rows, int64_t k, std::mt19937& rng) {
  const size_t row_size = *row_bytes(type, k);
  std::vector<uint8_t> w(row_size * static_cast<size_t>(rows));
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> scale(0.001f, 0.03f);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  if (block_of(type) == 1) {
    std::vector<float> values(static_cast<size_t>(k));
    for (int64_t r = 0; r < rows; ++r) {
      for (float& v : values) v = gauss(rng);
      EXPECT_TRUE(quantize_row(type, values.data(), w.data() + r * row_size, k).ok());
    }
    return w;
  }
  for (uint8_t& b : w) b = static_cast<uint8_t>(byte(rng));
  const size_t block_bytes = static_cast<size_t>(layout_of(type)->block_bytes);
  for (size_t at = 0; at < w.size(); at += block_bytes) {
    switch (type) {
      case TensorType::kQ8_0:
      case TensorType::kQ4_0:
        put_half(w, at, scale(rng));
        break;
      case TensorType::kQ4_K:
      case TensorType::kQ5_K:
        put_half(w, at, scale(rng) / 8);      // d
        put_half(w, at + 2, scale(rng) / 8);  // dmin
        break;
      case TensorType::kQ6_K:
        put_half(w, at + 208, scale(rng) / 16);
        break;
      default:
        ADD_FAILURE();
    }
  }
  return w;
}

std::vector<float> random_activations(int64_t k, int64_t cols, std::mt19937& rng) {
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(k * cols));
  for (float& v : x) v = gauss(rng);
  // An all-zero column and one with an outlier, where the columns exist.
  if (cols > 2) std::fill(x.begin() + k, x.begin() + 2 * k, 0.0f);
  if (cols > 3) x[3 * k + k / 2] = 60.0f;
  return x;
}

// The activations the kernels should multiply with, by the documented format: per group of 32
// (Q8_0 / Q4_0 weights) or 256 (K weights), d = max|x| / 127 and q = round-to-even(x * (127 /
// max|x|)); the value used is d * q. Float weights use x itself.
std::vector<double> expected_activations(TensorType weight_type, const std::vector<float>& x) {
  const TensorType act = activation_type(weight_type);
  if (act == TensorType::kF32) return std::vector<double>(x.begin(), x.end());
  const size_t group = act == TensorType::kQ8_0 ? 32 : 256;
  std::vector<double> out(x.size());
  for (size_t g = 0; g < x.size(); g += group) {
    float amax = 0;
    for (size_t i = g; i < g + group; ++i) amax = std::max(amax, std::fabs(x[i]));
    const float inverse = amax > 0 ? 127.0f / amax : 0.0f;
    const float d = amax / 127.0f;
    for (size_t i = g; i < g + group; ++i) {
      out[i] = static_cast<double>(d) * std::nearbyint(x[i] * inverse);
    }
  }
  return out;
}

struct Reference {
  std::vector<double> y;          // y[c * rows + r]
  std::vector<double> magnitude;  // sum of |w * x| per output, the scale of rounding errors
};

Reference reference_product(TensorType type, const std::vector<uint8_t>& w, int64_t rows, int64_t k,
                            const std::vector<float>& x, int64_t cols) {
  const std::vector<double> xs = expected_activations(type, x);
  const size_t row_size = *row_bytes(type, k);
  Reference ref{std::vector<double>(static_cast<size_t>(rows * cols)),
                std::vector<double>(static_cast<size_t>(rows * cols))};
  std::vector<float> row(static_cast<size_t>(k));
  for (int64_t r = 0; r < rows; ++r) {
    EXPECT_TRUE(dequantize_row(type, w.data() + r * row_size, row.data(), k).ok());
    for (int64_t c = 0; c < cols; ++c) {
      double sum = 0, mag = 0;
      for (int64_t i = 0; i < k; ++i) {
        const double p = static_cast<double>(row[i]) * xs[c * k + i];
        sum += p;
        mag += std::fabs(p);
      }
      ref.y[c * rows + r] = sum;
      ref.magnitude[c * rows + r] = mag;
    }
  }
  return ref;
}

std::vector<float> run_matmul(KernelFamily family, TensorType type, const std::vector<uint8_t>& w,
                              int64_t rows, const QuantizedActivations& x) {
  FamilyScope scope(family);
  EXPECT_TRUE(scope.ok());
  std::vector<float> y(static_cast<size_t>(rows * x.cols()), NAN);
  matmul(type, w.data(), 0, rows, x, y.data(), rows);
  return y;
}

// Every family, every type, against the double-precision product of the dequantised weights and
// the documented activation quantisation. Agreement to 2e-6 of the magnitude also proves that the
// kernels quantise activations exactly as documented (a single rounding step off would show).
TEST(InferKernelsMatmul, EveryFamilyMatchesADoublePrecisionProduct) {
  std::mt19937 rng(1);
  for (KernelFamily family : kFamilies) {
    if (!cpu_supports(family)) {
      std::printf("skipping %s: this CPU lacks its features\n",
                  std::string(family_name(family)).c_str());
      continue;
    }
    for (TensorType type : kWeightTypes) {
      for (int64_t cols : {3, 10}) {  // few columns and a batch (kernels switch strategy at 8)
        const int64_t k = block_of(type) == 256 ? 768 : 320;
        const int64_t rows = 9;
        const std::vector<uint8_t> w = random_weights(type, rows, k, rng);
        const std::vector<float> xf = random_activations(k, cols, rng);
        const QuantizedActivations x = quantize_activations(type, xf.data(), k, cols);
        const Reference ref = reference_product(type, w, rows, k, xf, cols);
        const std::vector<float> y = run_matmul(family, type, w, rows, x);
        for (size_t i = 0; i < y.size(); ++i) {
          ASSERT_NEAR(y[i], ref.y[i], 2e-6 * ref.magnitude[i] + 1e-30)
              << family_name(family) << " " << name_of(type) << " cols " << cols << " output " << i;
        }
      }
    }
  }
}

struct Shape {
  int64_t rows, cols, blocks;
};

// Odd shapes: rows and columns that are not multiples of any tile, a single row or column, more
// columns than one column chunk, odd block counts.
constexpr Shape kShapes[] = {{1, 1, 1}, {1, 1, 3},  {5, 1, 7},  {17, 1, 2},
                             {3, 7, 5}, {13, 7, 4}, {6, 13, 1}, {11, 70, 3}};

TEST(InferKernelsMatmul, FastFamiliesMatchScalarOnOddShapes) {
  bool any = false;
  for (KernelFamily family :
       {KernelFamily::kAvx2, KernelFamily::kAvx512, KernelFamily::kAvx512Vnni}) {
    if (!cpu_supports(family)) {
      std::printf("skipping %s: this CPU lacks its features\n",
                  std::string(family_name(family)).c_str());
      continue;
    }
    any = true;
    std::mt19937 rng(2);
    for (TensorType type : kWeightTypes) {
      for (const Shape& s : kShapes) {
        // Float types also get lengths that are not a multiple of any vector width.
        const int64_t k = block_of(type) == 1 ? s.blocks * 37 : s.blocks * block_of(type);
        const std::vector<uint8_t> w = random_weights(type, s.rows, k, rng);
        const std::vector<float> xf = random_activations(k, s.cols, rng);
        const QuantizedActivations x = quantize_activations(type, xf.data(), k, s.cols);
        const Reference ref = reference_product(type, w, s.rows, k, xf, s.cols);
        const std::vector<float> scalar = run_matmul(KernelFamily::kScalar, type, w, s.rows, x);
        const std::vector<float> fast = run_matmul(family, type, w, s.rows, x);
        for (size_t i = 0; i < fast.size(); ++i) {
          ASSERT_NEAR(fast[i], scalar[i], 2e-6 * ref.magnitude[i] + 1e-30)
              << family_name(family) << " " << name_of(type) << " rows " << s.rows << " cols "
              << s.cols << " k " << k << " output " << i;
        }
      }
    }
  }
  if (!any) GTEST_SKIP() << "this CPU has no SIMD family (needs AVX2 + FMA + F16C at least)";
}

// Constant byte patterns reach the extremes random bytes rarely combine: every weight integer at
// its largest (or most negative) value against activations at +-127, where an int16 intermediate
// would overflow if a kernel summed in the wrong width.
TEST(InferKernelsMatmul, ExtremeIntegersDoNotOverflow) {
  std::mt19937 rng(3);
  for (KernelFamily family : kFamilies) {
    if (!cpu_supports(family)) continue;
    for (TensorType type : kWeightTypes) {
      if (block_of(type) == 1) continue;
      for (uint8_t pattern : {uint8_t{0x00}, uint8_t{0x7f}, uint8_t{0x80}, uint8_t{0xff}}) {
        const int64_t rows = 3, cols = 9, k = 3 * block_of(type);
        std::vector<uint8_t> w = random_weights(type, rows, k, rng);
        const size_t block_bytes = static_cast<size_t>(layout_of(type)->block_bytes);
        // Overwrite everything but the half-precision scales with the pattern.
        for (size_t at = 0; at < w.size(); ++at) {
          const size_t in_block = at % block_bytes;
          const bool half_scale =
              (type == TensorType::kQ6_K)
                  ? in_block >= 208
                  : in_block < 2 ||
                        ((type == TensorType::kQ4_K || type == TensorType::kQ5_K) && in_block < 4);
          if (!half_scale) w[at] = pattern;
        }
        std::vector<float> xf(static_cast<size_t>(k * cols));
        for (size_t i = 0; i < xf.size(); ++i) xf[i] = (i < xf.size() / 2) ? 1.0f : -1.0f;
        const QuantizedActivations x = quantize_activations(type, xf.data(), k, cols);
        const Reference ref = reference_product(type, w, rows, k, xf, cols);
        const std::vector<float> y = run_matmul(family, type, w, rows, x);
        for (size_t i = 0; i < y.size(); ++i) {
          ASSERT_NEAR(y[i], ref.y[i], 2e-6 * ref.magnitude[i] + 1e-30)
              << family_name(family) << " " << name_of(type) << " pattern " << int{pattern};
        }
      }
    }
  }
}

// Activations are quantised by each family's own code; the bytes must be the scalar reference's
// exactly (the products above would hide a rare one-step rounding difference).
TEST(InferKernelsMatmul, EveryFamilyQuantisesActivationsIdentically) {
  std::mt19937 rng(9);
  for (TensorType type : {TensorType::kQ8_0, TensorType::kQ6_K, TensorType::kF32}) {
    for (int64_t blocks : {1, 2, 3, 19}) {
      const int64_t k = blocks * (block_of(type) == 256 ? 256 : 32), cols = 5;
      std::vector<float> xf = random_activations(k, cols, rng);
      for (size_t i = 0; i < xf.size(); i += 7) xf[i] *= 1e-3f;  // mixed magnitudes
      std::vector<std::vector<std::byte>> bytes;
      for (KernelFamily family : kFamilies) {
        if (!cpu_supports(family)) continue;
        FamilyScope scope(family);
        const QuantizedActivations x = quantize_activations(type, xf.data(), k, cols);
        bytes.emplace_back(x.data(), x.data() + x.column_bytes() * static_cast<size_t>(cols));
      }
      for (size_t f = 1; f < bytes.size(); ++f) {
        EXPECT_EQ(bytes[f], bytes[0]) << name_of(type) << " k " << k << " family #" << f;
      }
    }
  }
}

TEST(InferKernelsMatmul, VecDotIsOneOutputOfMatmul) {
  std::mt19937 rng(4);
  for (TensorType type : kWeightTypes) {
    const int64_t rows = 4, cols = 3, k = 2 * (block_of(type) == 1 ? 40 : block_of(type));
    const std::vector<uint8_t> w = random_weights(type, rows, k, rng);
    const std::vector<float> xf = random_activations(k, cols, rng);
    const QuantizedActivations x = quantize_activations(type, xf.data(), k, cols);
    const Reference ref = reference_product(type, w, rows, k, xf, cols);
    const std::vector<float> y = run_matmul(active_family(), type, w, rows, x);
    const size_t row_size = *row_bytes(type, k);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        EXPECT_NEAR(vec_dot(type, w.data() + r * row_size, x, c), y[c * rows + r],
                    2e-6 * ref.magnitude[c * rows + r] + 1e-30)
            << name_of(type);
      }
    }
  }
}

// Outputs are bit-identical whatever the row range (tiles start at row_begin), for the plain
// tiles (5 columns) and the batched VNNI path (12 columns), and nothing outside it is written.
TEST(InferKernelsMatmul, RowRangesWriteOnlyTheirRowsWithTheGivenStride) {
  std::mt19937 rng(5);
  for (KernelFamily family : kFamilies) {
    if (!cpu_supports(family)) continue;
    FamilyScope scope(family);
    for (TensorType type : {TensorType::kQ4_0, TensorType::kQ8_0, TensorType::kQ6_K}) {
      for (int64_t cols : {5, 12}) {
        const int64_t rows = 29, stride = 31,
                      k = 2 * block_of(type) * (block_of(type) == 32 ? 3 : 1);
        const std::vector<uint8_t> w = random_weights(type, rows, k, rng);
        const std::vector<float> xf = random_activations(k, cols, rng);
        const QuantizedActivations x = quantize_activations(type, xf.data(), k, cols);
        const std::vector<float> full = run_matmul(family, type, w, rows, x);
        std::vector<float> y(static_cast<size_t>(stride * cols), -7.0f);
        matmul(type, w.data(), 3, 26, x, y.data(), stride);
        for (int64_t c = 0; c < cols; ++c) {
          for (int64_t r = 0; r < stride; ++r) {
            if (r >= 3 && r < 26) {
              ASSERT_EQ(y[c * stride + r], full[c * rows + r])
                  << name_of(type) << " " << r << "," << c;
            } else {
              ASSERT_EQ(y[c * stride + r], -7.0f) << name_of(type) << " " << r << "," << c;
            }
          }
        }
        matmul(type, w.data(), 4, 4, x, y.data(), stride);  // an empty range does nothing
      }
    }
  }
}

TEST(InferKernelsMatmul, ThreadsOnDisjointRowsAgreeWithOneCall) {
  std::mt19937 rng(6);
  const TensorType type = TensorType::kQ8_0;
  const int64_t rows = 40, cols = 9, k = 256;
  const std::vector<uint8_t> w = random_weights(type, rows, k, rng);
  const std::vector<float> xf = random_activations(k, cols, rng);
  const QuantizedActivations x = quantize_activations(type, xf.data(), k, cols);
  const std::vector<float> one = run_matmul(active_family(), type, w, rows, x);
  std::vector<float> y(one.size(), NAN);
  std::thread a([&] { matmul(type, w.data(), 0, 17, x, y.data(), rows); });
  std::thread b([&] { matmul(type, w.data(), 17, rows, x, y.data(), rows); });
  a.join();
  b.join();
  EXPECT_EQ(y, one);
}

TEST(InferKernelsMatmul, ActivationsQuantisedInPartsEqualOneCall) {
  std::mt19937 rng(7);
  const int64_t k = 512, cols = 6;
  const std::vector<float> xf = random_activations(k, cols, rng);
  const QuantizedActivations whole = quantize_activations(TensorType::kQ6_K, xf.data(), k, cols);
  QuantizedActivations parts;
  parts.reset(TensorType::kQ5_K, k, cols);  // same format as Q6_K
  std::thread a([&] { parts.quantize(xf.data(), 0, 2); });
  std::thread b([&] { parts.quantize(xf.data(), 2, cols); });
  a.join();
  b.join();
  const std::vector<uint8_t> w = random_weights(TensorType::kQ6_K, 3, k, rng);
  EXPECT_EQ(run_matmul(active_family(), TensorType::kQ6_K, w, 3, whole),
            run_matmul(active_family(), TensorType::kQ6_K, w, 3, parts));
  // A copy is independent of the original and multiplies the same.
  QuantizedActivations copy = whole;
  EXPECT_EQ(run_matmul(active_family(), TensorType::kQ6_K, w, 3, copy),
            run_matmul(active_family(), TensorType::kQ6_K, w, 3, whole));
}

TEST(InferKernelsMatmul, Q8_0AndQ4_0ShareActivations) {
  EXPECT_EQ(activation_format(TensorType::kQ8_0), activation_format(TensorType::kQ4_0));
  EXPECT_EQ(activation_type(TensorType::kQ4_0), TensorType::kQ8_0);
  EXPECT_EQ(activation_type(TensorType::kQ5_K), TensorType::kQ8_K);
  EXPECT_EQ(activation_type(TensorType::kBF16), TensorType::kF32);
  std::mt19937 rng(8);
  const int64_t k = 64, cols = 2, rows = 3;
  const std::vector<float> xf = random_activations(k, cols, rng);
  const QuantizedActivations x = quantize_activations(TensorType::kQ8_0, xf.data(), k, cols);
  const std::vector<uint8_t> w = random_weights(TensorType::kQ4_0, rows, k, rng);
  const Reference ref = reference_product(TensorType::kQ4_0, w, rows, k, xf, cols);
  const std::vector<float> y = run_matmul(active_family(), TensorType::kQ4_0, w, rows, x);
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], ref.y[i], 2e-6 * ref.magnitude[i]);
}

TEST(InferKernelsMatmulDeathTest, MismatchedActivationsAbortWithAMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::vector<float> xf(256, 1.0f);
  const QuantizedActivations x = quantize_activations(TensorType::kQ8_0, xf.data(), 256, 1);
  std::vector<uint8_t> w(*row_bytes(TensorType::kQ4_K, 256));
  float y = 0;
  EXPECT_DEATH(matmul(TensorType::kQ4_K, w.data(), 0, 1, x, &y, 1),
               "activations quantised for Q8_0 weights used with Q4_K weights");
}

TEST(InferKernelsMatmul, CheckWeightShapeExplains) {
  EXPECT_TRUE(check_weight_shape(TensorType::kQ6_K, 512).ok());
  EXPECT_TRUE(check_weight_shape(TensorType::kF16, 7).ok());
  const core::Status partial = check_weight_shape(TensorType::kQ8_0, 40);
  ASSERT_FALSE(partial.ok());
  EXPECT_EQ(partial.error().to_string(),
            "Q8_0: rows of 40 elements are not a whole number of 32-element blocks");
  const core::Status unsupported = check_weight_shape(TensorType::kQ4_1, 32);
  ASSERT_FALSE(unsupported.ok());
  EXPECT_EQ(unsupported.error().code(), core::Code::kInvalidArgument);
  EXPECT_FALSE(check_weight_shape(TensorType::kQ8_K, 256).ok());  // activations only
  EXPECT_FALSE(check_weight_shape(TensorType::kF32, 0).ok());
}

}  // namespace
}  // namespace ward::infer::kernels
