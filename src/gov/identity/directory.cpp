#include "gov/identity/directory.h"

#include "gov/policy/managed.h"

#include <array>
#include <algorithm>
#include <nlohmann/json.hpp>

#include "gov/identity/password.h"
#include "gov/identity/rows.h"

namespace ward::gov {
namespace {

using core::Code;
using core::Error;
using core::Result;
using store::Row;
using store::Transaction;
using store::Value;
using namespace identity_internal;

Value optional_value(const std::optional<std::string>& text) {
  return text ? Value(*text) : Value(std::monostate{});
}

core::Status check_region(std::string_view region) {
  return check_name("region label", region);
}

// A managed policy's name, or a document normalised to compact JSON.
Result<PolicySource> check_policy(const PolicySource& policy) {
  if (policy.managed_name.has_value() == policy.document.has_value()) {
    return Error(Code::kInvalidArgument, "policy",
                 "give either the name of a managed policy or a policy document, not both or "
                 "neither");
  }
  if (policy.managed_name) {
    if (auto managed = managed_policy(*policy.managed_name); !managed) return managed.error();
    return policy;
  }
  auto document = normalise_policy_document("policy document", *policy.document);
  if (!document) return document.error();
  return PolicySource::inline_document(std::move(*document));
}

core::Status check_tags(const std::map<std::string, std::string>& tags) {
  for (const auto& [key, value] : tags) {
    const bool key_ok =
        !key.empty() && key.size() <= 128 && std::all_of(key.begin(), key.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.' || c == ':' || c == '/' || c == '=' || c == '+' || c == '@' ||
                 c == '-';
        });
    if (!key_ok) {
      return Error(Code::kInvalidArgument, "tag " + key,
                   "a tag key has 1 to 128 characters from A-Z a-z 0-9 _ . : / = + @ -");
    }
    if (value.size() > 256) {
      return Error(Code::kInvalidArgument, "tag " + key, "a tag value has at most 256 bytes");
    }
  }
  return {};
}

std::string tags_json(const std::map<std::string, std::string>& tags) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [key, value] : tags) json[key] = value;
  return json.dump();
}

Result<Group> group_from_row(const Row& row) {
  Group g;
  auto id = row.get_text("id");
  auto tenant = row.get_text("tenant_id");
  auto name = row.get_text("name");
  auto created = row.get_text("created_at");
  if (!id) return id.error();
  if (!tenant) return tenant.error();
  if (!name) return name.error();
  if (!created) return created.error();
  auto at = parse_time(*created);
  if (!at) return at.error();
  return Group{std::move(*id), std::move(*tenant), std::move(*name), *at};
}

Result<Role> role_from_row(const Row& row) {
  auto id = row.get_text("id");
  auto tenant = row.get_text("tenant_id");
  auto name = row.get_text("name");
  auto description = row.get_text("description");
  auto created = row.get_text("created_at");
  if (!id) return id.error();
  if (!tenant) return tenant.error();
  if (!name) return name.error();
  if (!description) return description.error();
  if (!created) return created.error();
  auto at = parse_time(*created);
  if (!at) return at.error();
  return Role{std::move(*id), std::move(*tenant), std::move(*name), std::move(*description), *at};
}

// Groups and roles are alike: named within a tenant, each kind in a table of its own, with its
// users in a member table.
template <typename T>
struct MemberKind {
  std::string_view noun;              // "group", "role"
  std::string_view select;            // "SELECT <the columns from_row reads> FROM <table> "
  Result<T> (*from_row)(const Row&);  // reads a row of `select`
  std::string_view members;           // the member table
  std::string_view id_column;         // the column of `members` that names the group or role
  std::string_view already_member;    // after "user NAME": why adding the user changed nothing
  std::string_view not_member;        // after "user NAME": why removing the user changed nothing
};

constexpr MemberKind<Group> kGroups{
    .noun = "group",
    .select = "SELECT id, tenant_id, name, created_at FROM identity_groups ",
    .from_row = group_from_row,
    .members = "identity_group_members",
    .id_column = "group_id",
    .already_member = " is a member of this group already",
    .not_member = " is not a member of this group",
};

constexpr MemberKind<Role> kRoles{
    .noun = "role",
    .select = "SELECT id, tenant_id, name, description, created_at FROM identity_roles ",
    .from_row = role_from_row,
    .members = "identity_role_members",
    .id_column = "role_id",
    .already_member = " holds this role already",
    .not_member = " does not hold this role",
};

template <typename T>
Result<T> require_named(Transaction& tx, const MemberKind<T>& kind, const Tenant& tenant,
                        std::string_view name) {
  auto row = tx.query_one(std::string(kind.select) + "WHERE tenant_id = ? AND name = ?",
                          {tenant.id, std::string(name)});
  if (!row) return row.error();
  if (!*row) {
    const std::string noun(kind.noun);
    return Error(Code::kNotFound, noun + " " + std::string(name),
                 "no such " + noun + " in tenant " + tenant.name + "; create it with `ward admin " +
                     noun + " create`");
  }
  return kind.from_row(**row);
}

core::Status require_active(const Tenant& tenant) {
  if (tenant.status != AccountStatus::kActive) {
    return Error(Code::kFailedPrecondition, "tenant " + tenant.name,
                 "the tenant is scheduled for deletion; restore it first");
  }
  return {};
}

Result<AttachedPolicy> attachment_from_row(const Row& row) {
  AttachedPolicy a;
  auto id = row.get_text("id");
  auto kind = row.get_text("kind");
  auto principal = row.get_text("principal");
  auto managed = row.get_optional_text("managed_name");
  auto document = row.get_optional_text("document");
  auto created = row.get_text("created_at");
  if (!id) return id.error();
  if (!kind) return kind.error();
  if (!principal) return principal.error();
  if (!managed) return managed.error();
  if (!document) return document.error();
  if (!created) return created.error();
  auto at = parse_time(*created);
  if (!at) return at.error();
  a.id = std::move(*id);
  a.attached_to = *kind == "group"    ? PrincipalKind::kGroup
                  : *kind == "role"   ? PrincipalKind::kRole
                  : *kind == "tenant" ? PrincipalKind::kTenant
                                      : PrincipalKind::kUser;
  a.principal_name = std::move(*principal);
  a.policy = PolicySource{std::move(*managed), std::move(*document)};
  a.attached_at = *at;
  return a;
}

Result<std::vector<AttachedPolicy>> attachments(Transaction& tx, std::string_view sql,
                                                const std::vector<Value>& params) {
  auto rows = tx.query(sql, params);
  if (!rows) return rows.error();
  std::vector<AttachedPolicy> out;
  for (const Row& row : *rows) {
    auto a = attachment_from_row(row);
    if (!a) return a.error();
    out.push_back(std::move(*a));
  }
  return out;
}

constexpr std::string_view kUserAttachments =
    "SELECT a.id AS id, 'user' AS kind, u.name AS principal, a.managed_name AS managed_name, "
    "a.document AS document, a.created_at AS created_at, 0 AS origin_order "
    "FROM identity_policy_attachments a JOIN identity_users u ON u.id = a.user_id ";
constexpr std::string_view kGroupAttachments =
    "SELECT a.id AS id, 'group' AS kind, g.name AS principal, a.managed_name AS managed_name, "
    "a.document AS document, a.created_at AS created_at, 1 AS origin_order "
    "FROM identity_policy_attachments a JOIN identity_groups g ON g.id = a.group_id ";
constexpr std::string_view kRoleAttachments =
    "SELECT a.id AS id, 'role' AS kind, r.name AS principal, a.managed_name AS managed_name, "
    "a.document AS document, a.created_at AS created_at, 2 AS origin_order "
    "FROM identity_policy_attachments a JOIN identity_roles r ON r.id = a.role_id ";
constexpr std::string_view kTenantAttachments =
    "SELECT a.id AS id, 'tenant' AS kind, t.name AS principal, a.managed_name AS managed_name, "
    "a.document AS document, a.created_at AS created_at, 3 AS origin_order "
    "FROM identity_policy_attachments a JOIN identity_tenants t ON t.id = a.guardrail_tenant_id ";
constexpr std::array kPrincipalKinds = {PrincipalKind::kUser, PrincipalKind::kGroup,
                                        PrincipalKind::kRole, PrincipalKind::kTenant};

// The id column of identity_policy_attachments that points at `kind`.
std::string_view attachment_column(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kUser:
      return "user_id";
    case PrincipalKind::kGroup:
      return "group_id";
    case PrincipalKind::kRole:
      return "role_id";
    case PrincipalKind::kTenant:
      return "guardrail_tenant_id";
  }
  return "user_id";
}

std::string_view attachment_select(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kUser:
      return kUserAttachments;
    case PrincipalKind::kGroup:
      return kGroupAttachments;
    case PrincipalKind::kRole:
      return kRoleAttachments;
    case PrincipalKind::kTenant:
      return kTenantAttachments;
  }
  return kUserAttachments;
}

// The id of the user, group or role named `name` in `tenant`, or of the tenant itself.
Result<std::string> principal_id(Transaction& tx, const Tenant& tenant, PrincipalKind kind,
                                 std::string_view name) {
  switch (kind) {
    case PrincipalKind::kUser: {
      auto user = require_user(tx, tenant, name);
      if (!user) return user.error();
      return user->id;
    }
    case PrincipalKind::kGroup: {
      auto group = require_named(tx, kGroups, tenant, name);
      if (!group) return group.error();
      return group->id;
    }
    case PrincipalKind::kRole: {
      auto role = require_named(tx, kRoles, tenant, name);
      if (!role) return role.error();
      return role->id;
    }
    case PrincipalKind::kTenant:
      if (name != tenant.name) {
        return Error(Code::kInvalidArgument, "tenant " + std::string(name),
                     "a guardrail is attached to the tenant it belongs to (" + tenant.name + ")");
      }
      return tenant.id;
  }
  return Error(Code::kInternal, "policy", "unknown principal kind");
}

Result<User> reload_user(Transaction& tx, std::string_view id) {
  auto user = user_by_id(tx, id);
  if (!user) return user.error();
  if (!*user) return Error(Code::kNotFound, "user " + std::string(id), "no such user");
  return std::move(**user);
}

// Runs `change` (Transaction&, const User&) -> Result<rows changed>, as tx.execute returns, on the
// user `name` of `tenant` and returns the user as it is afterwards. The caller has prepared the
// tenant.
template <typename Change>
Result<User> change_user(store::Database& db, const store::TransactionOptions& options,
                         std::string_view tenant, std::string_view name, Change&& change) {
  return transact<User>(db, options, [&](Transaction& tx) -> Result<User> {
    auto t = require_tenant(tx, tenant);
    if (!t) return t.error();
    auto user = require_user(tx, *t, name);
    if (!user) return user.error();
    auto changed = change(tx, *user);
    if (!changed) return changed.error();
    return reload_user(tx, user->id);
  });
}

template <typename T>
std::string insert_member_sql(const MemberKind<T>& kind) {
  const std::string column(kind.id_column);
  return "INSERT INTO " + std::string(kind.members) + " (" + column +
         ", user_id, added_at) VALUES (?, ?, ?) ON CONFLICT (" + column + ", user_id) DO NOTHING";
}

// Makes the user `user_id` a member of each of `names`, which must exist in `tenant`.
template <typename T>
core::Status add_to_each(Transaction& tx, const MemberKind<T>& kind, const Tenant& tenant,
                         const std::vector<std::string>& names, const std::string& user_id,
                         const std::string& now) {
  for (const std::string& name : names) {
    auto target = require_named(tx, kind, tenant, name);
    if (!target) return target.error();
    auto added = tx.execute(insert_member_sql(kind), {target->id, user_id, now});
    if (!added) return added.error();
  }
  return {};
}

// The group or role `name` created by `insert` (Transaction&, const Tenant&) -> Result<rows
// inserted>, which inserts nothing when the name is taken. The caller has checked the name and
// prepared the tenant.
template <typename T, typename Insert>
Result<T> create_named(store::Database& db, const MemberKind<T>& kind, std::string_view tenant,
                       std::string_view name, Insert&& insert) {
  return transact<T>(db, kWrite, [&](Transaction& tx) -> Result<T> {
    auto t = require_tenant(tx, tenant);
    if (!t) return t.error();
    if (auto s = require_active(*t); !s) return s.error();
    auto inserted = insert(tx, *t);
    if (!inserted) return inserted.error();
    if (*inserted == 0) {
      const std::string noun(kind.noun);
      return Error(Code::kAlreadyExists, noun + " " + std::string(name),
                   "a " + noun + " with this name exists in tenant " + t->name + " already");
    }
    return require_named(tx, kind, *t, name);
  });
}

// The caller has prepared the tenant.
template <typename T>
Result<std::vector<T>> list_named(store::Database& db, const MemberKind<T>& kind,
                                  std::string_view tenant) {
  return transact<std::vector<T>>(db, kRead, [&](Transaction& tx) -> Result<std::vector<T>> {
    auto t = require_tenant(tx, tenant);
    if (!t) return t.error();
    auto rows = tx.query(std::string(kind.select) + "WHERE tenant_id = ? ORDER BY name", {t->id});
    if (!rows) return rows.error();
    std::vector<T> out;
    for (const Row& row : *rows) {
      auto item = kind.from_row(row);
      if (!item) return item.error();
      out.push_back(std::move(*item));
    }
    return out;
  });
}

enum class MembershipChange { kAdd, kRemove };

// Adds `user` to, or removes them from, the group or role `name`; a change that changes nothing is
// an error. The caller has prepared the tenant.
template <typename T>
Result<User> change_membership(store::Database& db, const core::Clock& clock,
                               const MemberKind<T>& kind, MembershipChange change,
                               std::string_view tenant, std::string_view name,
                               std::string_view user) {
  return transact<User>(db, kWrite, [&](Transaction& tx) -> Result<User> {
    auto t = require_tenant(tx, tenant);
    if (!t) return t.error();
    auto target = require_named(tx, kind, *t, name);
    if (!target) return target.error();
    auto u = require_user(tx, *t, user);
    if (!u) return u.error();
    const bool add = change == MembershipChange::kAdd;
    auto changed =
        add ? tx.execute(insert_member_sql(kind), {target->id, u->id, time_text(clock.now())})
            : tx.execute("DELETE FROM " + std::string(kind.members) + " WHERE " +
                             std::string(kind.id_column) + " = ? AND user_id = ?",
                         {target->id, u->id});
    if (!changed) return changed.error();
    if (*changed == 0) {
      return Error(add ? Code::kAlreadyExists : Code::kNotFound,
                   std::string(kind.noun) + " " + target->name,
                   "user " + u->name + std::string(add ? kind.already_member : kind.not_member));
    }
    return reload_user(tx, u->id);
  });
}

}  // namespace

Directory::Directory(store::Database& db, const core::Clock& clock, IdentityOptions options)
    : db_(db), clock_(clock), options_(std::move(options)), ids_(clock) {}

std::string Directory::new_id() {
  return ids_.next().to_string();
}

core::Status Directory::prepare(std::string_view tenant) {
  return tenant == kDefaultTenant ? ensure_default_tenant() : core::Status();
}

core::Status Directory::ensure_default_tenant() {
  if (default_ready_.load()) return {};
  core::Status status = db_.with_transaction(kWrite, [&](Transaction& tx) -> core::Status {
    auto inserted = tx.execute(
        "INSERT INTO identity_tenants (id, name, region, require_mfa, status, created_at) "
        "VALUES (?, ?, ?, 0, 'active', ?) ON CONFLICT (name) DO NOTHING",
        {new_id(), std::string(kDefaultTenant), options_.default_region, time_text(clock_.now())});
    if (!inserted) return inserted.error();
    return {};
  });
  if (status) default_ready_.store(true);
  return status;
}

// ---------------------------------------------------------------- tenants

Result<Tenant> Directory::create_tenant(std::string_view name, std::string_view region,
                                        bool require_mfa) {
  if (auto s = check_name("tenant name", name); !s) return s.error();
  if (auto s = check_region(region); !s) return s.error();
  return transact<Tenant>(db_, kDurableWrite, [&](Transaction& tx) -> Result<Tenant> {
    auto inserted = tx.execute(
        "INSERT INTO identity_tenants (id, name, region, require_mfa, status, created_at) "
        "VALUES (?, ?, ?, ?, 'active', ?) ON CONFLICT (name) DO NOTHING",
        {new_id(), std::string(name), std::string(region), std::int64_t{require_mfa ? 1 : 0},
         time_text(clock_.now())});
    if (!inserted) return inserted.error();
    if (*inserted == 0) {
      return Error(Code::kAlreadyExists, "tenant " + std::string(name),
                   "a tenant with this name exists already");
    }
    return require_tenant(tx, name);
  });
}

Result<Tenant> Directory::get_tenant(std::string_view name) {
  if (auto s = prepare(name); !s) return s.error();
  return transact<Tenant>(db_, kRead, [&](Transaction& tx) { return require_tenant(tx, name); });
}

Result<std::vector<Tenant>> Directory::list_tenants() {
  if (auto s = ensure_default_tenant(); !s) return s.error();
  return transact<std::vector<Tenant>>(
      db_, kRead, [&](Transaction& tx) -> Result<std::vector<Tenant>> {
        auto rows = tx.query("SELECT name FROM identity_tenants ORDER BY name");
        if (!rows) return rows.error();
        std::vector<Tenant> out;
        for (const Row& row : *rows) {
          auto name = row.get_text(0);
          if (!name) return name.error();
          auto tenant = require_tenant(tx, *name);
          if (!tenant) return tenant.error();
          out.push_back(std::move(*tenant));
        }
        return out;
      });
}

Result<Tenant> Directory::set_require_mfa(std::string_view tenant, bool required) {
  if (auto s = prepare(tenant); !s) return s.error();
  return transact<Tenant>(db_, kDurableWrite, [&](Transaction& tx) -> Result<Tenant> {
    auto t = require_tenant(tx, tenant);
    if (!t) return t.error();
    auto updated = tx.execute("UPDATE identity_tenants SET require_mfa = ? WHERE id = ?",
                              {std::int64_t{required ? 1 : 0}, t->id});
    if (!updated) return updated.error();
    return require_tenant(tx, tenant);
  });
}

Result<Tenant> Directory::set_tier(std::string_view tenant, std::string_view tier) {
  if (auto s = check_name("tier name", tier); !s) return s.error();
  if (auto s = prepare(tenant); !s) return s.error();
  return transact<Tenant>(db_, kDurableWrite, [&](Transaction& tx) -> Result<Tenant> {
    auto t = require_tenant(tx, tenant);
    if (!t) return t.error();
    auto updated = tx.execute("UPDATE identity_tenants SET tier = ? WHERE id = ?",
                              {std::string(tier), t->id});
    if (!updated) return updated.error();
    return require_tenant(tx, tenant);
  });
}

// ---------------------------------------------------------------- users

Result<User> Directory::create_user(const NewUser& request) {
  if (auto s = check_name("user name", request.name); !s) return s.error();
  if (auto s = check_tags(request.tags); !s) return s.error();
  std::optional<std::string> hash;
  if (request.password) {
    auto hashed = hash_password(*request.password, options_.password);
    if (!hashed) return hashed.error();
    hash = std::move(*hashed);
  }
  if (auto s = prepare(request.tenant); !s) return s.error();
  return transact<User>(db_, kDurableWrite, [&](Transaction& tx) -> Result<User> {
    auto tenant = require_tenant(tx, request.tenant);
    if (!tenant) return tenant.error();
    if (auto s = require_active(*tenant); !s) return s.error();
    const std::string id = new_id();
    const std::string now = time_text(clock_.now());
    auto inserted = tx.execute(
        "INSERT INTO identity_users (id, tenant_id, name, status, password_hash, tags, created_at) "
        "VALUES (?, ?, ?, 'active', ?, ?, ?) ON CONFLICT (tenant_id, name) DO NOTHING",
        {id, tenant->id, request.name, optional_value(hash), tags_json(request.tags), now});
    if (!inserted) return inserted.error();
    if (*inserted == 0) {
      return Error(Code::kAlreadyExists, "user " + request.name,
                   "a user with this name exists in tenant " + tenant->name + " already");
    }
    if (auto s = add_to_each(tx, kRoles, *tenant, request.roles, id, now); !s) return s.error();
    if (auto s = add_to_each(tx, kGroups, *tenant, request.groups, id, now); !s) return s.error();
    return reload_user(tx, id);
  });
}

Result<User> Directory::get_user(std::string_view tenant, std::string_view name) {
  if (auto s = prepare(tenant); !s) return s.error();
  return transact<User>(db_, kRead, [&](Transaction& tx) -> Result<User> {
    auto t = require_tenant(tx, tenant);
    if (!t) return t.error();
    return require_user(tx, *t, name);
  });
}

Result<User> Directory::get_user_by_id(std::string_view user_id) {
  return transact<User>(db_, kRead, [&](Transaction& tx) { return reload_user(tx, user_id); });
}

Result<std::vector<User>> Directory::list_users(std::string_view tenant) {
  if (auto s = prepare(tenant); !s) return s.error();
  return transact<std::vector<User>>(db_, kRead, [&](Transaction& tx) -> Result<std::vector<User>> {
    auto t = require_tenant(tx, tenant);
    if (!t) return t.error();
    return select_users(tx, "WHERE u.tenant_id = ?", {t->id});
  });
}

Result<User> Directory::set_password(std::string_view tenant, std::string_view name,
                                     std::optional<std::string_view> password) {
  std::optional<std::string> hash;
  if (password) {
    auto hashed = hash_password(*password, options_.password);
    if (!hashed) return hashed.error();
    hash = std::move(*hashed);
  }
  if (auto s = prepare(tenant); !s) return s.error();
  return change_user(db_, kDurableWrite, tenant, name, [&](Transaction& tx, const User& user) {
    return tx.execute("UPDATE identity_users SET password_hash = ? WHERE id = ?",
                      {optional_value(hash), user.id});
  });
}

Result<User> Directory::set_tags(std::string_view tenant, std::string_view name,
                                 const std::map<std::string, std::string>& tags) {
  if (auto s = check_tags(tags); !s) return s.error();
  if (auto s = prepare(tenant); !s) return s.error();
  return change_user(db_, kWrite, tenant, name, [&](Transaction& tx, const User& user) {
    return tx.execute("UPDATE identity_users SET tags = ? WHERE id = ?",
                      {tags_json(tags), user.id});
  });
}

Result<User> Directory::set_permission_boundary(std::string_view tenant, std::string_view name,
                                                std::optional<PolicySource> boundary) {
  std::optional<PolicySource> checked;
  if (boundary) {
    auto policy = check_policy(*boundary);
    if (!policy) return policy.error();
    checked = std::move(*policy);
  }
  if (auto s = prepare(tenant); !s) return s.error();
  return change_user(db_, kDurableWrite, tenant, name, [&](Transaction& tx, const User& user) {
    return tx.execute(
        "UPDATE identity_users SET boundary_managed = ?, boundary_document = ? WHERE id = ?",
        {optional_value(checked ? checked->managed_name : std::nullopt),
         optional_value(checked ? checked->document : std::nullopt), user.id});
  });
}

Result<User> Directory::disable_mfa(std::string_view tenant, std::string_view name) {
  if (auto s = prepare(tenant); !s) return s.error();
  const auto remove_mfa = [](Transaction& tx, const User& user) -> Result<std::int64_t> {
    auto deleted = tx.execute("DELETE FROM identity_totp WHERE user_id = ?", {user.id});
    if (!deleted) return deleted.error();
    if (*deleted == 0) {
      return Error(Code::kFailedPrecondition, "user " + user.name, "the user has no MFA to remove");
    }
    return deleted;
  };
  return change_user(db_, kDurableWrite, tenant, name, remove_mfa);
}

// ---------------------------------------------------------------- termination

Result<User> Directory::schedule_user_deletion(std::string_view tenant, std::string_view name,
                                               std::optional<std::chrono::seconds> grace) {
  const std::chrono::seconds period = grace.value_or(options_.deletion_grace);
  if (period.count() < 0) {
    return Error(Code::kInvalidArgument, "grace period", "the grace period cannot be negative");
  }
  if (auto s = prepare(tenant); !s) return s.error();
  const auto schedule = [&](Transaction& tx, const User& user) -> Result<std::int64_t> {
    if (user.status == AccountStatus::kScheduledForDeletion) {
      return Error(Code::kFailedPrecondition, "user " + user.name,
                   "the user is already scheduled for deletion on " +
                       time_text(*user.deletion_due) + "; `ward admin user restore` undoes it");
    }
    return tx.execute(
        "UPDATE identity_users SET status = 'scheduled_for_deletion', deletion_due_at = ? "
        "WHERE id = ?",
        {time_text(clock_.now() + period), user.id});
  };
  return change_user(db_, kDurableWrite, tenant, name, schedule);
}

Result<User> Directory::restore_user(std::string_view tenant, std::string_view name) {
  if (auto s = prepare(tenant); !s) return s.error();
  const auto restore = [](Transaction& tx, const User& user) -> Result<std::int64_t> {
    if (user.status != AccountStatus::kScheduledForDeletion) {
      return Error(Code::kFailedPrecondition, "user " + user.name,
                   "the user is not scheduled for deletion");
    }
    return tx.execute(
        "UPDATE identity_users SET status = 'active', deletion_due_at = NULL WHERE id = ?",
        {user.id});
  };
  return change_user(db_, kDurableWrite, tenant, name, restore);
}

Result<std::vector<User>> Directory::list_due_for_deletion(core::TimePoint now) {
  return transact<std::vector<User>>(db_, kRead, [&](Transaction& tx) {
    return select_users(tx, "WHERE u.status = 'scheduled_for_deletion' AND u.deletion_due_at <= ?",
                        {time_text(now)});
  });
}

Result<User> Directory::purge_user(std::string_view user_id) {
  return transact<User>(db_, kDurableWrite, [&](Transaction& tx) -> Result<User> {
    auto user = reload_user(tx, user_id);
    if (!user) return user.error();
    if (user->status != AccountStatus::kScheduledForDeletion || !user->deletion_due ||
        *user->deletion_due > clock_.now()) {
      return Error(Code::kFailedPrecondition, "user " + user->name,
                   "only a user scheduled for deletion whose grace period has ended is purged");
    }
    auto deleted = tx.execute("DELETE FROM identity_users WHERE id = ?", {user->id});
    if (!deleted) return deleted.error();
    return user;
  });
}

Result<Tenant> Directory::schedule_tenant_deletion(std::string_view name,
                                                   std::optional<std::chrono::seconds> grace) {
  const std::chrono::seconds period = grace.value_or(options_.deletion_grace);
  if (period.count() < 0) {
    return Error(Code::kInvalidArgument, "grace period", "the grace period cannot be negative");
  }
  return transact<Tenant>(db_, kDurableWrite, [&](Transaction& tx) -> Result<Tenant> {
    auto tenant = require_tenant(tx, name);
    if (!tenant) return tenant.error();
    if (tenant->status == AccountStatus::kScheduledForDeletion) {
      return Error(Code::kFailedPrecondition, "tenant " + tenant->name,
                   "the tenant is already scheduled for deletion");
    }
    auto updated = tx.execute(
        "UPDATE identity_tenants SET status = 'scheduled_for_deletion', deletion_due_at = ? "
        "WHERE id = ?",
        {time_text(clock_.now() + period), tenant->id});
    if (!updated) return updated.error();
    return require_tenant(tx, name);
  });
}

Result<Tenant> Directory::restore_tenant(std::string_view name) {
  return transact<Tenant>(db_, kDurableWrite, [&](Transaction& tx) -> Result<Tenant> {
    auto tenant = require_tenant(tx, name);
    if (!tenant) return tenant.error();
    if (tenant->status != AccountStatus::kScheduledForDeletion) {
      return Error(Code::kFailedPrecondition, "tenant " + tenant->name,
                   "the tenant is not scheduled for deletion");
    }
    auto updated = tx.execute(
        "UPDATE identity_tenants SET status = 'active', deletion_due_at = NULL WHERE id = ?",
        {tenant->id});
    if (!updated) return updated.error();
    return require_tenant(tx, name);
  });
}

Result<std::vector<Tenant>> Directory::list_tenants_due_for_deletion(core::TimePoint now) {
  return transact<std::vector<Tenant>>(
      db_, kRead, [&](Transaction& tx) -> Result<std::vector<Tenant>> {
        auto rows = tx.query(
            "SELECT id FROM identity_tenants WHERE status = 'scheduled_for_deletion' "
            "AND deletion_due_at <= ? ORDER BY name",
            {time_text(now)});
        if (!rows) return rows.error();
        std::vector<Tenant> out;
        for (const Row& row : *rows) {
          auto id = row.get_text(0);
          if (!id) return id.error();
          auto tenant = tenant_by_id(tx, *id);
          if (!tenant) return tenant.error();
          out.push_back(std::move(*tenant));
        }
        return out;
      });
}

Result<Tenant> Directory::purge_tenant(std::string_view tenant_id) {
  Result<Tenant> purged =
      transact<Tenant>(db_, kDurableWrite, [&](Transaction& tx) -> Result<Tenant> {
        auto tenant = tenant_by_id(tx, tenant_id);
        if (!tenant) return tenant.error();
        if (tenant->status != AccountStatus::kScheduledForDeletion || !tenant->deletion_due ||
            *tenant->deletion_due > clock_.now()) {
          return Error(Code::kFailedPrecondition, "tenant " + tenant->name,
                       "only a tenant scheduled for deletion whose grace period has ended is "
                       "purged");
        }
        auto deleted = tx.execute("DELETE FROM identity_tenants WHERE id = ?", {tenant->id});
        if (!deleted) return deleted.error();
        return tenant;
      });
  if (purged && purged->name == kDefaultTenant) default_ready_.store(false);
  return purged;
}

// ---------------------------------------------------------------- groups and roles

Result<Group> Directory::create_group(std::string_view tenant, std::string_view name) {
  if (auto s = check_name("group name", name); !s) return s.error();
  if (auto s = prepare(tenant); !s) return s.error();
  return create_named(db_, kGroups, tenant, name, [&](Transaction& tx, const Tenant& t) {
    return tx.execute(
        "INSERT INTO identity_groups (id, tenant_id, name, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (tenant_id, name) DO NOTHING",
        {new_id(), t.id, std::string(name), time_text(clock_.now())});
  });
}

Result<std::vector<Group>> Directory::list_groups(std::string_view tenant) {
  if (auto s = prepare(tenant); !s) return s.error();
  return list_named(db_, kGroups, tenant);
}

Result<Role> Directory::create_role(std::string_view tenant, std::string_view name,
                                    std::string_view description) {
  if (auto s = check_name("role name", name); !s) return s.error();
  if (description.size() > 1024) {
    return Error(Code::kInvalidArgument, "role " + std::string(name),
                 "a role description has at most 1024 bytes");
  }
  if (auto s = prepare(tenant); !s) return s.error();
  return create_named(db_, kRoles, tenant, name, [&](Transaction& tx, const Tenant& t) {
    return tx.execute(
        "INSERT INTO identity_roles (id, tenant_id, name, description, created_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, name) DO NOTHING",
        {new_id(), t.id, std::string(name), std::string(description), time_text(clock_.now())});
  });
}

Result<std::vector<Role>> Directory::list_roles(std::string_view tenant) {
  if (auto s = prepare(tenant); !s) return s.error();
  return list_named(db_, kRoles, tenant);
}

Result<User> Directory::add_user_to_group(std::string_view tenant, std::string_view group,
                                          std::string_view user) {
  if (auto s = prepare(tenant); !s) return s.error();
  return change_membership(db_, clock_, kGroups, MembershipChange::kAdd, tenant, group, user);
}

Result<User> Directory::remove_user_from_group(std::string_view tenant, std::string_view group,
                                               std::string_view user) {
  if (auto s = prepare(tenant); !s) return s.error();
  return change_membership(db_, clock_, kGroups, MembershipChange::kRemove, tenant, group, user);
}

Result<User> Directory::assign_role(std::string_view tenant, std::string_view role,
                                    std::string_view user) {
  if (auto s = prepare(tenant); !s) return s.error();
  return change_membership(db_, clock_, kRoles, MembershipChange::kAdd, tenant, role, user);
}

Result<User> Directory::unassign_role(std::string_view tenant, std::string_view role,
                                      std::string_view user) {
  if (auto s = prepare(tenant); !s) return s.error();
  return change_membership(db_, clock_, kRoles, MembershipChange::kRemove, tenant, role, user);
}

// ---------------------------------------------------------------- policies

Result<AttachedPolicy> Directory::attach_policy(std::string_view tenant, PrincipalKind kind,
                                                std::string_view principal,
                                                const PolicySource& policy) {
  auto checked = check_policy(policy);
  if (!checked) return checked.error();
  if (auto s = prepare(tenant); !s) return s.error();
  return transact<AttachedPolicy>(
      db_, kDurableWrite, [&](Transaction& tx) -> Result<AttachedPolicy> {
        auto t = require_tenant(tx, tenant);
        if (!t) return t.error();
        auto target = principal_id(tx, *t, kind, principal);
        if (!target) return target.error();
        const std::string column(attachment_column(kind));
        if (checked->managed_name) {
          auto existing = tx.query_one("SELECT id FROM identity_policy_attachments WHERE " +
                                           column + " = ? AND managed_name = ?",
                                       {*target, *checked->managed_name});
          if (!existing) return existing.error();
          if (*existing) {
            return Error(Code::kAlreadyExists, "policy " + *checked->managed_name,
                         "this managed policy is attached to " +
                             std::string(principal_kind_name(kind)) + " " + std::string(principal) +
                             " already");
          }
        }
        const std::string id = new_id();
        auto inserted =
            tx.execute("INSERT INTO identity_policy_attachments (id, tenant_id, " + column +
                           ", managed_name, document, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       {id, t->id, *target, optional_value(checked->managed_name),
                        optional_value(checked->document), time_text(clock_.now())});
        if (!inserted) return inserted.error();
        auto rows = attachments(tx, std::string(attachment_select(kind)) + "WHERE a.id = ?", {id});
        if (!rows) return rows.error();
        if (rows->size() != 1) return Error(Code::kInternal, "policy", "the attachment vanished");
        return std::move(rows->front());
      });
}

Result<AttachedPolicy> Directory::detach_policy(std::string_view tenant,
                                                std::string_view attachment_id) {
  if (auto s = prepare(tenant); !s) return s.error();
  return transact<
      AttachedPolicy>(db_, kDurableWrite, [&](Transaction& tx) -> Result<AttachedPolicy> {
    auto t = require_tenant(tx, tenant);
    if (!t) return t.error();
    const std::vector<Value> params = {std::string(attachment_id), t->id};
    std::optional<AttachedPolicy> found;
    for (PrincipalKind kind : kPrincipalKinds) {
      auto rows = attachments(
          tx, std::string(attachment_select(kind)) + "WHERE a.id = ? AND a.tenant_id = ?", params);
      if (!rows) return rows.error();
      if (!rows->empty()) found = std::move(rows->front());
    }
    if (!found) {
      return Error(Code::kNotFound, "policy attachment " + std::string(attachment_id),
                   "no such policy attachment in tenant " + t->name);
    }
    auto deleted = tx.execute("DELETE FROM identity_policy_attachments WHERE id = ?", {found->id});
    if (!deleted) return deleted.error();
    return std::move(*found);
  });
}

Result<std::vector<AttachedPolicy>> Directory::attached_policies(std::string_view tenant,
                                                                 PrincipalKind kind,
                                                                 std::string_view principal) {
  if (auto s = prepare(tenant); !s) return s.error();
  return transact<std::vector<AttachedPolicy>>(
      db_, kRead, [&](Transaction& tx) -> Result<std::vector<AttachedPolicy>> {
        auto t = require_tenant(tx, tenant);
        if (!t) return t.error();
        auto target = principal_id(tx, *t, kind, principal);
        if (!target) return target.error();
        return attachments(tx,
                           std::string(attachment_select(kind)) + "WHERE a." +
                               std::string(attachment_column(kind)) +
                               " = ? ORDER BY created_at, id",
                           {*target});
      });
}

Result<std::vector<AttachedPolicy>> Directory::identity_policies(std::string_view tenant,
                                                                 std::string_view user) {
  auto found = get_user(tenant, user);
  if (!found) return found.error();
  return identity_policies_for(found->id);
}

Result<std::vector<AttachedPolicy>> Directory::identity_policies_for(std::string_view user_id) {
  const std::string id(user_id);
  return transact<std::vector<AttachedPolicy>>(db_, kRead, [&](Transaction& tx) {
    return attachments(
        tx,
        std::string(kUserAttachments) + "WHERE a.user_id = ? UNION ALL " +
            std::string(kGroupAttachments) +
            "JOIN identity_group_members m ON m.group_id = a.group_id WHERE m.user_id = ? "
            "UNION ALL " +
            std::string(kRoleAttachments) +
            "JOIN identity_role_members m ON m.role_id = a.role_id WHERE m.user_id = ? "
            "ORDER BY origin_order, principal, created_at, id",
        {id, id, id});
  });
}

Result<std::vector<AttachedPolicy>> Directory::guardrails(std::string_view tenant) {
  return attached_policies(tenant, PrincipalKind::kTenant, tenant);
}

}  // namespace ward::gov
