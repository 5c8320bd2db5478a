#include "gov/schema.h"

#include <array>

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

core::Status migrate(store::Database& db) { return db.migrate("gov", kMigrations); }

}  // namespace ward::gov
