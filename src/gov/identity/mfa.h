#pragma once
// TOTP multi-factor authentication for local users: enrolment, confirmation, verification with
// replay protection.
//
// enroll() draws a fresh random secret (160 bits for SHA-1, 256 for SHA-256), seals it with the
// SecretSealer and stores it as a *pending* enrolment; the result carries the otpauth:// URI to
// show once (as text or a QR code). confirm() with a first valid code makes it *active*, replacing
// any earlier active secret; until then an earlier enrolment stays in force. verify() checks a
// login's code against the active secret: codes of the current 30 s step and one step either side
// are accepted, and each time step at most once — the last accepted step is stored durably and
// compare-and-set, so a code cannot be replayed, not even by two concurrent logins. Removing MFA
// needs no secret and is Directory::disable_mfa.
//
// Thread-safe: state is in the store; the sealer is never called inside a transaction.

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"
#include "gov/identity/model.h"
#include "gov/identity/sealer.h"
#include "gov/identity/totp.h"
#include "store/store.h"

namespace ward::gov {

struct MfaEnrollment {
  std::string user_name;
  TotpAlgorithm algorithm = TotpAlgorithm::kSha1;
  // The secret in base32 and the otpauth:// URI that contains it: shown once, never stored in
  // clear.
  std::string secret_base32;
  std::string otpauth_uri;
};

class Mfa {
 public:
  // `db` must have had gov::migrate applied; `sealer` encrypts the TOTP secrets (see sealer.h).
  Mfa(store::Database& db, const core::Clock& clock, SecretSealer& sealer);

  // Starts (or restarts) an enrolment for an active user. kNotFound for an unknown user.
  core::Result<MfaEnrollment> enroll(std::string_view tenant, std::string_view user,
                                     TotpAlgorithm algorithm = TotpAlgorithm::kSha1);
  // Activates the pending enrolment when `code` is valid now; kUnauthenticated when it is not,
  // kFailedPrecondition when there is no pending enrolment.
  core::Status confirm(std::string_view tenant, std::string_view user, std::string_view code);
  // True (and the step recorded as used) when `code` is valid for the user's active secret now
  // and its time step was not used before; false otherwise. kFailedPrecondition when the user
  // has no active MFA.
  core::Result<bool> verify(std::string_view user_id, std::string_view code);

 private:
  store::Database& db_;
  const core::Clock& clock_;
  SecretSealer& sealer_;
};

}  // namespace ward::gov
