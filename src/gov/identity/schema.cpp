#include "gov/identity/schema.h"

#include <array>

namespace ward::gov {
namespace {

// Times are RFC 3339 text (core::format_rfc3339), so they compare correctly as strings. Rows that
// belong to a user or tenant go with it (ON DELETE CASCADE): purging a user is one DELETE.
const std::array<store::Migration, 4> kMigrations = {{
    {1, "tenants, users, groups, roles, policies, TOTP, API tokens",
     "CREATE TABLE identity_tenants ("
     "  id TEXT PRIMARY KEY,"
     "  name TEXT NOT NULL UNIQUE,"
     "  region TEXT NOT NULL,"
     "  require_mfa BIGINT NOT NULL,"
     "  status TEXT NOT NULL,"
     "  deletion_due_at TEXT,"
     "  created_at TEXT NOT NULL"
     ");"
     "CREATE TABLE identity_users ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES identity_tenants (id) ON DELETE CASCADE,"
     "  name TEXT NOT NULL,"
     "  status TEXT NOT NULL,"
     "  deletion_due_at TEXT,"
     "  password_hash TEXT,"
     "  tags TEXT NOT NULL,"
     "  boundary_managed TEXT,"
     "  boundary_document TEXT,"
     "  created_at TEXT NOT NULL,"
     "  UNIQUE (tenant_id, name)"
     ");"
     "CREATE INDEX identity_users_deletion ON identity_users (status, deletion_due_at);"
     "CREATE TABLE identity_groups ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES identity_tenants (id) ON DELETE CASCADE,"
     "  name TEXT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  UNIQUE (tenant_id, name)"
     ");"
     "CREATE TABLE identity_roles ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES identity_tenants (id) ON DELETE CASCADE,"
     "  name TEXT NOT NULL,"
     "  description TEXT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  UNIQUE (tenant_id, name)"
     ");"
     "CREATE TABLE identity_group_members ("
     "  group_id TEXT NOT NULL REFERENCES identity_groups (id) ON DELETE CASCADE,"
     "  user_id TEXT NOT NULL REFERENCES identity_users (id) ON DELETE CASCADE,"
     "  added_at TEXT NOT NULL,"
     "  PRIMARY KEY (group_id, user_id)"
     ");"
     "CREATE INDEX identity_group_members_user ON identity_group_members (user_id);"
     "CREATE TABLE identity_role_members ("
     "  role_id TEXT NOT NULL REFERENCES identity_roles (id) ON DELETE CASCADE,"
     "  user_id TEXT NOT NULL REFERENCES identity_users (id) ON DELETE CASCADE,"
     "  added_at TEXT NOT NULL,"
     "  PRIMARY KEY (role_id, user_id)"
     ");"
     "CREATE INDEX identity_role_members_user ON identity_role_members (user_id);"
     // Exactly one of user_id, group_id, role_id and one of managed_name, document is set.
     "CREATE TABLE identity_policy_attachments ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES identity_tenants (id) ON DELETE CASCADE,"
     "  user_id TEXT REFERENCES identity_users (id) ON DELETE CASCADE,"
     "  group_id TEXT REFERENCES identity_groups (id) ON DELETE CASCADE,"
     "  role_id TEXT REFERENCES identity_roles (id) ON DELETE CASCADE,"
     "  managed_name TEXT,"
     "  document TEXT,"
     "  created_at TEXT NOT NULL"
     ");"
     "CREATE INDEX identity_policy_attachments_user ON identity_policy_attachments (user_id);"
     "CREATE INDEX identity_policy_attachments_group ON identity_policy_attachments (group_id);"
     "CREATE INDEX identity_policy_attachments_role ON identity_policy_attachments (role_id);"
     // state is 'pending' (enrolled, not yet confirmed) or 'active'; a user has at most one of
     // each. sealed_secret is the SecretSealer's output, never the seed itself. last_step is the
     // last accepted TOTP time step (each code is accepted once).
     "CREATE TABLE identity_totp ("
     "  user_id TEXT NOT NULL REFERENCES identity_users (id) ON DELETE CASCADE,"
     "  state TEXT NOT NULL,"
     "  algorithm TEXT NOT NULL,"
     "  sealed_secret BLOB NOT NULL,"
     "  last_step BIGINT,"
     "  created_at TEXT NOT NULL,"
     "  confirmed_at TEXT,"
     "  PRIMARY KEY (user_id, state)"
     ");"
     // token_hash is SHA-256 of the whole token text; the token itself is never stored.
     "CREATE TABLE identity_tokens ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES identity_tenants (id) ON DELETE CASCADE,"
     "  user_id TEXT NOT NULL REFERENCES identity_users (id) ON DELETE CASCADE,"
     "  token_hash BLOB NOT NULL,"
     "  session_policy TEXT,"
     "  created_at TEXT NOT NULL,"
     "  expires_at TEXT NOT NULL,"
     "  revoked_at TEXT,"
     "  last_used_at TEXT"
     ");"
     "CREATE INDEX identity_tokens_user ON identity_tokens (user_id)"},
    {2, "users signed in through an OpenID provider",
     // managed_roles: a JSON array of the role names the provider's groups granted, so that roles
     // an administrator assigned by hand are never taken away by a login.
     "CREATE TABLE identity_external_ids ("
     "  issuer TEXT NOT NULL,"
     "  subject TEXT NOT NULL,"
     "  user_id TEXT NOT NULL REFERENCES identity_users (id) ON DELETE CASCADE,"
     "  managed_roles TEXT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  PRIMARY KEY (issuer, subject)"
     ")"},
    {3, "tenant tiers and guardrail policies",
     // A guardrail is a policy attached to the tenant itself: it limits what anyone in the tenant
     // may do and never grants anything (see gov/policy/authorizer.h).
     "ALTER TABLE identity_tenants ADD COLUMN tier TEXT NOT NULL DEFAULT 'free';"
     "ALTER TABLE identity_policy_attachments ADD COLUMN guardrail_tenant_id TEXT "
     "REFERENCES identity_tenants (id) ON DELETE CASCADE;"
     "CREATE INDEX identity_policy_attachments_guardrail "
     "ON identity_policy_attachments (guardrail_tenant_id)"},
    {4, "browser sessions after single sign-on",
     // session_hash is SHA-256 of the whole cookie text; the cookie itself is never stored.
     // method is how the user signed in (auth_method_name), mfa whether a second factor was
     // asserted then. A session ends at expires_at, when revoked, or when idle too long
     // (last_seen_at, updated at most once a minute).
     "CREATE TABLE identity_sessions ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES identity_tenants (id) ON DELETE CASCADE,"
     "  user_id TEXT NOT NULL REFERENCES identity_users (id) ON DELETE CASCADE,"
     "  session_hash BLOB NOT NULL,"
     "  method TEXT NOT NULL,"
     "  mfa BIGINT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  expires_at TEXT NOT NULL,"
     "  last_seen_at TEXT NOT NULL,"
     "  revoked_at TEXT"
     ");"
     "CREATE INDEX identity_sessions_user ON identity_sessions (user_id);"
     "CREATE INDEX identity_sessions_expiry ON identity_sessions (expires_at)"},
}};

}  // namespace

core::Status migrate_identity(store::Database& db) {
  return db.migrate("gov.identity", kMigrations);
}

}  // namespace ward::gov
