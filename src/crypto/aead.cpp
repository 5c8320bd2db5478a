#include "crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <string>

#include "crypto/openssl_util.h"
#include "crypto/random.h"

namespace ward::crypto {
namespace {

using CipherCtx = detail::Owned<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;

// GCM's 32-bit block counter limits one message to 2^32 - 2 blocks (SP 800-38D section 5.2.1.1).
constexpr std::size_t kMaxPlaintextSize = (std::size_t{1} << 36) - 32;

core::Error invalid(std::string message) {
  return core::Error(core::Code::kInvalidArgument, "", std::move(message));
}

core::Status check_parameters(const SecretBytes& key, std::span<const std::uint8_t> iv) {
  if (key.size() != kAeadKeySize) {
    return invalid("an AES-256-GCM key must be exactly 32 bytes; got " +
                   std::to_string(key.size()));
  }
  if (iv.size() != kAeadNonceSize) {
    return invalid(
        "Ward's AES-256-GCM takes only 12-byte (96-bit) nonces, as NIST SP 800-38D "
        "recommends; got " +
        std::to_string(iv.size()) + " bytes");
  }
  return core::ok_status();
}

core::Status check_tag(std::span<const std::uint8_t> tag) {
  if (tag.size() == kAeadTagSize) return core::ok_status();
  return invalid("Ward's AES-256-GCM uses only full 16-byte (128-bit) tags; got " +
                 std::to_string(tag.size()) + " bytes");
}

core::Error tampered() {
  detail::clear_openssl_errors();
  return core::Error(core::Code::kDataLoss, "",
                     "the ciphertext or its associated data was modified or the key is wrong");
}

core::Error cipher_failure() {
  return detail::openssl_error(
      core::Code::kInternal, "",
      "OpenSSL failed to run AES-256-GCM; check its provider configuration");
}

core::Result<CipherCtx> start(const SecretBytes& key, std::span<const std::uint8_t> iv,
                              bool encrypt) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex2(ctx.get(), EVP_aes_256_gcm(), key.view().data(), iv.data(),
                                 encrypt ? 1 : 0, nullptr) != 1) {
    return cipher_failure();
  }
  return ctx;
}

bool add_associated_data(EVP_CIPHER_CTX* ctx, std::span<const std::uint8_t> associated_data) {
  return detail::update_in_pieces(
      associated_data, nullptr,
      [ctx](std::uint8_t*, int* produced, const std::uint8_t* in, int size) {
        return EVP_CipherUpdate(ctx, nullptr, produced, in, size);
      });
}

bool transform(EVP_CIPHER_CTX* ctx, std::span<const std::uint8_t> input, std::uint8_t* output) {
  return detail::update_in_pieces(
      input, output, [ctx](std::uint8_t* out, int* produced, const std::uint8_t* in, int size) {
        return EVP_CipherUpdate(ctx, out, produced, in, size);
      });
}

// GCM is a stream mode, so Final produces no bytes; it only computes or checks the tag.
bool finish(EVP_CIPHER_CTX* ctx) {
  std::uint8_t unused[EVP_MAX_BLOCK_LENGTH];
  int produced = 0;
  return EVP_CipherFinal_ex(ctx, unused, &produced) == 1 && produced == 0;
}

// Writes plaintext.size() bytes of ciphertext to `ciphertext` and the tag to `tag`.
core::Status encrypt(const SecretBytes& key, std::span<const std::uint8_t> iv,
                     std::span<const std::uint8_t> plaintext,
                     std::span<const std::uint8_t> associated_data, std::uint8_t* ciphertext,
                     std::uint8_t* tag) {
  if (auto status = check_parameters(key, iv); !status) return status;
  if (plaintext.size() > kMaxPlaintextSize) {
    return invalid("AES-GCM can seal at most 64 GiB in one message; split the data");
  }
  auto ctx = start(key, iv, /*encrypt=*/true);
  if (!ctx) return std::move(ctx).error();
  if (!add_associated_data(ctx->get(), associated_data) ||
      !transform(ctx->get(), plaintext, ciphertext) || !finish(ctx->get()) ||
      EVP_CIPHER_CTX_ctrl(ctx->get(), EVP_CTRL_AEAD_GET_TAG, kAeadTagSize, tag) != 1) {
    return cipher_failure();
  }
  return core::ok_status();
}

// Decrypts into `plaintext` (ciphertext.size() bytes); on any failure `plaintext` is cleansed,
// because unauthenticated plaintext must never reach a caller.
core::Status decrypt(const SecretBytes& key, std::span<const std::uint8_t> iv,
                     std::span<const std::uint8_t> ciphertext,
                     std::span<const std::uint8_t> associated_data,
                     std::span<const std::uint8_t> tag, std::uint8_t* plaintext) {
  if (auto status = check_parameters(key, iv); !status) return status;
  if (auto status = check_tag(tag); !status) return status;
  auto ctx = start(key, iv, /*encrypt=*/false);
  if (!ctx) return std::move(ctx).error();
  if (EVP_CIPHER_CTX_ctrl(ctx->get(), EVP_CTRL_AEAD_SET_TAG, kAeadTagSize,
                          const_cast<std::uint8_t*>(tag.data())) != 1) {
    return cipher_failure();
  }
  if (!add_associated_data(ctx->get(), associated_data) ||
      !transform(ctx->get(), ciphertext, plaintext) || !finish(ctx->get())) {
    if (!ciphertext.empty()) OPENSSL_cleanse(plaintext, ciphertext.size());
    return tampered();
  }
  return core::ok_status();
}

}  // namespace

core::Result<Bytes> seal(const SecretBytes& key, std::span<const std::uint8_t> plaintext,
                         std::span<const std::uint8_t> associated_data) {
  Bytes sealed(kAeadOverhead + plaintext.size());
  const std::span<std::uint8_t> nonce(sealed.data(), kAeadNonceSize);
  if (auto status = random_bytes(nonce); !status) return std::move(status).error();
  std::uint8_t* ciphertext = sealed.data() + kAeadNonceSize;
  auto status =
      encrypt(key, nonce, plaintext, associated_data, ciphertext, ciphertext + plaintext.size());
  if (!status) return std::move(status).error();
  return sealed;
}

core::Result<Bytes> open(const SecretBytes& key, std::span<const std::uint8_t> sealed,
                         std::span<const std::uint8_t> associated_data) {
  if (sealed.size() < kAeadOverhead) {
    return core::Error(core::Code::kDataLoss, "",
                       "the sealed data is " + std::to_string(sealed.size()) +
                           " bytes, shorter than its 28-byte nonce and tag, so it was truncated");
  }
  const auto nonce = sealed.first(kAeadNonceSize);
  const auto tag = sealed.last(kAeadTagSize);
  const auto ciphertext = sealed.subspan(kAeadNonceSize, sealed.size() - kAeadOverhead);
  Bytes plaintext(ciphertext.size());
  auto status = decrypt(key, nonce, ciphertext, associated_data, tag, plaintext.data());
  if (!status) return std::move(status).error();
  return plaintext;
}

core::Result<DetachedCiphertext> seal_detached(const SecretBytes& key,
                                               std::span<const std::uint8_t> iv,
                                               std::span<const std::uint8_t> plaintext,
                                               std::span<const std::uint8_t> associated_data) {
  DetachedCiphertext sealed{Bytes(plaintext.size()), {}};
  auto status =
      encrypt(key, iv, plaintext, associated_data, sealed.ciphertext.data(), sealed.tag.data());
  if (!status) return std::move(status).error();
  return sealed;
}

core::Result<Bytes> open_detached(const SecretBytes& key, std::span<const std::uint8_t> iv,
                                  std::span<const std::uint8_t> ciphertext,
                                  std::span<const std::uint8_t> associated_data,
                                  std::span<const std::uint8_t> tag) {
  Bytes plaintext(ciphertext.size());
  auto status = decrypt(key, iv, ciphertext, associated_data, tag, plaintext.data());
  if (!status) return std::move(status).error();
  return plaintext;
}

}  // namespace ward::crypto
