#include "crypto/random.h"

#include <openssl/rand.h>

#include "crypto/openssl_util.h"

namespace ward::crypto {
namespace {

core::Error random_failure() {
  return detail::openssl_error(
      core::Code::kInternal, "",
      "the random number generator failed; check that the operating system's entropy source "
      "(getrandom, /dev/urandom) is available to Ward");
}

// RAND_bytes takes an int length, so larger requests are served in pieces.
template <typename Generate>
bool fill(std::span<std::uint8_t> out, Generate generate) {
  constexpr std::size_t kMaxPiece = std::size_t{1} << 30;
  while (!out.empty()) {
    const std::size_t piece = out.size() < kMaxPiece ? out.size() : kMaxPiece;
    if (generate(out.data(), static_cast<int>(piece)) != 1) return false;
    out = out.subspan(piece);
  }
  return true;
}

}  // namespace

core::Status random_bytes(std::span<std::uint8_t> out) {
  if (!fill(out, RAND_bytes)) return random_failure();
  return core::ok_status();
}

core::Result<SecretBytes> random_secret(std::size_t size) {
  SecretBytes secret(size);
  if (!fill(secret.writable(), RAND_priv_bytes)) return random_failure();
  return secret;
}

}  // namespace ward::crypto
