#include "gov/keys/schema.h"

#include <array>

namespace ward::gov {
namespace {

const std::array<store::Migration, 1> kMigrations = {{
    {1, "keyring",
     // name: "master_check" (MasterKey::check_value of the master secret in use).
     "CREATE TABLE keys_meta ("
     "  name TEXT PRIMARY KEY,"
     "  value BLOB NOT NULL"
     ");"
     // One row per KEK version; origin 'ward-managed' or 'imported', state 'enabled' or
     // 'revoked'; check_value identifies the material (HMAC under it) without revealing it.
     "CREATE TABLE keys_kek ("
     "  tenant TEXT NOT NULL,"
     "  version BIGINT NOT NULL,"
     "  origin TEXT NOT NULL,"
     "  check_value BLOB NOT NULL,"
     "  state TEXT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  revoked_at TEXT,"
     "  PRIMARY KEY (tenant, version)"
     ");"
     // One row per data key: hex id, its generation within (tenant, purpose), the KEK version
     // wrapping it, the wrapped key, encryptions reserved so far, and whether new encryptions use
     // it (exactly one active row per tenant and purpose).
     "CREATE TABLE keys_dek ("
     "  id TEXT PRIMARY KEY,"
     "  tenant TEXT NOT NULL,"
     "  purpose TEXT NOT NULL,"
     "  generation BIGINT NOT NULL,"
     "  kek_version BIGINT NOT NULL,"
     "  wrapped BLOB NOT NULL,"
     "  uses BIGINT NOT NULL,"
     "  active BIGINT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  retired_at TEXT,"
     "  UNIQUE (tenant, purpose, generation),"
     "  FOREIGN KEY (tenant, kek_version) REFERENCES keys_kek (tenant, version)"
     ");"
     "CREATE INDEX keys_dek_by_kek ON keys_dek (tenant, kek_version);"
     "CREATE INDEX keys_dek_active ON keys_dek (tenant, purpose, active);"
     // Tenants whose keys were destroyed (crypto-shredded); they never get keys again.
     "CREATE TABLE keys_destroyed ("
     "  tenant TEXT PRIMARY KEY,"
     "  destroyed_at TEXT NOT NULL"
     ")"},
}};

}  // namespace

core::Status migrate_keys(store::Database& db) {
  return db.migrate("gov.keys", kMigrations);
}

}  // namespace ward::gov
