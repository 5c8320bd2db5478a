#pragma once
// The keyring's tables (migration component "gov.keys"): key-encryption key versions (metadata
// and check values only; the key material is in the keyring file), wrapped data keys, the
// tombstones of destroyed tenants, and the master secret's check value. gov::migrate applies it.

#include "core/error.h"
#include "store/store.h"

namespace ward::gov {

core::Status migrate_keys(store::Database& db);

}  // namespace ward::gov
