#include "gov/identity/authenticator.h"

#include <array>

#include "crypto/hash.h"
#include "crypto/random.h"
#include "gov/identity/password.h"
#include "gov/identity/rows.h"

namespace ward::gov {
namespace {

using core::Code;
using core::Error;
using core::Result;
using store::Transaction;
using namespace identity_internal;

Error rejected() {
  return Error(Code::kUnauthenticated, "login",
               "the user name or password is wrong, or the account is not active");
}

// What a login needs from the store, read in one transaction.
struct Account {
  Tenant tenant;
  User user;
  std::optional<std::string> password_hash;
};

}  // namespace

bool is_mfa_required(const core::Error& error) {
  return error.code() == Code::kUnauthenticated && error.where() == kMfaRequired;
}

Authenticator::Authenticator(store::Database& db, const core::Clock& clock, SecretSealer& sealer,
                             IdentityOptions options)
    : db_(db),
      clock_(clock),
      options_(std::move(options)),
      mfa_(db, clock, sealer),
      tokens_(db, clock, options_) {}

const std::string& Authenticator::dummy_hash() {
  std::call_once(dummy_once_, [this] {
    std::array<std::uint8_t, 16> random{};
    (void)crypto::random_bytes(random);
    auto hash = hash_password(crypto::to_hex(random), options_.password);
    if (hash) dummy_hash_ = std::move(*hash);
  });
  return dummy_hash_;
}

Result<AuthenticatedPrincipal> Authenticator::login_with_password(
    std::string_view tenant, std::string_view user, std::string_view password,
    std::optional<std::string_view> totp_code) {
  auto account = transact<std::optional<Account>>(
      db_, kRead, [&](Transaction& tx) -> Result<std::optional<Account>> {
        auto t = find_tenant(tx, tenant);
        if (!t) return t.error();
        if (!*t) return std::optional<Account>();
        auto u = find_user(tx, (*t)->id, user);
        if (!u) return u.error();
        if (!*u) return std::optional<Account>();
        auto hash =
            tx.query_one("SELECT password_hash FROM identity_users WHERE id = ?", {(*u)->id});
        if (!hash) return hash.error();
        if (!*hash) return std::optional<Account>();
        auto text = (**hash).get_optional_text("password_hash");
        if (!text) return text.error();
        return std::optional<Account>(Account{std::move(**t), std::move(**u), std::move(*text)});
      });
  if (!account) return account.error();

  // Hash even when there is nothing to compare with, so that timing does not reveal which users
  // exist.
  const bool known = account->has_value() && (*account)->password_hash.has_value();
  const bool password_ok =
      verify_password(known ? *(*account)->password_hash : dummy_hash(), password) && known;
  if (!password_ok || !may_authenticate((*account)->tenant, (*account)->user)) return rejected();
  const Tenant& t = (*account)->tenant;
  const User& u = (*account)->user;

  bool mfa_present = false;
  if (u.mfa_active || t.require_mfa) {
    if (!u.mfa_active) {
      return Error(Code::kFailedPrecondition, "mfa_enrollment_required",
                   "tenant " + t.name +
                       " requires MFA and this user has not enrolled; ask an administrator to "
                       "run `ward admin user mfa enroll`");
    }
    if (!totp_code) {
      return Error(Code::kUnauthenticated, std::string(kMfaRequired),
                   "this account needs a TOTP code from its authenticator app as well");
    }
    auto valid = mfa_.verify(u.id, *totp_code);
    if (!valid) return valid.error();
    if (!*valid) return rejected();
    mfa_present = true;
  }

  if (password_needs_rehash(*(*account)->password_hash, options_.password)) {
    // The stored hash predates the current parameters: replace it while the password is at hand.
    // Only if it is unchanged since it was read, so a concurrent password change wins.
    auto rehashed = hash_password(password, options_.password);
    if (rehashed) {
      (void)db_.with_transaction(kDurableWrite, [&](Transaction& tx) -> core::Status {
        auto updated = tx.execute(
            "UPDATE identity_users SET password_hash = ? WHERE id = ? AND password_hash = ?",
            {*rehashed, u.id, *(*account)->password_hash});
        if (!updated) return updated.error();
        return {};
      });
    }
  }

  AuthenticatedPrincipal principal =
      principal_for(t, u, mfa_present ? AuthMethod::kPasswordMfa : AuthMethod::kPassword);
  principal.mfa_present = mfa_present;
  return principal;
}

Result<AuthenticatedPrincipal> Authenticator::authenticate_token(std::string_view token_text) {
  return tokens_.authenticate(token_text);
}

}  // namespace ward::gov
