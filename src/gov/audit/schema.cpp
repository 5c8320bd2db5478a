#include "gov/audit/schema.h"

#include <array>

namespace ward::gov {
namespace {

// docs/audit.md describes every column. The events are append-only: rows are inserted by
// AuditLog and never updated, except that erasure of a user's personal data clears the personal
// columns (actor_user, actor_source_ip, actor_user_agent, personal_salt) and sets erased_at; the
// chain covers personal_commitment instead of those columns. Nothing here deletes rows.
const std::array<store::Migration, 1> kMigrations = {{
    {1, "hash-chained audit events and signed checkpoints",
     "CREATE TABLE audit_events ("
     "  seq BIGINT PRIMARY KEY,"
     "  id TEXT NOT NULL UNIQUE,"
     "  time TEXT NOT NULL,"
     "  tenant TEXT NOT NULL,"
     "  actor_user TEXT,"
     "  actor_auth_method TEXT NOT NULL,"
     "  actor_token_id TEXT NOT NULL,"
     "  actor_source_ip TEXT,"
     "  actor_user_agent TEXT,"
     "  personal_salt BLOB,"
     "  personal_commitment BLOB NOT NULL,"
     "  action TEXT NOT NULL,"
     "  resource TEXT NOT NULL,"
     "  params TEXT NOT NULL,"
     "  outcome TEXT NOT NULL,"
     "  error_code TEXT NOT NULL,"
     "  latency_ms BIGINT NOT NULL,"
     "  region TEXT NOT NULL,"
     "  erased_at TEXT,"
     "  hash BLOB NOT NULL"
     ");"
     "CREATE INDEX audit_events_time ON audit_events (time);"
     "CREATE INDEX audit_events_actor ON audit_events (actor_user, seq);"
     "CREATE INDEX audit_events_action ON audit_events (action, seq);"
     "CREATE TABLE audit_checkpoints ("
     "  id TEXT PRIMARY KEY,"
     "  seq BIGINT NOT NULL,"
     "  head_hash BLOB NOT NULL,"
     "  time TEXT NOT NULL,"
     "  key_id TEXT NOT NULL,"
     "  reason TEXT NOT NULL,"
     "  signature BLOB NOT NULL"
     ");"
     "CREATE INDEX audit_checkpoints_seq ON audit_checkpoints (seq)"},
}};

}  // namespace

core::Status migrate_audit(store::Database& db) {
  return db.migrate("gov.audit", kMigrations);
}

}  // namespace ward::gov
