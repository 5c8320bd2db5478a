#pragma once
// Internal to ward_crypto (not for other modules): the translation of OpenSSL's error queue into
// core::Error, and core::Owned for OpenSSL objects.
//
// Thread-safety: OpenSSL keeps its error queue per thread, so these helpers are safe to call from
// any thread; each owner is as thread-safe as the object it owns.

#include <openssl/types.h>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/error.h"
#include "core/owned.h"

namespace ward::crypto::detail {

using core::Owned;

// An Error whose message ends with OpenSSL's reason, e.g. "(error:0A000102:SSL routines::...)".
// It also empties this thread's error queue, so that a stale entry cannot later be mistaken for
// the cause of an unrelated failure (SSL_get_error, for one, consults the queue).
core::Error openssl_error(core::Code code, std::string where, std::string message);

// Empties this thread's error queue after a failure that our own message already explains
// completely, such as a forged tag or a signature that does not verify.
void clear_openssl_errors();

// Ends the process for a failure that only a broken OpenSSL installation can cause (SHA-256 is
// always available), because carrying on with a wrong digest would be worse than stopping.
[[noreturn]] void fail_fast(const char* operation);

// OpenSSL takes lengths as int in many places; feeds `input` through `update` in pieces that fit,
// advancing `output` (when not null) by what each piece produced. False if `update` fails.
template <typename Update>
bool update_in_pieces(std::span<const std::uint8_t> input, std::uint8_t* output, Update update) {
  constexpr std::size_t kMaxPiece = std::size_t{1} << 30;
  while (!input.empty()) {
    const std::size_t piece = input.size() < kMaxPiece ? input.size() : kMaxPiece;
    int produced = 0;
    if (update(output, &produced, input.data(), static_cast<int>(piece)) != 1) return false;
    if (output != nullptr) output += produced;
    input = input.subspan(piece);
  }
  return true;
}

}  // namespace ward::crypto::detail
