#pragma once
// exp(x) for x <= 0 in float, the sampler's own so that its weights are the same bits on every
// platform (libm's expf is not specified to the last bit). Only IEEE single-precision +, -, × and
// conversions are used, in a fixed order; the translation units that call it are compiled without
// floating-point contraction (see sources.cmake). Relative error below 2e-7 against the true
// value; 0 for x < -80 (exp(-80) is 1.8e-35, far below anything a sampler weighs) and for -inf.
// Written without branches or calls so that loops over a vocabulary vectorise.
//
// Threads: a pure function.

#include <bit>
#include <cstdint>

namespace ward::infer::sampling {

inline float exp_nonpositive(float x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2High = 0.693145751953125f;  // ln 2 split so that k × kLn2High is exact
  constexpr float kLn2Low = 1.42860682030941723212e-6f;
  const bool negligible = !(x >= -80.0f);  // also true for NaN and -inf
  const float clamped = negligible ? -80.0f : x;
  // k = round(x / ln 2) for x <= 0, by truncating towards zero after adding -0.5.
  const auto k = static_cast<int32_t>(clamped * kLog2e - 0.5f);
  const float kf = static_cast<float>(k);
  const float r = (clamped - kf * kLn2High) - kf * kLn2Low;  // |r| <= ln2 / 2
  // Taylor series of exp(r) to r^7 (remainder below 2.2e-8 relative for |r| <= 0.347).
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  // p × 2^k by adding k to the exponent field; k >= -116, so the result stays a normal float.
  const uint32_t bits = std::bit_cast<uint32_t>(p) + (static_cast<uint32_t>(k) << 23);
  return negligible ? 0.0f : std::bit_cast<float>(bits);
}

}  // namespace ward::infer::sampling
