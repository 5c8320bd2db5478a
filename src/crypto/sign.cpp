#include "crypto/sign.h"

#include <openssl/evp.h>

#include <string>

#include "crypto/openssl_util.h"

namespace ward::crypto {
namespace {

using MdCtx = detail::Owned<EVP_MD_CTX, EVP_MD_CTX_free>;
using PublicKey = detail::Owned<EVP_PKEY, EVP_PKEY_free>;

core::Error wrong_size(const char* what, std::size_t expected, std::size_t got) {
  return core::Error(core::Code::kInvalidArgument, "",
                     std::string("an Ed25519 ") + what + " must be exactly " +
                         std::to_string(expected) + " bytes; got " + std::to_string(got));
}

core::Error signing_failure(std::string message) {
  return detail::openssl_error(core::Code::kInternal, "", std::move(message));
}

}  // namespace

void Ed25519KeyPair::KeyFree::operator()(EVP_PKEY* key) const {
  EVP_PKEY_free(key);
}

core::Result<Ed25519KeyPair> Ed25519KeyPair::generate() {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return signing_failure("OpenSSL could not generate an Ed25519 key");
  return from_native(std::move(key));
}

core::Result<Ed25519KeyPair> Ed25519KeyPair::from_seed(const SecretBytes& seed) {
  if (seed.size() != kEd25519SeedSize) {
    return wrong_size("private key seed", kEd25519SeedSize, seed.size());
  }
  Key key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.view().data(), seed.size()));
  if (!key) return signing_failure("OpenSSL could not load the Ed25519 private key");
  return from_native(std::move(key));
}

core::Result<Ed25519KeyPair> Ed25519KeyPair::from_native(Key key) {
  Ed25519PublicKey public_key{};
  std::size_t size = public_key.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), public_key.data(), &size) != 1 ||
      size != public_key.size()) {
    return signing_failure("OpenSSL could not export the Ed25519 public key");
  }
  return Ed25519KeyPair(std::move(key), public_key);
}

core::Result<SecretBytes> Ed25519KeyPair::seed() const {
  SecretBytes seed(kEd25519SeedSize);
  std::size_t size = seed.size();
  if (EVP_PKEY_get_raw_private_key(key_.get(), seed.writable().data(), &size) != 1 ||
      size != kEd25519SeedSize) {
    return signing_failure("OpenSSL could not export the Ed25519 private key");
  }
  return seed;
}

core::Result<Ed25519Signature> sign(const Ed25519KeyPair& key_pair,
                                    std::span<const std::uint8_t> message) {
  MdCtx ctx(EVP_MD_CTX_new());
  Ed25519Signature signature{};
  std::size_t size = signature.size();
  // Ed25519 hashes internally (PureEdDSA), so no digest is named and the message goes in whole.
  if (!ctx ||
      EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key_pair.key_.get(),
                            nullptr) != 1 ||
      EVP_DigestSign(ctx.get(), signature.data(), &size, message.data(), message.size()) != 1 ||
      size != signature.size()) {
    return signing_failure("OpenSSL could not create an Ed25519 signature");
  }
  return signature;
}

core::Status verify(std::span<const std::uint8_t> public_key, std::span<const std::uint8_t> message,
                    std::span<const std::uint8_t> signature) {
  if (public_key.size() != kEd25519PublicKeySize) {
    return wrong_size("public key", kEd25519PublicKeySize, public_key.size());
  }
  if (signature.size() != kEd25519SignatureSize) {
    return wrong_size("signature", kEd25519SignatureSize, signature.size());
  }
  PublicKey key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  if (!key || !ctx ||
      EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key.get(), nullptr) !=
          1) {
    return detail::openssl_error(core::Code::kInvalidArgument, "",
                                 "the Ed25519 public key could not be loaded");
  }
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                       message.size()) != 1) {
    detail::clear_openssl_errors();
    return core::Error(core::Code::kDataLoss, "",
                       "the Ed25519 signature does not match: the signed data or the signature "
                       "was altered, or a different key signed it");
  }
  return core::ok_status();
}

}  // namespace ward::crypto
