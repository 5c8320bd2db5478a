#pragma once
// Authenticated encryption (AEAD) with AES-256-GCM: what protects data at rest (tenant data keys,
// wrapped keys, stored rows). Opening succeeds only if neither the ciphertext nor its associated
// data changed and the key is the one it was sealed with.
//
// Ward supports one parameter set: a 256-bit key, a 96-bit nonce and a 128-bit tag. NIST SP
// 800-38D recommends 96-bit IVs (other lengths are hashed with GHASH and have caused real
// authentication bypasses) and full-length tags (short tags make forgeries cheaper). seal() draws
// each nonce at random, which keeps the chance of a repeat below 2^-32 for up to 2^32 messages
// under one key (SP 800-38D section 8.3); callers rotate keys well before that. A repeated nonce
// would reveal the authentication key, which is why the product API never takes one.
//
// Thread-safety: pure functions; safe from any thread with shared keys.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/error.h"
#include "crypto/secret.h"

namespace ward::crypto {

inline constexpr std::size_t kAeadKeySize = 32;
inline constexpr std::size_t kAeadNonceSize = 12;
inline constexpr std::size_t kAeadTagSize = 16;
// What seal() adds to the plaintext: the nonce in front, the tag behind.
inline constexpr std::size_t kAeadOverhead = kAeadNonceSize + kAeadTagSize;

using AeadTag = std::array<std::uint8_t, kAeadTagSize>;

// Encrypts and authenticates `plaintext`, and authenticates (without encrypting)
// `associated_data`, which must be given again to open(). Bind the context a ciphertext belongs
// to (tenant, table, row id) as associated data so a ciphertext cannot be moved elsewhere.
// Returns nonce (12 bytes) || ciphertext || tag (16 bytes).
core::Result<Bytes> seal(const SecretBytes& key, std::span<const std::uint8_t> plaintext,
                         std::span<const std::uint8_t> associated_data);

// The inverse of seal(). Fails with kDataLoss if anything was modified or the key is wrong;
// no plaintext is released in that case.
core::Result<Bytes> open(const SecretBytes& key, std::span<const std::uint8_t> sealed,
                         std::span<const std::uint8_t> associated_data);

struct DetachedCiphertext {
  Bytes ciphertext;
  AeadTag tag;
};

// The same operations with a caller-chosen IV and a separate tag, for known-answer tests and
// interoperability only. Never choose IVs yourself for Ward's own data: use seal().
core::Result<DetachedCiphertext> seal_detached(const SecretBytes& key,
                                               std::span<const std::uint8_t> iv,
                                               std::span<const std::uint8_t> plaintext,
                                               std::span<const std::uint8_t> associated_data);
core::Result<Bytes> open_detached(const SecretBytes& key, std::span<const std::uint8_t> iv,
                                  std::span<const std::uint8_t> ciphertext,
                                  std::span<const std::uint8_t> associated_data,
                                  std::span<const std::uint8_t> tag);

}  // namespace ward::crypto
