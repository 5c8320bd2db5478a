// Attention and SwiGLU's activation: every family against values the test computes itself in
// double precision from plain row-major keys (so the block layout is checked too, not assumed),
// across head sizes, key counts that do and do not fill whole blocks, and query groups of every
// tile width; plus the scores the kernels must ignore past the last key.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "infer/kernels/family_scope.h"
#include "infer/kernels/kernels.h"

namespace ward::infer::kernels {
namespace {

constexpr KernelFamily kFamilies[] = {KernelFamily::kScalar, KernelFamily::kAvx2,
                                      KernelFamily::kAvx512, KernelFamily::kAvx512Vnni};

int64_t padded(int64_t keys) {
  return (keys + kKeyBlock - 1) / kKeyBlock * kKeyBlock;
}

// One attention problem: queries [query_count][dim], keys and values [keys][dim] row-major.
struct Problem {
  int64_t query_count;
  int64_t keys;
  int64_t dim;
  std::vector<float> queries;
  std::vector<float> keys_rows;
  std::vector<float> values;

  Problem(int64_t q, int64_t n, int64_t d, std::mt19937& rng)
      : query_count(q), keys(n), dim(d) {
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    auto fill = [&](std::vector<float>& v, int64_t size, float sigma) {
      v.resize(static_cast<size_t>(size));
      for (float& x : v) x = sigma * gauss(rng);
    };
    // Sizeable scores (sigma about 3 after scaling) so the softmax is far from uniform.
    fill(queries, q * d, 1.7f);
    fill(keys_rows, n * d, 1.7f);
    fill(values, n * d, 1.0f);
  }

  float scale() const { return 1.0f / std::sqrt(static_cast<float>(dim)); }

  // The keys in kernels::attend()'s block layout; positions past the last key hold `filler`.
  std::vector<float> key_blocks(float filler) const {
    std::vector<float> blocks(static_cast<size_t>(padded(keys) * dim), filler);
    for (int64_t j = 0; j < keys; ++j) {
      for (int64_t d = 0; d < dim; ++d) {
        blocks[static_cast<size_t>(j / kKeyBlock * dim * kKeyBlock + d * kKeyBlock +
                                   j % kKeyBlock)] = keys_rows[static_cast<size_t>(j * dim + d)];
      }
    }
    return blocks;
  }

  // softmax(scale * q . k) . v for every query, in double.
  std::vector<double> expected() const {
    std::vector<double> out(static_cast<size_t>(query_count * dim), 0.0);
    for (int64_t i = 0; i < query_count; ++i) {
      std::vector<double> s(static_cast<size_t>(keys));
      double max_score = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < keys; ++j) {
        double dot = 0;
        for (int64_t d = 0; d < dim; ++d) {
          dot += static_cast<double>(queries[static_cast<size_t>(i * dim + d)]) *
                 keys_rows[static_cast<size_t>(j * dim + d)];
        }
        s[static_cast<size_t>(j)] = dot * scale();
        max_score = std::max(max_score, s[static_cast<size_t>(j)]);
      }
      double sum = 0;
      for (double& x : s) sum += (x = std::exp(x - max_score));
      for (int64_t j = 0; j < keys; ++j) {
        for (int64_t d = 0; d < dim; ++d) {
          out[static_cast<size_t>(i * dim + d)] +=
              s[static_cast<size_t>(j)] / sum * values[static_cast<size_t>(j * dim + d)];
        }
      }
    }
    return out;
  }

  std::vector<float> run(float filler) const {
    const std::vector<float> blocks = key_blocks(filler);
    std::vector<float> scores(static_cast<size_t>(query_count * padded(keys)));
    std::vector<float> out(static_cast<size_t>(query_count * dim), -1.0f);
    attend({.queries = queries.data(),
            .query_count = query_count,
            .query_stride = dim,
            .key_blocks = blocks.data(),
            .values = values.data(),
            .value_stride = dim,
            .keys = keys,
            .dim = dim,
            .scale = scale(),
            .scores = scores.data(),
            .out = out.data(),
            .out_stride = dim});
    return out;
  }
};

TEST(InferKernelsAttention, EveryFamilyMatchesADoublePrecisionSoftmax) {
  std::mt19937 rng(11);
  for (KernelFamily family : kFamilies) {
    FamilyScope scope(family);
    if (!scope.ok()) continue;
    for (int64_t dim : {16, 64, 80, 128, 24}) {  // 24: not a multiple of 16, the scalar path
      for (int64_t keys : {1, 7, 16, 17, 40, 300}) {
        for (int64_t queries : {1, 2, 3, 4, 7}) {
          const Problem p(queries, keys, dim, rng);
          const std::vector<float> got = p.run(0.0f);
          const std::vector<double> want = p.expected();
          for (size_t i = 0; i < got.size(); ++i) {
            // Each output is a convex combination of values of magnitude ~1.
            ASSERT_NEAR(got[i], want[i], 2e-5) << family_name(family) << " dim " << dim
                                               << " keys " << keys << " queries " << queries
                                               << " output " << i;
          }
        }
      }
    }
  }
}

// A cache's last block is only partly written: whatever its other lanes hold (here infinities
// and NaN) must not reach the result.
TEST(InferKernelsAttention, LanesPastTheLastKeyAreIgnored) {
  std::mt19937 rng(12);
  for (KernelFamily family : kFamilies) {
    FamilyScope scope(family);
    if (!scope.ok()) continue;
    const Problem p(4, 21, 64, rng);
    const std::vector<float> clean = p.run(0.0f);
    for (float filler : {std::numeric_limits<float>::infinity(),
                         std::numeric_limits<float>::quiet_NaN(), 1e30f}) {
      EXPECT_EQ(p.run(filler), clean) << family_name(family) << " filler " << filler;
    }
  }
}

TEST(InferKernelsAttention, SiluMultiplyMatchesItsDefinition) {
  std::mt19937 rng(13);
  std::normal_distribution<float> gauss(0.0f, 4.0f);
  // 53 = whole vectors of every width plus a tail; the extremes saturate exp.
  std::vector<float> gate(53);
  std::vector<float> up(53);
  for (size_t i = 0; i < gate.size(); ++i) gate[i] = gauss(rng), up[i] = gauss(rng);
  gate[0] = -100.0f, gate[1] = 100.0f, gate[2] = 0.0f, gate[3] = -88.5f;
  for (KernelFamily family : kFamilies) {
    FamilyScope scope(family);
    if (!scope.ok()) continue;
    std::vector<float> got = gate;
    silu_multiply(got.data(), up.data(), static_cast<int64_t>(got.size()));
    for (size_t i = 0; i < got.size(); ++i) {
      const double x = gate[i];
      const double want = x / (1.0 + std::exp(-x)) * up[i];
      ASSERT_NEAR(got[i], want, 4e-7 * std::abs(want) + 1e-30)
          << family_name(family) << " gate " << gate[i] << " up " << up[i];
    }
  }
}

}  // namespace
}  // namespace ward::infer::kernels
