#pragma once
// Authentication: turns credentials into an AuthenticatedPrincipal, or refuses them.
//
// login_with_password() checks the password (Argon2id) and then, when the user has MFA or the
// tenant requires it, a TOTP code. Without a code it fails with kUnauthenticated and where() ==
// kMfaRequired (is_mfa_required()), which a client answers by asking for the code; that answer is
// given only after the password was right. A wrong password, an unknown user or tenant, a user
// without a password, a wrong or replayed code, and an account scheduled for deletion all get the
// same kUnauthenticated error, and an unknown user costs the same hashing time as a known one. A
// tenant that requires MFA refuses a user who has not enrolled with kFailedPrecondition (after the
// password was right), so the administrator knows to enrol them. A hash made under older
// parameters is replaced on a successful login.
//
// authenticate_token() is Tokens::authenticate (see tokens.h).
//
// Thread-safe: state is in the store.

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"
#include "gov/identity/mfa.h"
#include "gov/identity/model.h"
#include "gov/identity/sealer.h"
#include "gov/identity/tokens.h"
#include "store/store.h"

namespace ward::gov {

// The where() of the error that asks for a TOTP code.
inline constexpr std::string_view kMfaRequired = "mfa_required";
bool is_mfa_required(const core::Error& error);

class Authenticator {
 public:
  // `db` must have had gov::migrate applied; `sealer` opens TOTP secrets (see sealer.h).
  Authenticator(store::Database& db, const core::Clock& clock, SecretSealer& sealer,
                IdentityOptions options = {});

  core::Result<AuthenticatedPrincipal> login_with_password(
      std::string_view tenant, std::string_view user, std::string_view password,
      std::optional<std::string_view> totp_code = std::nullopt);

  core::Result<AuthenticatedPrincipal> authenticate_token(std::string_view token_text);

 private:
  // A hash of a random password with the current parameters, verified against when the user is
  // unknown so that the answer takes as long as for a known user.
  const std::string& dummy_hash();

  store::Database& db_;
  const core::Clock& clock_;
  IdentityOptions options_;
  Mfa mfa_;
  Tokens tokens_;
  std::once_flag dummy_once_;
  std::string dummy_hash_;
};

}  // namespace ward::gov
