#include "gov/keys/keyring_sealer.h"

#include "gov/keys/wire.h"

namespace ward::gov {
namespace {

EncryptionContext context_for(std::string_view tenant_id, std::string_view purpose,
                              std::string_view record_id) {
  return EncryptionContext{std::string(tenant_id), std::string(purpose), std::string(record_id)};
}

}  // namespace

core::Result<crypto::Bytes> KeyringSealer::seal(std::string_view tenant_id,
                                                std::string_view purpose,
                                                std::string_view record_id,
                                                std::span<const std::uint8_t> plaintext) {
  return keyring_.encrypt(context_for(tenant_id, purpose, record_id), plaintext);
}

core::Result<crypto::SecretBytes> KeyringSealer::open(std::string_view tenant_id,
                                                      std::string_view purpose,
                                                      std::string_view record_id,
                                                      std::span<const std::uint8_t> sealed) {
  auto plain = keyring_.decrypt(context_for(tenant_id, purpose, record_id), sealed);
  if (!plain) return plain.error();
  return keys_detail::to_secret(std::move(*plain));
}

}  // namespace ward::gov
