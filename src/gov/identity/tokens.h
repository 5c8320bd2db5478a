#pragma once
// API tokens (personal access tokens): how scripts, IDE plugins and CI call Ward's API.
//
// Format: "ward_pat_" + 16 hex digits of token id + "_" + 64 hex digits of secret (256 bits from
// the CSPRNG), e.g. ward_pat_3f2a9c0d4e5b6a71_9c… The prefix lets secret scanners recognise a
// leaked token; the id part (not secret) finds it in `ward admin token list` and revokes it. The
// token text exists only in the result of create(); the store keeps its SHA-256 hash, compared in
// constant time.
//
// A token belongs to one user, carries an optional session policy (its scopes: a JSON policy
// document that further limits what the user may do), expires (default 90 days, at most 1 year)
// and can be revoked. authenticate() refuses an unknown, malformed, expired or revoked token, or
// one whose user or tenant is scheduled for deletion, all with the same kUnauthenticated error.
//
// Thread-safe: state is in the store.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "gov/identity/model.h"
#include "store/store.h"

namespace ward::gov {

inline constexpr std::string_view kTokenPrefix = "ward_pat_";

struct TokenRequest {
  std::string tenant = std::string(kDefaultTenant);
  std::string user;
  std::optional<std::chrono::seconds> lifetime;  // default IdentityOptions::token_default_lifetime
  std::optional<std::string> session_policy;     // a JSON policy document (object)
};

struct TokenInfo {
  std::string id;
  std::string tenant_id;
  std::string tenant_name;
  std::string user_id;
  std::string user_name;
  core::TimePoint created_at;
  core::TimePoint expires_at;
  std::optional<core::TimePoint> revoked_at;
  std::optional<core::TimePoint> last_used_at;  // updated at most once a minute
  std::optional<std::string> session_policy;
};

// "active", "expired" or "revoked" at `now`.
std::string_view token_state(const TokenInfo& token, core::TimePoint now);

struct IssuedToken {
  std::string token;  // the secret text: show it once, never store or log it
  TokenInfo info;
};

// The id part of a Ward token's text, or std::nullopt when `text` is not shaped like one.
std::optional<std::string> token_id_of(std::string_view text);

class Tokens {
 public:
  // `db` must have had gov::migrate applied.
  Tokens(store::Database& db, const core::Clock& clock, IdentityOptions options = {});

  // Issues a token for an active user. kInvalidArgument for a lifetime that is not positive or
  // longer than IdentityOptions::token_max_lifetime, or a session policy that is not a JSON object.
  core::Result<IssuedToken> create(const TokenRequest& request);
  // The tokens of a tenant, or of one user of it, newest first; secrets are not in them.
  core::Result<std::vector<TokenInfo>> list(std::string_view tenant,
                                            std::optional<std::string_view> user = {});
  // Revokes a token given by its id or its full text (for a leaked one). Revoking a revoked token
  // is kFailedPrecondition; an unknown one kNotFound.
  core::Result<TokenInfo> revoke(std::string_view id_or_token);
  core::Result<AuthenticatedPrincipal> authenticate(std::string_view token_text);

 private:
  store::Database& db_;
  const core::Clock& clock_;
  IdentityOptions options_;
};

}  // namespace ward::gov
