#pragma once
// Just-in-time users for OpenID Connect sign-in: the identity store's side of
// gov::OidcUserProvisioner.
//
// A user is known by (issuer, subject), never by e-mail or name, so a provider cannot be used to
// take over an account that already exists locally: the first sign-in creates a new user named
// after preferred_username when that name is free and valid, else "sso-" plus 12 hex digits of a
// hash of (issuer, subject). Roles mapped from the provider's groups are granted (created in the
// tenant when missing, with no policies, so they grant nothing until an administrator attaches
// some) and roles the provider granted earlier but no longer does are taken away; roles an
// administrator assigned by hand are left alone. A user scheduled for deletion is refused.
//
// Each step is idempotent, so a sign-in interrupted half-way is completed by the next one.
// Thread-safe: concurrent sign-ins are serialised.

#include <mutex>
#include <string>

#include "core/clock.h"
#include "gov/identity/directory.h"
#include "gov/oidc/relying_party.h"
#include "store/store.h"

namespace ward::gov {

class IdentityOidcProvisioner final : public OidcUserProvisioner {
 public:
  // Users are created in `tenant`. `db` must have had gov::migrate applied.
  IdentityOidcProvisioner(store::Database& db, const core::Clock& clock, std::string tenant,
                          IdentityOptions options = {});

  core::Result<OidcProvisionedUser> provision(const OidcIdentity& identity) override;

 private:
  core::Result<User> find_or_create_user(const OidcIdentity& identity);
  core::Status sync_roles(const OidcIdentity& identity, const User& user);

  store::Database& db_;
  const core::Clock& clock_;
  std::string tenant_;
  Directory directory_;
  std::mutex mutex_;  // serialises provision()
};

}  // namespace ward::gov
