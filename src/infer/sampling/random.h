#pragma once
// The sampler's pseudo-random numbers, specified bit for bit so that a fixed seed picks the same
// tokens on every run, compiler, standard library and platform (std::uniform_*_distribution and
// std::discrete_distribution are not specified that way, so they are not used).
//
//  - Generator: xoshiro256** 1.0 (Blackman and Vigna, https://prng.di.unimi.it/), whose 256-bit
//    state is filled from the 64-bit seed by four successive outputs of SplitMix64, as its authors
//    recommend.
//  - uniform(): the top 53 bits of the next output times 2^-53, a double in [0, 1).
//
// Threads: a plain value; one thread at a time per instance.

#include <array>
#include <cstdint>

namespace ward::infer::sampling {

class Random {
 public:
  explicit Random(uint64_t seed);

  uint64_t next();   // the next 64-bit output of xoshiro256**
  double uniform();  // in [0, 1), 53 random bits

 private:
  std::array<uint64_t, 4> state_;
};

}  // namespace ward::infer::sampling
