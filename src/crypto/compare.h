#pragma once
// Constant-time comparison of secrets: MACs, tokens, password hashes.
//
// A plain == (memcmp) stops at the first differing byte, so its running time tells an attacker
// how long a prefix of a guess was right and lets them recover a MAC or token byte by byte.
//
// Thread-safety: a pure function; safe from any thread.

#include <cstdint>
#include <span>

namespace ward::crypto {

// True when `a` and `b` hold the same bytes. The time taken depends only on the lengths, never
// on the contents. Lengths are treated as public: differing lengths return false at once.
bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

}  // namespace ward::crypto
