#pragma once
// The random values of synthetic models (internal to synth). Every row of every tensor has its own
// generator state, derived from the seed, the tensor's name and the row's index, so rows can be
// generated in any order on any number of threads and still give the same file.
//
// Values are approximately normal: the sum of four uniform 16-bit draws (Irwin-Hall), shifted
// and scaled to the requested mean and standard deviation. That is exact in mean and variance,
// bounded at 3.46 standard deviations, and several times cheaper than Box-Muller, which matters
// when a model has half a billion weights. Thread-safe: pure functions.

#include <cstdint>
#include <span>
#include <string_view>

namespace ward::infer::synth {

// SplitMix64's finaliser: a bijection of 64-bit values that mixes every input bit into every
// output bit.
inline uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// FNV-1a of a tensor's name: the stream its rows draw from.
inline uint64_t stream_of(std::string_view tensor_name) {
  uint64_t hash = 0xCBF29CE484222325ull;
  for (char c : tensor_name) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001B3ull;
  }
  return hash;
}

// Fills `out` with row `row` of stream `stream`: values of mean `mean` and standard deviation
// `sigma`.
inline void fill_row(uint64_t seed, uint64_t stream, int64_t row, float mean, float sigma,
                     std::span<float> out) {
  // Sum of four U(0,1) has mean 2 and variance 1/3.
  constexpr float kUnit = 1.0f / 65536.0f;
  const float scale = sigma * 1.7320508f * kUnit;  // sqrt(3): variance 1/3 → 1
  uint64_t state = mix64(mix64(seed ^ stream) + static_cast<uint64_t>(row));
  for (float& value : out) {
    state += 0x9E3779B97F4A7C15ull;
    const uint64_t bits = mix64(state);
    // Each 16-bit draw is taken at the middle of its interval: (k + 0.5) / 65536.
    const auto sum = static_cast<float>((bits & 0xFFFF) + ((bits >> 16) & 0xFFFF) +
                                        ((bits >> 32) & 0xFFFF) + (bits >> 48)) +
                     2.0f;
    value = mean + (sum - 2.0f * 65536.0f) * scale;
  }
}

}  // namespace ward::infer::synth
