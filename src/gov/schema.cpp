#include "gov/schema.h"

#include <array>

#include "gov/audit/schema.h"
#include "gov/identity/schema.h"
#include "gov/keys/schema.h"
#include "gov/tenancy/conversations.h"
#include "gov/tenancy/quota.h"

namespace ward::gov {

namespace {

const std::array<store::Migration, 1> kMigrations = {{
    {1, "bootstrap tokens",
     "CREATE TABLE bootstrap_tokens ("
     "  id TEXT PRIMARY KEY,"
     "  token_hash BLOB NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  expires_at TEXT NOT NULL,"
     "  redeemed_at TEXT"
     ")"},
}};

}  // namespace

core::Status migrate(store::Database& db) {
  if (auto status = db.migrate("gov", kMigrations); !status) return status;
  if (auto status = migrate_keys(db); !status) return status;
  if (auto status = migrate_audit(db); !status) return status;
  if (auto status = migrate_identity(db); !status) return status;
  if (auto status = migrate_tenancy(db); !status) return status;
  return migrate_conversations(db);  // after identity: its rows belong to tenants and users
}

}  // namespace ward::gov
