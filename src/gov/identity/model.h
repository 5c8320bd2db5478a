#pragma once
// The identity model: tenants (organisations), their users, groups and roles, the policies attached
// to them, and the principal that a successful authentication yields. Plain values; safe to copy
// and share between threads.
//
// A tenant is an organisation with a home region. A user belongs to exactly one tenant and is
// named uniquely within it. Groups and roles are named per tenant; a user is a member of groups
// and holds roles, and users, groups and roles each carry attached policies (the name of a managed
// policy or a JSON policy document). The policy engine (src/gov/policy/) evaluates them; identity
// only stores and returns them.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace ward::gov {

// The tenant every single-organisation installation uses; it is created on first use, so nobody
// has to create a tenant before creating users.
inline constexpr std::string_view kDefaultTenant = "default";

// Argon2id cost parameters (libsodium's crypto_pwhash opslimit and memlimit).
struct PasswordParams {
  std::uint64_t opslimit = 0;
  std::size_t memlimit = 0;

  // What Ward uses: libsodium's INTERACTIVE set, 2 passes over 64 MiB (see docs/identity.md).
  static PasswordParams interactive();
  // The smallest cost libsodium accepts (1 pass over 8 KiB). For tests only: it protects nothing.
  static PasswordParams minimum_for_tests();
};

// Settings shared by the identity classes. The defaults are Ward's; tests shorten or cheapen them.
struct IdentityOptions {
  // The home region label of the default tenant when it is created.
  std::string default_region = "local";
  PasswordParams password = PasswordParams::interactive();
  // How long a user or tenant scheduled for deletion can still be restored.
  std::chrono::seconds deletion_grace = std::chrono::days(30);
  // API tokens: lifetime when none is asked for, and the longest one that may be asked for.
  std::chrono::seconds token_default_lifetime = std::chrono::days(90);
  std::chrono::seconds token_max_lifetime = std::chrono::days(365);
};

enum class AccountStatus { kActive, kScheduledForDeletion };
// "active" or "scheduled_for_deletion" (stored and shown).
std::string_view account_status_name(AccountStatus status);

// A policy as identity stores it: either the name of a managed policy (e.g. "WardDeveloperAccess")
// or a JSON policy document. Exactly one of the two is set.
struct PolicySource {
  std::optional<std::string> managed_name;
  std::optional<std::string> document;  // compact JSON text of an object

  static PolicySource managed(std::string name) { return {std::move(name), std::nullopt}; }
  static PolicySource inline_document(std::string json) { return {std::nullopt, std::move(json)}; }
};

struct Tenant {
  std::string id;
  std::string name;
  std::string region;  // the home region label
  std::string tier = "free";  // the tier profile (gov/tenancy/tiers.h) that sets its limits
  bool require_mfa = false;
  AccountStatus status = AccountStatus::kActive;
  std::optional<core::TimePoint> deletion_due;  // set while scheduled for deletion
  core::TimePoint created_at;
};

struct User {
  std::string id;
  std::string tenant_id;
  std::string tenant_name;
  std::string name;
  AccountStatus status = AccountStatus::kActive;
  std::optional<core::TimePoint> deletion_due;
  bool has_password = false;
  bool mfa_active = false;
  // Principal tags, for policy variables (${ward:PrincipalTag/NAME}).
  std::map<std::string, std::string> tags;
  // The permission boundary: the most this user's identity policies can ever allow.
  std::optional<PolicySource> permission_boundary;
  std::vector<std::string> groups;  // names, sorted
  std::vector<std::string> roles;   // names, sorted
  core::TimePoint created_at;
};

struct Group {
  std::string id;
  std::string tenant_id;
  std::string name;
  core::TimePoint created_at;
};

struct Role {
  std::string id;
  std::string tenant_id;
  std::string name;
  std::string description;
  core::TimePoint created_at;
};

// What a policy is attached to. A policy attached to the tenant is a guardrail: it limits everyone
// in the tenant and grants nothing.
enum class PrincipalKind { kUser, kGroup, kRole, kTenant };
// "user", "group", "role" or "tenant".
std::string_view principal_kind_name(PrincipalKind kind);

// One policy attached to a user, group or role.
struct AttachedPolicy {
  std::string id;
  PrincipalKind attached_to = PrincipalKind::kUser;
  std::string principal_name;  // the user, group, role or tenant it is attached to
  PolicySource policy;
  core::TimePoint attached_at;
};

enum class AuthMethod { kPassword, kPasswordMfa, kToken, kOidc };
// "password", "password+mfa", "token" or "oidc" (for audit events).
std::string_view auth_method_name(AuthMethod method);

// Who made a request, as the authorizer and the audit log see it.
struct AuthenticatedPrincipal {
  std::string tenant_id;
  std::string tenant_name;
  std::string region;  // the tenant's home region
  std::string user_id;
  std::string user_name;
  AuthMethod method = AuthMethod::kPassword;
  std::optional<std::string> token_id;  // set for kToken
  std::map<std::string, std::string> tags;
  bool mfa_present = false;
  // The session policy that limits this session (a token's scopes), as JSON text.
  std::optional<std::string> session_policy;
};

}  // namespace ward::gov
