#include "gov/identity/oidc_provisioner.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "crypto/hash.h"
#include "gov/identity/rows.h"

namespace ward::gov {
namespace {

using core::Code;
using core::Error;
using core::Result;

struct ExternalId {
  std::string user_id;
  std::vector<std::string> managed_roles;
};

Result<std::optional<ExternalId>> find_external_id(store::Database& db,
                                                   const OidcIdentity& identity) {
  auto tx = db.begin({store::Access::kReadOnly, store::Durability::kNormal});
  if (!tx) return tx.error();
  auto row = (*tx)->query_one(
      "SELECT user_id, managed_roles FROM identity_external_ids WHERE issuer = ? AND subject = ?",
      {identity.issuer, identity.subject});
  if (!row) return row.error();
  if (!*row) return std::optional<ExternalId>();
  auto user_id = (*row)->get_text("user_id");
  auto roles = (*row)->get_text("managed_roles");
  if (!user_id || !roles) return user_id ? roles.error() : user_id.error();
  ExternalId found{*user_id, {}};
  const auto parsed = nlohmann::json::parse(*roles, nullptr, false);
  if (!parsed.is_array()) {
    return Error(Code::kDataLoss, "identity_external_ids",
                 "the stored SSO roles of a user are damaged; restore the database from a backup");
  }
  for (const auto& role : parsed) {
    if (role.is_string()) found.managed_roles.push_back(role.get<std::string>());
  }
  return std::optional<ExternalId>(std::move(found));
}

core::Status write_external_id(store::Database& db, const OidcIdentity& identity,
                               const std::string& user_id, const std::vector<std::string>& roles,
                               const core::Clock& clock) {
  return db.with_transaction({}, [&](store::Transaction& tx) -> core::Status {
    auto written = tx.execute(
        "INSERT INTO identity_external_ids (issuer, subject, user_id, managed_roles, created_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (issuer, subject) DO UPDATE SET "
        "managed_roles = excluded.managed_roles",
        {identity.issuer, identity.subject, user_id, nlohmann::json(roles).dump(),
         core::format_rfc3339(clock.now())});
    if (!written) return written.error();
    return {};
  });
}

// A stable name that cannot collide with a chosen one: "sso-" and a hash of (issuer, subject).
std::string fallback_name(const OidcIdentity& identity) {
  const auto digest = crypto::sha256(identity.issuer + "\n" + identity.subject);
  return "sso-" + crypto::to_hex(std::span(digest).first(6));
}

}  // namespace

IdentityOidcProvisioner::IdentityOidcProvisioner(store::Database& db, const core::Clock& clock,
                                                 std::string tenant, IdentityOptions options)
    : db_(db),
      clock_(clock),
      tenant_(std::move(tenant)),
      directory_(db, clock, std::move(options)) {}

Result<User> IdentityOidcProvisioner::find_or_create_user(const OidcIdentity& identity) {
  auto known = find_external_id(db_, identity);
  if (!known) return known.error();
  if (*known) return directory_.get_user_by_id((*known)->user_id);

  // A local user of the same name is someone else until an administrator says otherwise.
  std::string name = identity.preferred_username;
  if (name.empty() || !identity_internal::check_name("user name", name) ||
      directory_.get_user(tenant_, name).ok()) {
    name = fallback_name(identity);
  }
  auto user = directory_.get_user(tenant_, name);  // the fallback exists after an interrupted run
  if (!user) {
    NewUser request;
    request.tenant = tenant_;
    request.name = name;
    user = directory_.create_user(request);
    if (!user) return user.error();
  }
  if (auto s = write_external_id(db_, identity, user->id, {}, clock_); !s) return s.error();
  return user;
}

core::Status IdentityOidcProvisioner::sync_roles(const OidcIdentity& identity, const User& user) {
  auto known = find_external_id(db_, identity);
  if (!known) return known.error();
  const std::vector<std::string> before =
      *known ? (*known)->managed_roles : std::vector<std::string>{};
  for (const auto& role : identity.roles) {
    auto created = directory_.create_role(tenant_, role, "granted by single sign-on groups");
    if (!created && created.error().code() != Code::kAlreadyExists) return created.error();
    auto assigned = directory_.assign_role(tenant_, role, user.name);
    if (!assigned && assigned.error().code() != Code::kAlreadyExists) return assigned.error();
  }
  for (const auto& role : before) {
    if (std::find(identity.roles.begin(), identity.roles.end(), role) != identity.roles.end())
      continue;
    auto removed = directory_.unassign_role(tenant_, role, user.name);
    if (!removed && removed.error().code() != Code::kNotFound) return removed.error();
  }
  return write_external_id(db_, identity, user.id, identity.roles, clock_);
}

Result<OidcProvisionedUser> IdentityOidcProvisioner::provision(const OidcIdentity& identity) {
  if (identity.issuer.empty() || identity.subject.empty()) {
    return Error(Code::kUnauthenticated, "single sign-on",
                 "the provider's identity has no issuer or subject; sign in again");
  }
  std::lock_guard lock(mutex_);
  auto user = find_or_create_user(identity);
  if (!user) return user.error();
  if (user->status != AccountStatus::kActive) {
    return Error(Code::kUnauthenticated, "single sign-on",
                 "this account is scheduled for deletion; ask an administrator to restore it");
  }
  if (auto s = sync_roles(identity, *user); !s) return s.error();
  auto current = directory_.get_user_by_id(user->id);
  if (!current) return current.error();
  return OidcProvisionedUser{current->id, current->name, current->roles};
}

}  // namespace ward::gov
