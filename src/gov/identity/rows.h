#pragma once
// Internal to gov/identity: reading identity rows into model values, validating names, and the
// lookups the Directory, Mfa, Tokens and Authenticator share. Not for use outside this folder.
// Every function here runs inside a transaction the caller owns.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "gov/identity/model.h"
#include "store/store.h"

namespace ward::gov::identity_internal {

inline constexpr store::TransactionOptions kRead{store::Access::kReadOnly,
                                                 store::Durability::kNormal};
inline constexpr store::TransactionOptions kWrite{store::Access::kReadWrite,
                                                  store::Durability::kNormal};
// Credential and account-state changes must survive power loss once acknowledged.
inline constexpr store::TransactionOptions kDurableWrite{store::Access::kReadWrite,
                                                         store::Durability::kFull};

// Runs `work` (Transaction& -> Result<T>) in one transaction with the store's retries and returns
// its value; rolls back when it fails.
template <typename T, typename Work>
core::Result<T> transact(store::Database& db, const store::TransactionOptions& options,
                         Work&& work) {
  std::optional<T> out;
  core::Status status = db.with_transaction(options, [&](store::Transaction& tx) -> core::Status {
    out.reset();
    core::Result<T> result = work(tx);
    if (!result) return std::move(result).error();
    out.emplace(std::move(*result));
    return {};
  });
  if (!status) return std::move(status).error();
  return std::move(*out);
}

std::string time_text(core::TimePoint time);
// Parses what core::format_rfc3339 writes ("2026-11-26T13:48:28.123Z"); kDataLoss otherwise.
core::Result<core::TimePoint> parse_time(std::string_view text);
// The time in `column`, or std::nullopt when it is NULL.
core::Result<std::optional<core::TimePoint>> optional_time(const store::Row& row,
                                                           std::string_view column);

// Names of tenants, users, groups, roles and managed policies: 1 to 64 characters from
// A-Z a-z 0-9 and . _ @ + = , -, starting with a letter or digit. `what` is e.g. "user name".
core::Status check_name(std::string_view what, std::string_view name);

// A JSON object, returned in compact form; kInvalidArgument naming `what` otherwise.
core::Result<std::string> normalise_policy_document(std::string_view what, std::string_view json);

// The tenant named `name`, or std::nullopt.
core::Result<std::optional<Tenant>> find_tenant(store::Transaction& tx, std::string_view name);
// The tenant named `name`, or kNotFound.
core::Result<Tenant> require_tenant(store::Transaction& tx, std::string_view name);
core::Result<Tenant> tenant_by_id(store::Transaction& tx, std::string_view id);

// The user row of `name` in `tenant_id`, or std::nullopt. Includes groups, roles and MFA state.
core::Result<std::optional<User>> find_user(store::Transaction& tx, std::string_view tenant_id,
                                            std::string_view name);
core::Result<User> require_user(store::Transaction& tx, const Tenant& tenant,
                                std::string_view name);
core::Result<std::optional<User>> user_by_id(store::Transaction& tx, std::string_view id);
// Users selected by a WHERE clause over identity_users u (with `params`), ordered by name.
core::Result<std::vector<User>> select_users(store::Transaction& tx, std::string_view where,
                                             const std::vector<store::Value>& params);

// Both the user and their tenant are active.
bool may_authenticate(const Tenant& tenant, const User& user);
// The user `name` of `tenant`, refused (kFailedPrecondition) unless may_authenticate.
core::Result<User> require_active_user(store::Transaction& tx, std::string_view tenant,
                                       std::string_view name);

// The principal for `user` of `tenant` (method and the rest filled in by the caller).
AuthenticatedPrincipal principal_for(const Tenant& tenant, const User& user, AuthMethod method);

}  // namespace ward::gov::identity_internal
