#pragma once
// Tier profiles: what an organisation's plan allows. A tier decides whether prompts and suggestions
// are stored for the organisation's own analytics (never for anything else: Ward has no outbound
// telemetry), whether users may opt out of that, how long stored content is kept, the request and
// token quotas, and whether customer-managed keys (BYOK) are offered.
//
// The catalogue starts with the built-in `free` and `pro` profiles; configuration may override them
// or add custom ones. A TierCatalog is a plain value: build it at start-up, then share it
// read-only.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/error.h"

namespace ward::gov {

struct TierProfile {
  std::string name;
  bool store_content = false;        // keep prompts and suggestions for the org's analytics
  bool user_opt_out_allowed = true;  // a user may refuse that storage for their own content
  int retention_days = 30;           // stored content is purged after this many days
  int requests_per_minute = 60;      // per user, across all features
  std::int64_t tokens_per_day = 0;   // per tenant, prompt + completion tokens; 0 = unlimited
  bool byok = false;                 // tenants may import their own key-encryption key
};

class TierCatalog {
 public:
  // The built-in profiles, `free` and `pro`.
  TierCatalog();

  // Adds a profile or replaces the one with the same name. Rejects an empty name and negative or
  // zero limits with kInvalidArgument naming the field.
  core::Status put(TierProfile profile);

  // The profile called `name`; kNotFound lists the known names.
  core::Result<TierProfile> find(std::string_view name) const;

  std::vector<std::string> names() const;

 private:
  std::map<std::string, TierProfile, std::less<>> profiles_;
};

// The built-in profiles with the configuration's [tiers.NAME] overrides applied; a new name starts
// from TierProfile's defaults. Errors name the offending tier field.
core::Result<TierCatalog> tier_catalog(const core::Config& config);

// Whether a piece of content may be stored: only when the tier stores content and the user has not
// opted out (where the tier lets users opt out).
bool content_may_be_stored(const TierProfile& tier, bool user_opted_out);

// Whether tenant `tenant_name`, on `tier`, may import its own key-encryption key (BYOK):
// kFailedPrecondition naming the tenant, the tier and the fix when the tier does not offer it.
// Only importing new material is gated: restoring a revoked key stays possible on any tier, so
// that a tenant moved to a tier without BYOK can still read its data.
core::Status check_byok_offered(const TierProfile& tier, std::string_view tenant_name);

}  // namespace ward::gov
