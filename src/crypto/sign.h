#pragma once
// Ed25519 digital signatures (RFC 8032): what makes audit logs and exported evidence verifiable
// offline by anyone holding the public key, without trusting the machine that wrote them.
//
// Ed25519 was chosen over ECDSA because signing is deterministic (no per-signature random number
// whose reuse or bias leaks the key), keys and signatures have fixed small sizes, and
// verification is strict in OpenSSL (non-canonical encodings and malleable signatures are
// rejected, as the Wycheproof vectors in the tests check).
//
// Thread-safety: an Ed25519KeyPair is immutable after construction; its const member functions
// and sign() may be called concurrently. verify() is a pure function.

#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>

#include "core/error.h"
#include "crypto/secret.h"

namespace ward::crypto {

inline constexpr std::size_t kEd25519SeedSize = 32;
inline constexpr std::size_t kEd25519PublicKeySize = 32;
inline constexpr std::size_t kEd25519SignatureSize = 64;

using Ed25519PublicKey = std::array<std::uint8_t, kEd25519PublicKeySize>;
using Ed25519Signature = std::array<std::uint8_t, kEd25519SignatureSize>;

class Ed25519KeyPair {
 public:
  // A new key pair from the private random generator.
  static core::Result<Ed25519KeyPair> generate();
  // The key pair whose private key is the 32-byte RFC 8032 seed, as stored in a keyring.
  static core::Result<Ed25519KeyPair> from_seed(const SecretBytes& seed);

  const Ed25519PublicKey& public_key() const { return public_key_; }
  // The 32-byte seed, for storing the key (encrypted) and recreating it with from_seed().
  core::Result<SecretBytes> seed() const;

  friend core::Result<Ed25519Signature> sign(const Ed25519KeyPair& key_pair,
                                             std::span<const std::uint8_t> message);

 private:
  struct KeyFree {
    void operator()(EVP_PKEY* key) const;
  };
  using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

  Ed25519KeyPair(Key key, const Ed25519PublicKey& public_key)
      : key_(std::move(key)), public_key_(public_key) {}
  static core::Result<Ed25519KeyPair> from_native(Key key);

  Key key_;
  Ed25519PublicKey public_key_;
};

core::Result<Ed25519Signature> sign(const Ed25519KeyPair& key_pair,
                                    std::span<const std::uint8_t> message);

// OK when `signature` is a valid Ed25519 signature of `message` under `public_key`. Wrong sizes
// are kInvalidArgument; a signature that does not verify is kDataLoss (the signed data or the
// signature was altered, or another key signed it).
core::Status verify(std::span<const std::uint8_t> public_key, std::span<const std::uint8_t> message,
                    std::span<const std::uint8_t> signature);

}  // namespace ward::crypto
