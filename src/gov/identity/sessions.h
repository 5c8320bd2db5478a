#pragma once
// Browser sessions: what a user holds after signing in through the organisation's OpenID
// provider (docs/sso.md), carried by the `ward_session` cookie.
//
// A session is server-side state: a row with its owner, how they signed in (the method and
// whether a second factor was asserted), when it was created, when it expires and whether it was
// revoked. The cookie's text is "<16 hex digits of session id>_<64 hex digits of secret>" (256
// bits from the CSPRNG); it exists only in the result of create(). The store keeps its SHA-256
// hash, compared in constant time, so a copy of the database does not let anyone sign in. The id
// part is not secret: it names the session in audit events and in revoke().
//
// authenticate() refuses an unknown, malformed, expired (past its lifetime, or idle for longer
// than the idle timeout when one is set) or revoked session, and one whose user or tenant is
// scheduled for deletion, all with the same kUnauthenticated error. A purged user's sessions go
// with the user (ON DELETE CASCADE).
//
// Thread-safe: state is in the store.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"
#include "gov/identity/model.h"
#include "store/store.h"

namespace ward::gov {

inline constexpr std::string_view kSessionCookieName = "ward_session";

struct SessionOptions {
  // How long a session lasts from sign-in, whatever its use: the cookie's Max-Age too.
  std::chrono::seconds lifetime = std::chrono::hours(8);
  // A session unused for this long ends early; zero: no idle limit. Use is recorded at most once
  // a minute, so the limit is kept to within a minute.
  std::chrono::seconds idle_timeout{0};
};

struct SessionInfo {
  std::string id;
  std::string tenant_id;
  std::string tenant_name;
  std::string user_id;
  std::string user_name;
  AuthMethod method = AuthMethod::kOidc;
  bool mfa_present = false;
  core::TimePoint created_at;
  core::TimePoint expires_at;
  core::TimePoint last_seen_at;
  std::optional<core::TimePoint> revoked_at;
};

struct IssuedSession {
  std::string cookie;  // the secret text: set it as the cookie's value, never store or log it
  SessionInfo info;
};

// The id part of a session cookie's text, or std::nullopt when `text` is not shaped like one.
std::optional<std::string> session_id_of(std::string_view text);

class Sessions {
 public:
  // `db` must have had gov::migrate applied. kInvalidArgument from create() when
  // `options.lifetime` is not positive or the idle timeout is negative.
  Sessions(store::Database& db, const core::Clock& clock, SessionOptions options = {});

  // Starts a session for the user with id `user_id`, who signed in by `method`; `mfa_present`
  // says whether a second factor was asserted (for OIDC: the ID token's amr). Refused with
  // kFailedPrecondition when the user or tenant is scheduled for deletion (kNotFound when the
  // user does not exist), and with kUnauthenticated when the tenant requires MFA and none was
  // asserted. Sessions that ended more than a day ago are deleted on the way.
  core::Result<IssuedSession> create(std::string_view user_id, AuthMethod method, bool mfa_present);

  // The principal of a live session (method and mfa_present as at creation), or the one
  // kUnauthenticated error for everything else.
  core::Result<AuthenticatedPrincipal> authenticate(std::string_view cookie_text);

  // Ends a session given by its id or its cookie text. kNotFound for an unknown one;
  // kFailedPrecondition when it was revoked already.
  core::Result<SessionInfo> revoke(std::string_view id_or_cookie);

  // Ends every live session of a user (e.g. when their account is disabled); returns how many.
  core::Result<std::int64_t> revoke_all(std::string_view user_id);

  // The session with this id, whatever its state; kNotFound when there is none.
  core::Result<SessionInfo> get(std::string_view id);

  const SessionOptions& options() const { return options_; }

 private:
  store::Database& db_;
  const core::Clock& clock_;
  SessionOptions options_;
};

}  // namespace ward::gov
