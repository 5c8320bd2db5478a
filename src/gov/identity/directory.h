#pragma once
// The identity directory: tenants, users, groups, roles, memberships, attached policies, and
// account termination (scheduled deletion with a grace period, restore, purge).
//
// Every method that takes a tenant name accepts kDefaultTenant, which is created with
// IdentityOptions::default_region the first time a Directory needs it. Mutating methods return the
// thing as it is afterwards, which is what an admin audit event records ("created user alice in
// tenant default with roles dev"). Errors: kInvalidArgument for a bad name or document,
// kNotFound for a missing tenant/user/group/role, kAlreadyExists for a duplicate name,
// kFailedPrecondition for an account in the wrong state.
//
// Thread-safe: all state is in the store; each method is one or two short transactions, and
// password hashing runs outside them.

#include <atomic>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/id.h"
#include "gov/identity/model.h"
#include "store/store.h"

namespace ward::gov {

struct NewUser {
  std::string tenant = std::string(kDefaultTenant);
  std::string name;
  std::optional<std::string> password;  // none: the user signs in by token or SSO only
  std::vector<std::string> roles;       // existing roles of the tenant
  std::vector<std::string> groups;      // existing groups of the tenant
  std::map<std::string, std::string> tags;
};

class Directory {
 public:
  // `db` must have had gov::migrate (or migrate_identity) applied.
  Directory(store::Database& db, const core::Clock& clock, IdentityOptions options = {});

  const IdentityOptions& options() const { return options_; }
  store::Database& database() const { return db_; }

  // --- Tenants ---
  core::Result<Tenant> create_tenant(std::string_view name, std::string_view region,
                                     bool require_mfa = false);
  core::Result<Tenant> get_tenant(std::string_view name);
  core::Result<std::vector<Tenant>> list_tenants();
  // When on, a password login also needs a TOTP code, and users without MFA cannot log in.
  core::Result<Tenant> set_require_mfa(std::string_view tenant, bool required);
  // Puts the tenant on the tier profile `tier`. Whether that profile exists is the configuration's
  // business (gov::tier_catalog): the caller checks it first.
  core::Result<Tenant> set_tier(std::string_view tenant, std::string_view tier);

  // --- Users ---
  core::Result<User> create_user(const NewUser& request);
  core::Result<User> get_user(std::string_view tenant, std::string_view name);
  core::Result<User> get_user_by_id(std::string_view user_id);
  core::Result<std::vector<User>> list_users(std::string_view tenant);
  // Sets (or, with std::nullopt, removes) the user's password. The rules of
  // check_password_rules() apply.
  core::Result<User> set_password(std::string_view tenant, std::string_view name,
                                  std::optional<std::string_view> password);
  // Replaces the user's tags (keys 1-128 characters, values up to 256).
  core::Result<User> set_tags(std::string_view tenant, std::string_view name,
                              const std::map<std::string, std::string>& tags);
  // Sets or (std::nullopt) clears the user's permission boundary.
  core::Result<User> set_permission_boundary(std::string_view tenant, std::string_view name,
                                             std::optional<PolicySource> boundary);

  // Removes the user's MFA (active and pending enrolment), e.g. after a lost device. The user must
  // enrol again (Mfa::enroll); a tenant that requires MFA refuses their password logins meanwhile.
  // kFailedPrecondition when the user has none.
  core::Result<User> disable_mfa(std::string_view tenant, std::string_view name);

  // --- Termination ---
  // Schedules the user for deletion `grace` from now (default IdentityOptions::deletion_grace).
  // Meanwhile passwords and tokens are refused; restore_user() undoes it. kFailedPrecondition
  // when already scheduled.
  core::Result<User> schedule_user_deletion(std::string_view tenant, std::string_view name,
                                            std::optional<std::chrono::seconds> grace = {});
  core::Result<User> restore_user(std::string_view tenant, std::string_view name);
  // Users of every tenant whose grace period has ended by `now`, for the retention job.
  core::Result<std::vector<User>> list_due_for_deletion(core::TimePoint now);
  // Deletes the user's identity rows (tokens, MFA, memberships, attached policies go with it).
  // Only a user scheduled for deletion whose grace period has ended is purged; anything else is
  // kFailedPrecondition. Returns the user as it was.
  core::Result<User> purge_user(std::string_view user_id);
  // The same for a whole tenant and everything in it.
  core::Result<Tenant> schedule_tenant_deletion(std::string_view name,
                                                std::optional<std::chrono::seconds> grace = {});
  core::Result<Tenant> restore_tenant(std::string_view name);
  core::Result<std::vector<Tenant>> list_tenants_due_for_deletion(core::TimePoint now);
  core::Result<Tenant> purge_tenant(std::string_view tenant_id);

  // --- Groups and roles ---
  core::Result<Group> create_group(std::string_view tenant, std::string_view name);
  core::Result<std::vector<Group>> list_groups(std::string_view tenant);
  core::Result<Role> create_role(std::string_view tenant, std::string_view name,
                                 std::string_view description = {});
  core::Result<std::vector<Role>> list_roles(std::string_view tenant);
  // kAlreadyExists when the user is a member already.
  core::Result<User> add_user_to_group(std::string_view tenant, std::string_view group,
                                       std::string_view user);
  core::Result<User> remove_user_from_group(std::string_view tenant, std::string_view group,
                                            std::string_view user);
  core::Result<User> assign_role(std::string_view tenant, std::string_view role,
                                 std::string_view user);
  core::Result<User> unassign_role(std::string_view tenant, std::string_view role,
                                   std::string_view user);

  // --- Policies ---
  // Attaches a managed policy (by name) or a JSON policy document (must be a JSON object; the
  // policy engine checks its grammar) to a user, group or role. Attaching the same managed policy
  // twice is kAlreadyExists.
  core::Result<AttachedPolicy> attach_policy(std::string_view tenant, PrincipalKind kind,
                                             std::string_view principal, const PolicySource& policy);
  core::Result<AttachedPolicy> detach_policy(std::string_view tenant,
                                             std::string_view attachment_id);
  // What is attached to one user, group or role directly.
  core::Result<std::vector<AttachedPolicy>> attached_policies(std::string_view tenant,
                                                              PrincipalKind kind,
                                                              std::string_view principal);
  // The identity policies that apply to a user: their own, their groups' and their roles', in
  // that order. The authorizer evaluates these together with the boundary, the session policy and
  // the tenant's guardrails.
  core::Result<std::vector<AttachedPolicy>> identity_policies(std::string_view tenant,
                                                              std::string_view user);
  core::Result<std::vector<AttachedPolicy>> identity_policies_for(std::string_view user_id);
  // The tenant's guardrails: the policies attached to the tenant itself (PrincipalKind::kTenant).
  core::Result<std::vector<AttachedPolicy>> guardrails(std::string_view tenant);

 private:
  core::Status ensure_default_tenant();
  // Creates the default tenant first when `tenant` names it.
  core::Status prepare(std::string_view tenant);
  std::string new_id();

  store::Database& db_;
  const core::Clock& clock_;
  IdentityOptions options_;
  core::IdGenerator ids_;
  std::atomic<bool> default_ready_{false};
};

}  // namespace ward::gov
