#pragma once
// The gov module's tables. Call migrate() once at start-up, before using any gov class on `db`.

#include "core/error.h"
#include "store/store.h"

namespace ward::gov {

core::Status migrate(store::Database& db);

}  // namespace ward::gov
