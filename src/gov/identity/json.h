#pragma once
// The JSON forms of identity objects that Ward shows to people and programs: `ward admin … --json`
// and the admin API print the same shape. They never contain a secret (password hash, token
// text, TOTP seed). Pure functions.

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "gov/identity/model.h"
#include "gov/identity/tokens.h"

namespace ward::gov {

nlohmann::json user_json(const User& user);
// `now` decides the token's state (active, expired, revoked).
nlohmann::json token_json(const TokenInfo& token, core::TimePoint now);
nlohmann::json attachment_json(const AttachedPolicy& attachment);

}  // namespace ward::gov
