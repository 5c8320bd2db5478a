#pragma once
// The keyring as identity's SecretSealer (gov/identity/sealer.h): secrets identity must read back
// (TOTP seeds) are sealed by Keyring::encrypt with the context (tenant, purpose, record id), so a
// sealed secret copied to another user or tenant does not open. Errors are the keyring's:
// kDataLoss for an altered or misplaced blob, kFailedPrecondition for a revoked key or a destroyed
// tenant.
//
// Thread-safe, like the Keyring it uses; the Keyring must outlive it.

#include "gov/identity/sealer.h"
#include "gov/keys/keyring.h"

namespace ward::gov {

class KeyringSealer final : public SecretSealer {
 public:
  explicit KeyringSealer(Keyring& keyring) : keyring_(keyring) {}

  core::Result<crypto::Bytes> seal(std::string_view tenant_id, std::string_view purpose,
                                   std::string_view record_id,
                                   std::span<const std::uint8_t> plaintext) override;
  core::Result<crypto::SecretBytes> open(std::string_view tenant_id, std::string_view purpose,
                                         std::string_view record_id,
                                         std::span<const std::uint8_t> sealed) override;

 private:
  Keyring& keyring_;
};

}  // namespace ward::gov
