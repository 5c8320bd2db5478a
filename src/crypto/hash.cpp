#include "crypto/hash.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <optional>
#include <vector>

#include "crypto/openssl_util.h"

namespace ward::crypto {
namespace {

using KdfCtx = detail::Owned<EVP_KDF_CTX, EVP_KDF_CTX_free>;
using Kdf = detail::Owned<EVP_KDF, EVP_KDF_free>;

// OpenSSL treats a null pointer as "no key" even when the length is zero, but an empty key is a
// valid HMAC key; this gives empty spans an address.
const std::uint8_t* non_null(std::span<const std::uint8_t> bytes) {
  static constexpr std::uint8_t kEmpty = 0;
  return bytes.empty() ? &kEmpty : bytes.data();
}

OSSL_PARAM octet_param(const char* name, std::span<const std::uint8_t> bytes) {
  return OSSL_PARAM_construct_octet_string(name, const_cast<std::uint8_t*>(non_null(bytes)),
                                           bytes.size());
}

core::Status check_hkdf_size(std::size_t size) {
  if (size >= 1 && size <= kHkdfSha256MaxOutput) return core::ok_status();
  return core::Error(core::Code::kInvalidArgument, "",
                     "HKDF-SHA-256 derives between 1 and " + std::to_string(kHkdfSha256MaxOutput) +
                         " bytes (RFC 5869); " + std::to_string(size) + " were requested");
}

std::optional<int> hex_value(char digit) {
  if (digit >= '0' && digit <= '9') return digit - '0';
  if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
  if (digit >= 'A' && digit <= 'F') return digit - 'A' + 10;
  return std::nullopt;
}

core::Error bad_hex(std::string message) {
  return core::Error(core::Code::kInvalidArgument, "", std::move(message));
}

}  // namespace

Sha256Digest sha256(std::span<const std::uint8_t> data) {
  Sha256Digest digest{};
  if (EVP_Digest(data.data(), data.size(), digest.data(), nullptr, EVP_sha256(), nullptr) != 1) {
    detail::fail_fast("compute SHA-256");
  }
  return digest;
}

Sha256Digest sha256(std::string_view text) {
  return sha256(byte_view(text));
}

core::Result<Sha256Digest> hmac_sha256(std::span<const std::uint8_t> key,
                                       std::span<const std::uint8_t> data) {
  Sha256Digest mac{};
  std::size_t mac_size = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, non_null(key), key.size(), data.data(),
                data.size(), mac.data(), mac.size(), &mac_size) == nullptr ||
      mac_size != mac.size()) {
    return detail::openssl_error(core::Code::kInternal, "",
                                 "OpenSSL refused to compute HMAC-SHA-256 with this key");
  }
  return mac;
}

core::Result<SecretBytes> hkdf_sha256(std::span<const std::uint8_t> input_key_material,
                                      std::span<const std::uint8_t> salt,
                                      std::span<const std::uint8_t> info, std::size_t size) {
  if (auto status = check_hkdf_size(size); !status) return std::move(status).error();
  Kdf kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr));
  KdfCtx ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  if (!ctx) {
    return detail::openssl_error(core::Code::kInternal, "",
                                 "OpenSSL does not provide HKDF; check its provider configuration");
  }
  std::vector<OSSL_PARAM> params = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      octet_param(OSSL_KDF_PARAM_KEY, input_key_material)};
  // Leaving the salt out makes OpenSSL use HashLen zero bytes, which RFC 5869 defines as the
  // meaning of an empty salt.
  if (!salt.empty()) params.push_back(octet_param(OSSL_KDF_PARAM_SALT, salt));
  if (!info.empty()) params.push_back(octet_param(OSSL_KDF_PARAM_INFO, info));
  params.push_back(OSSL_PARAM_construct_end());

  SecretBytes output(size);
  if (EVP_KDF_derive(ctx.get(), output.writable().data(), size, params.data()) != 1) {
    return detail::openssl_error(core::Code::kInternal, "",
                                 "OpenSSL refused to derive an HKDF-SHA-256 key from this input");
  }
  return output;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (std::uint8_t byte : bytes) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0x0f]);
  }
  return hex;
}

core::Result<Bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return bad_hex("hex text must have an even number of digits; got " +
                   std::to_string(hex.size()));
  }
  Bytes bytes;
  bytes.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const auto high = hex_value(hex[i]), low = hex_value(hex[i + 1]);
    if (!high || !low) {
      return bad_hex("hex text may contain only 0-9, a-f and A-F; position " + std::to_string(i) +
                     " holds \"" + std::string(hex.substr(i, 2)) + "\"");
    }
    bytes.push_back(static_cast<std::uint8_t>(*high << 4 | *low));
  }
  return bytes;
}

}  // namespace ward::crypto
