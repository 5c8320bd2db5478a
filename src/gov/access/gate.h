#pragma once
// The access gate: the one decision every request of an authenticated principal passes before it
// does anything. It gathers the policies that apply to the principal from the identity store —
// the tenant's guardrails, the user's permission boundary, the session policy the credential
// carries (an API token's scopes), and the identity policies of the user, its groups and its
// roles — fills in the context keys that describe the principal and its session, and asks the
// authorizer (gov/policy/authorizer.h). Callers add what only they know (ward:SourceIp,
// ward:SecureTransport, ward:RequestedRegion) to the context.
//
// Stored policies were checked when attached, so a stored policy that no longer parses means the
// store was changed behind Ward's back: that is kDataLoss, and the request is refused.
//
// Thread-safe: state is in the store.

#include <string_view>

#include "core/clock.h"
#include "core/error.h"
#include "gov/identity/model.h"
#include "gov/policy/authorizer.h"
#include "gov/policy/request.h"
#include "store/store.h"

namespace ward::gov {

class AccessGate {
 public:
  // `db` must have had gov::migrate applied.
  AccessGate(store::Database& db, const core::Clock& clock) : db_(db), clock_(clock) {}

  // Decides whether `principal` may perform `action` on `resource`. `context` holds the keys the
  // caller knows; the principal's keys (ward:username, ward:tenant, tags, ward:PrincipalGroups,
  // ward:AuthMethod, ward:TokenId, ward:MultiFactorAuthPresent) are set here and cannot be forged
  // by the caller. An error means no decision could be made: refuse the request.
  core::Result<AccessDecision> decide(const AuthenticatedPrincipal& principal,
                                      std::string_view action, std::string_view resource,
                                      RequestContext context = {});

  // The policies that apply to `principal`, by layer.
  core::Result<PolicyLayers> layers_for(const AuthenticatedPrincipal& principal,
                                        std::vector<std::string>* groups = nullptr);

 private:
  store::Database& db_;
  const core::Clock& clock_;
};

}  // namespace ward::gov
