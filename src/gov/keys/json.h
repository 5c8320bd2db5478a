#pragma once
// The JSON form of key state and key operations, shared by the API (/api/v1/admin/keys) and
// `ward admin keys`, so that both describe keys the same way. Never holds key material: versions,
// states, dates and counts only. Tenants are named by the caller (people know them by name, the
// keyring by id). Pure functions; thread-safe.

#include <nlohmann/json.hpp>
#include <string>

#include "gov/keys/keyring.h"

namespace ward::gov {

// {"tenant", "destroyed_at", "versions": [{"version", "origin", "state", "material_present",
//  "created_at", "revoked_at", "data_keys"}], "data_keys", "active_data_keys"}
nlohmann::json key_status_json(const KeyStatus& status, const std::string& tenant_name);

// {"tenant", "operation", "kek_version", "description"}
nlohmann::json key_change_json(const KeyChange& change, const std::string& tenant_name);

// {"tenant", "operation": "rewrap", "kek_version", "data_keys", "rewrapped", "already_current",
//  "unavailable", "description"}
nlohmann::json rewrap_report_json(const RewrapReport& report, const std::string& tenant_name);

}  // namespace ward::gov
