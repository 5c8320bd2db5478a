#pragma once
// The format of data sealed by the keyring (an "envelope"), and the encryption context that binds
// it to where it belongs. Callers only need EncryptionContext; the rest is here so the format is
// documented in one place (and in docs/keys.md) and can be tested on its own.
//
// Envelope, format 1 (integers big-endian):
//
//   offset  size  field
//   0       2     magic "WK"
//   2       1     format version, 1
//   3       16    data key id (random; names the row of the data key that sealed it)
//   19      4     data key generation (the key version: 1 for a tenant's first data key for a
//                 purpose, incremented each time that data key is replaced)
//   23      12    nonce (random, 96 bits)
//   35      n     AES-256-GCM ciphertext (as long as the plaintext)
//   35+n    16    tag (128 bits)
//
// The associated data authenticated with it is
//   "ward/keys/data/v1" | the 23 header bytes | tenant | purpose | record id
// with each text field preceded by its length (u32), so a ciphertext copied to another tenant,
// purpose or record, or with an edited header, fails to open.
//
// Thread-safety: plain values and pure functions.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "core/error.h"
#include "crypto/aead.h"
#include "crypto/secret.h"

namespace ward::gov {

// Where a ciphertext belongs. All three parts are authenticated (AEAD associated data): opening
// needs exactly the context it was sealed with.
struct EncryptionContext {
  std::string tenant;  // the tenant id; each tenant has its own keys
  std::string purpose;  // the kind of data: "prompts", "conversations", "scan", "agent", "index", …
                        // (lower-case letters, digits, '.', '_' and '-'); one data key each
  std::string record_id;  // the row or object the ciphertext is stored in (may be empty, but
                          // binding each ciphertext to its record stops rows being swapped)
};

inline constexpr std::size_t kDataKeyIdSize = 16;
using DataKeyId = std::array<std::uint8_t, kDataKeyIdSize>;

inline constexpr std::uint8_t kEnvelopeFormat = 1;
inline constexpr std::size_t kEnvelopeHeaderSize = 2 + 1 + kDataKeyIdSize + 4;
// What encrypt() adds to a plaintext.
inline constexpr std::size_t kEnvelopeOverhead = kEnvelopeHeaderSize + crypto::kAeadOverhead;

struct EnvelopeHeader {
  DataKeyId data_key_id{};
  std::uint32_t generation = 0;
};

// The 23 header bytes.
crypto::Bytes encode_envelope_header(const EnvelopeHeader& header);

// Reads the header of an envelope and checks that it is long enough to hold a nonce and a tag.
// Anything that is not a format-1 envelope is kDataLoss (a newer format says so).
core::Result<EnvelopeHeader> parse_envelope_header(std::span<const std::uint8_t> envelope);

// The associated data for an envelope with `header` in `context` (see above).
crypto::Bytes envelope_associated_data(std::span<const std::uint8_t> header,
                                       const EncryptionContext& context);

// Checks the parts of a context (see check_tenant; a purpose of 1 to 255 of the characters
// above; any record id); kInvalidArgument otherwise.
core::Status check_context(const EncryptionContext& context);

// Checks a tenant id alone: 1 to 255 bytes, no control characters.
core::Status check_tenant(const std::string& tenant);

}  // namespace ward::gov
