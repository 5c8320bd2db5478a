#include "gov/identity/rows.h"

#include "gov/policy/parser.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

namespace ward::gov::identity_internal {
namespace {

using core::Code;
using core::Error;
using store::Row;
using store::Transaction;

constexpr std::string_view kTenantColumns =
    "SELECT id, name, region, tier, require_mfa, status, deletion_due_at, created_at "
    "FROM identity_tenants ";

constexpr std::string_view kUserColumns =
    "SELECT u.id AS id, u.tenant_id AS tenant_id, t.name AS tenant_name, u.name AS name, "
    "u.status AS status, u.deletion_due_at AS deletion_due_at, "
    "CASE WHEN u.password_hash IS NULL THEN 0 ELSE 1 END AS has_password, u.tags AS tags, "
    "u.boundary_managed AS boundary_managed, u.boundary_document AS boundary_document, "
    "u.created_at AS created_at, "
    "(SELECT COUNT(*) FROM identity_totp m WHERE m.user_id = u.id AND m.state = 'active') "
    "AS mfa_active "
    "FROM identity_users u JOIN identity_tenants t ON t.id = u.tenant_id ";

template <typename T>
core::Status take(core::Result<T> result, T& out) {
  if (!result) return std::move(result).error();
  out = std::move(*result);
  return {};
}

core::Result<AccountStatus> parse_status(std::string_view text) {
  if (text == "active") return AccountStatus::kActive;
  if (text == "scheduled_for_deletion") return AccountStatus::kScheduledForDeletion;
  return Error(Code::kDataLoss, "identity", "unknown account status \"" + std::string(text) + "\"");
}

core::Result<Tenant> tenant_from_row(const Row& row) {
  Tenant t;
  std::string status, created;
  std::int64_t require_mfa = 0;
  if (auto s = take(row.get_text("id"), t.id); !s) return s.error();
  if (auto s = take(row.get_text("name"), t.name); !s) return s.error();
  if (auto s = take(row.get_text("region"), t.region); !s) return s.error();
  if (auto s = take(row.get_text("tier"), t.tier); !s) return s.error();
  if (auto s = take(row.get_int("require_mfa"), require_mfa); !s) return s.error();
  if (auto s = take(row.get_text("status"), status); !s) return s.error();
  if (auto s = take(row.get_text("created_at"), created); !s) return s.error();
  if (auto s = take(optional_time(row, "deletion_due_at"), t.deletion_due); !s) return s.error();
  t.require_mfa = require_mfa != 0;
  auto parsed = parse_status(status);
  if (!parsed) return parsed.error();
  t.status = *parsed;
  auto at = parse_time(created);
  if (!at) return at.error();
  t.created_at = *at;
  return t;
}

core::Result<std::vector<std::string>> names(Transaction& tx, std::string_view sql,
                                             const std::string& user_id) {
  auto rows = tx.query(sql, {user_id});
  if (!rows) return rows.error();
  std::vector<std::string> out;
  for (const Row& row : *rows) {
    auto name = row.get_text(0);
    if (!name) return name.error();
    out.push_back(std::move(*name));
  }
  return out;
}

core::Result<User> user_from_row(Transaction& tx, const Row& row) {
  User u;
  std::string status, created, tags;
  std::int64_t has_password = 0, mfa_active = 0;
  std::optional<std::string> boundary_managed, boundary_document;
  if (auto s = take(row.get_text("id"), u.id); !s) return s.error();
  if (auto s = take(row.get_text("tenant_id"), u.tenant_id); !s) return s.error();
  if (auto s = take(row.get_text("tenant_name"), u.tenant_name); !s) return s.error();
  if (auto s = take(row.get_text("name"), u.name); !s) return s.error();
  if (auto s = take(row.get_text("status"), status); !s) return s.error();
  if (auto s = take(row.get_int("has_password"), has_password); !s) return s.error();
  if (auto s = take(row.get_int("mfa_active"), mfa_active); !s) return s.error();
  if (auto s = take(row.get_text("tags"), tags); !s) return s.error();
  if (auto s = take(row.get_optional_text("boundary_managed"), boundary_managed); !s)
    return s.error();
  if (auto s = take(row.get_optional_text("boundary_document"), boundary_document); !s) {
    return s.error();
  }
  if (auto s = take(row.get_text("created_at"), created); !s) return s.error();
  if (auto s = take(optional_time(row, "deletion_due_at"), u.deletion_due); !s) return s.error();
  auto parsed = parse_status(status);
  if (!parsed) return parsed.error();
  u.status = *parsed;
  auto at = parse_time(created);
  if (!at) return at.error();
  u.created_at = *at;
  u.has_password = has_password != 0;
  u.mfa_active = mfa_active != 0;
  if (boundary_managed || boundary_document) {
    u.permission_boundary = PolicySource{boundary_managed, boundary_document};
  }
  try {
    const auto json = nlohmann::json::parse(tags);
    for (const auto& [key, value] : json.items()) u.tags[key] = value.get<std::string>();
  } catch (const nlohmann::json::exception&) {
    return Error(Code::kDataLoss, "user " + u.name,
                 "the stored tags are not a JSON object of strings");
  }
  auto groups = names(tx,
                      "SELECT g.name FROM identity_group_members m JOIN identity_groups g "
                      "ON g.id = m.group_id WHERE m.user_id = ? ORDER BY g.name",
                      u.id);
  if (!groups) return groups.error();
  u.groups = std::move(*groups);
  auto roles = names(tx,
                     "SELECT r.name FROM identity_role_members m JOIN identity_roles r "
                     "ON r.id = m.role_id WHERE m.user_id = ? ORDER BY r.name",
                     u.id);
  if (!roles) return roles.error();
  u.roles = std::move(*roles);
  return u;
}

bool parse_int(std::string_view text, int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string time_text(core::TimePoint time) {
  return core::format_rfc3339(time);
}

core::Result<core::TimePoint> parse_time(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS.mmmZ
  const Error bad(Code::kDataLoss, "identity",
                  "the stored time \"" + std::string(text) + "\" is not RFC 3339 UTC");
  if (text.size() != 24 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != '.' || text[23] != 'Z') {
    return bad;
  }
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  if (!parse_int(text.substr(0, 4), year) || !parse_int(text.substr(5, 2), month) ||
      !parse_int(text.substr(8, 2), day) || !parse_int(text.substr(11, 2), hour) ||
      !parse_int(text.substr(14, 2), minute) || !parse_int(text.substr(17, 2), second) ||
      !parse_int(text.substr(20, 3), millis)) {
    return bad;
  }
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return bad;
  const auto time = std::chrono::sys_days(date) + std::chrono::hours(hour) +
                    std::chrono::minutes(minute) + std::chrono::seconds(second) +
                    std::chrono::milliseconds(millis);
  return core::TimePoint(
      std::chrono::duration_cast<core::TimePoint::duration>(time.time_since_epoch()));
}

core::Result<std::optional<core::TimePoint>> optional_time(const Row& row,
                                                           std::string_view column) {
  auto text = row.get_optional_text(column);
  if (!text) return text.error();
  if (!*text) return std::optional<core::TimePoint>();
  auto time = parse_time(**text);
  if (!time) return time.error();
  return std::optional<core::TimePoint>(*time);
}

core::Status check_name(std::string_view what, std::string_view name) {
  const auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '@' || c == '+' || c == '=' || c == ',' || c == '-';
  };
  const bool starts_well =
      !name.empty() && ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
                        (name[0] >= '0' && name[0] <= '9'));
  if (name.size() > 64 || !starts_well || !std::all_of(name.begin(), name.end(), allowed)) {
    return Error(Code::kInvalidArgument, std::string(what),
                 "a " + std::string(what) +
                     " has 1 to 64 characters from A-Z a-z 0-9 . _ @ + = , - and starts with a "
                     "letter or digit");
  }
  return {};
}

core::Result<std::string> normalise_policy_document(std::string_view what, std::string_view json) {
  // The policy engine's parser checks the whole grammar, so a document that could never be
  // evaluated is refused when it is stored, not when a request meets it.
  auto policy = load_policy(json, std::string(what));
  if (!policy) return policy.error();
  return nlohmann::json::parse(json).dump();
}

core::Result<std::optional<Tenant>> find_tenant(Transaction& tx, std::string_view name) {
  auto row = tx.query_one(std::string(kTenantColumns) + "WHERE name = ?", {std::string(name)});
  if (!row) return row.error();
  if (!*row) return std::optional<Tenant>();
  auto tenant = tenant_from_row(**row);
  if (!tenant) return tenant.error();
  return std::optional<Tenant>(std::move(*tenant));
}

core::Result<Tenant> require_tenant(Transaction& tx, std::string_view name) {
  auto tenant = find_tenant(tx, name);
  if (!tenant) return tenant.error();
  if (!*tenant) {
    if (name == kDefaultTenant) {
      return Error(Code::kNotFound, "tenant " + std::string(name),
                   "the default tenant does not exist yet; it is created with the first user "
                   "(`ward admin user create`)");
    }
    return Error(Code::kNotFound, "tenant " + std::string(name),
                 "no such tenant; `ward admin tenant list` shows the tenants");
  }
  return std::move(**tenant);
}

core::Result<Tenant> tenant_by_id(Transaction& tx, std::string_view id) {
  auto row = tx.query_one(std::string(kTenantColumns) + "WHERE id = ?", {std::string(id)});
  if (!row) return row.error();
  if (!*row) return Error(Code::kNotFound, "tenant " + std::string(id), "no such tenant");
  return tenant_from_row(**row);
}

core::Result<std::vector<User>> select_users(Transaction& tx, std::string_view where,
                                             const std::vector<store::Value>& params) {
  auto rows =
      tx.query(std::string(kUserColumns) + std::string(where) + " ORDER BY u.name, t.name", params);
  if (!rows) return rows.error();
  std::vector<User> users;
  for (const Row& row : *rows) {
    auto user = user_from_row(tx, row);
    if (!user) return user.error();
    users.push_back(std::move(*user));
  }
  return users;
}

core::Result<std::optional<User>> find_user(Transaction& tx, std::string_view tenant_id,
                                            std::string_view name) {
  auto users = select_users(tx, "WHERE u.tenant_id = ? AND u.name = ?",
                            {std::string(tenant_id), std::string(name)});
  if (!users) return users.error();
  if (users->empty()) return std::optional<User>();
  return std::optional<User>(std::move(users->front()));
}

core::Result<User> require_user(Transaction& tx, const Tenant& tenant, std::string_view name) {
  auto user = find_user(tx, tenant.id, name);
  if (!user) return user.error();
  if (!*user) {
    return Error(Code::kNotFound, "user " + std::string(name),
                 "no such user in tenant " + tenant.name + "; `ward admin user list` shows them");
  }
  return std::move(**user);
}

core::Result<std::optional<User>> user_by_id(Transaction& tx, std::string_view id) {
  auto users = select_users(tx, "WHERE u.id = ?", {std::string(id)});
  if (!users) return users.error();
  if (users->empty()) return std::optional<User>();
  return std::optional<User>(std::move(users->front()));
}

bool may_authenticate(const Tenant& tenant, const User& user) {
  return tenant.status == AccountStatus::kActive && user.status == AccountStatus::kActive;
}

core::Result<User> require_active_user(Transaction& tx, std::string_view tenant,
                                       std::string_view name) {
  auto t = require_tenant(tx, tenant);
  if (!t) return t.error();
  auto u = require_user(tx, *t, name);
  if (!u) return u.error();
  if (!may_authenticate(*t, *u)) {
    return Error(Code::kFailedPrecondition, "user " + u->name,
                 "the user or their tenant is scheduled for deletion; restore it first");
  }
  return u;
}

AuthenticatedPrincipal principal_for(const Tenant& tenant, const User& user, AuthMethod method) {
  AuthenticatedPrincipal p;
  p.tenant_id = tenant.id;
  p.tenant_name = tenant.name;
  p.region = tenant.region;
  p.user_id = user.id;
  p.user_name = user.name;
  p.method = method;
  p.tags = user.tags;
  return p;
}

}  // namespace ward::gov::identity_internal
