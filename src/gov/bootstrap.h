#pragma once
// The one-time administrator bootstrap token.
//
// A new installation has no users, so nobody could log in to create the first administrator.
// `ward serve` therefore prints a one-time bootstrap token on start while no administrator has
// been bootstrapped; whoever holds it (the operator who started the server) redeems it once to
// create the first administrator. The token is 256 bits from the CSPRNG and is stored only as its
// SHA-256 hash; every start issues a fresh one and invalidates the previous one; once a token has
// been redeemed no more are issued.
//
// Thread-safe: all state is in the store, changed in durable transactions.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"
#include "store/store.h"

namespace ward::gov {

// Every bootstrap token starts with this, so a leaked one is recognisable (e.g. by secret scanners).
inline constexpr std::string_view kBootstrapTokenPrefix = "wardboot_";

class Bootstrap {
 public:
  // `db` must have had gov::migrate applied.
  Bootstrap(store::Database& db, const core::Clock& clock) : db_(db), clock_(clock) {}

  // Issues a fresh token valid for `lifetime`, replacing any unredeemed one, and returns it; this
  // is the only time the token exists in clear. Returns std::nullopt once bootstrap is complete.
  core::Result<std::optional<std::string>> issue(std::chrono::seconds lifetime);

  // Accepts the current token exactly once, before it expires. Anything else fails with
  // kUnauthenticated and the same message, so a caller learns nothing about why.
  core::Status redeem(std::string_view token);

  // True once a token has been redeemed.
  core::Result<bool> completed();

 private:
  store::Database& db_;
  const core::Clock& clock_;
};

}  // namespace ward::gov
