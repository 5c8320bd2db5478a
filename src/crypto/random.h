#pragma once
// Cryptographically secure random bytes from OpenSSL's DRBG, which the operating system's entropy
// source (getrandom) seeds and reseeds.
//
// Use these for every nonce, key, salt, token and serial number; never std::random_device or
// <random>, whose quality and failure modes are implementation-defined.
//
// Thread-safety: safe to call from any thread (OpenSSL keeps a DRBG per thread).

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/error.h"
#include "crypto/secret.h"

namespace ward::crypto {

// Fills `out` with random bytes meant to be public (nonces, salts, identifiers).
core::Status random_bytes(std::span<std::uint8_t> out);

// `size` random bytes meant to stay secret (keys, seeds). They come from OpenSSL's separate
// private DRBG, so a DRBG state that leaked through public output would not reveal them.
core::Result<SecretBytes> random_secret(std::size_t size);

}  // namespace ward::crypto
