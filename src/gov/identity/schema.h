#pragma once
// The identity tables (component "gov.identity" in schema_migrations): tenants, users, groups,
// roles, memberships, policy attachments, TOTP enrolments and API tokens. gov::migrate() applies
// them; call migrate_identity() directly only where gov::migrate() is not used (tests of identity
// alone). The default tenant is not created here but on first use (Directory), because its region
// comes from the configuration.

#include "core/error.h"
#include "store/store.h"

namespace ward::gov {

core::Status migrate_identity(store::Database& db);

}  // namespace ward::gov
