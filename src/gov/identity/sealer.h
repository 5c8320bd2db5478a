#pragma once
// SecretSealer: how identity keeps the secrets it must be able to read back (TOTP seeds) encrypted
// at rest. Identity never holds a key itself: whoever constructs Mfa or Authenticator passes a
// sealer, which in production is the keyring's envelope encryption (src/gov/keys/: a tenant data
// key, AES-256-GCM, wrapped by the tenant's key-encryption key). There is deliberately no default
// implementation: a TOTP seed stored under a made-up key would look protected and not be.
//
// Contract for implementations:
// - seal() returns an opaque blob (it may carry a key id or version) that only open() with the
//   same tenant, purpose and record id can turn back into the plaintext; all three are bound as
//   associated data, so a sealed secret copied to another user or tenant does not open. They map
//   one to one onto the keyring's EncryptionContext {tenant, purpose, record_id}.
// - open() fails with kDataLoss when the blob was altered or belongs elsewhere, and with
//   kFailedPrecondition when the key it needs was revoked (crypto-shredded or BYOK revoked).
// - Thread-safe. Identity never calls a sealer while it holds a store transaction, so an
//   implementation may use the same store::Database.

#include <cstdint>
#include <span>
#include <string_view>

#include "core/error.h"
#include "crypto/secret.h"

namespace ward::gov {

// The purpose identity seals TOTP secrets under (record id: the user id).
inline constexpr std::string_view kTotpSealPurpose = "identity.totp";

class SecretSealer {
 public:
  virtual ~SecretSealer() = default;

  // `tenant_id` is the owning tenant's id, `purpose` the kind of secret (kTotpSealPurpose) and
  // `record_id` the row it is stored in (the user id).
  virtual core::Result<crypto::Bytes> seal(std::string_view tenant_id, std::string_view purpose,
                                           std::string_view record_id,
                                           std::span<const std::uint8_t> plaintext) = 0;
  virtual core::Result<crypto::SecretBytes> open(std::string_view tenant_id,
                                                 std::string_view purpose,
                                                 std::string_view record_id,
                                                 std::span<const std::uint8_t> sealed) = 0;
};

}  // namespace ward::gov
