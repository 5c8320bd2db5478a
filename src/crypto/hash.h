#pragma once
// Hashing and key derivation: SHA-256 digests, HMAC-SHA-256 message authentication codes,
// HKDF-SHA-256 (RFC 5869) to derive keys from a secret, and hex encoding for showing and storing
// digests.
//
// SHA-256 takes no input that can be refused, so sha256() returns the digest directly (and stops
// the process if OpenSSL itself is broken). HMAC and HKDF take keys that a provider policy (such
// as a FIPS provider's minimum key length) may refuse, so they return a Result.
//
// Thread-safety: pure functions; safe from any thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"
#include "crypto/secret.h"

namespace ward::crypto {

inline constexpr std::size_t kSha256Size = 32;
// RFC 5869 caps HKDF output at 255 hash blocks.
inline constexpr std::size_t kHkdfSha256MaxOutput = 255 * kSha256Size;

using Sha256Digest = std::array<std::uint8_t, kSha256Size>;

Sha256Digest sha256(std::span<const std::uint8_t> data);
Sha256Digest sha256(std::string_view text);

// Compare MACs with constant_time_equal (compare.h), never with ==.
core::Result<Sha256Digest> hmac_sha256(std::span<const std::uint8_t> key,
                                       std::span<const std::uint8_t> data);

// Derives `size` bytes (1 to kHkdfSha256MaxOutput) from input keying material. An empty salt is
// allowed and means HashLen zero bytes; `info` binds the output to its purpose (e.g.
// "ward/tenant-data-key/v1") so keys derived for different purposes are independent.
core::Result<SecretBytes> hkdf_sha256(std::span<const std::uint8_t> input_key_material,
                                      std::span<const std::uint8_t> salt,
                                      std::span<const std::uint8_t> info, std::size_t size);

// Lower-case hex, two digits per byte.
std::string to_hex(std::span<const std::uint8_t> bytes);
// Accepts upper- and lower-case digits; anything else, or an odd length, is an error.
core::Result<Bytes> from_hex(std::string_view hex);

}  // namespace ward::crypto
