#pragma once
// The audit tables (component "gov.audit" in schema_migrations): audit_events, the hash-chained
// events, and audit_checkpoints, the signed checkpoints. gov::migrate() applies them; call
// migrate_audit() directly only where gov::migrate() is not used (tests of the audit log alone).

#include "core/error.h"
#include "store/store.h"

namespace ward::gov {

core::Status migrate_audit(store::Database& db);

}  // namespace ward::gov
