#include "gov/tenancy/tiers.h"

#include <fmt/format.h>

namespace ward::gov {

using core::Code;
using core::Error;

TierCatalog::TierCatalog() {
  profiles_["free"] = TierProfile{.name = "free",
                                  .store_content = false,
                                  .user_opt_out_allowed = true,
                                  .retention_days = 30,
                                  .requests_per_minute = 30,
                                  .tokens_per_day = 200'000,
                                  .byok = false};
  profiles_["pro"] = TierProfile{.name = "pro",
                                 .store_content = true,
                                 .user_opt_out_allowed = true,
                                 .retention_days = 90,
                                 .requests_per_minute = 120,
                                 .tokens_per_day = 0,
                                 .byok = true};
}

core::Status TierCatalog::put(TierProfile profile) {
  const std::string where = "tiers." + profile.name;
  if (profile.name.empty()) {
    return Error(Code::kInvalidArgument, "tiers", "a tier needs a name");
  }
  if (profile.retention_days <= 0) {
    return Error(Code::kInvalidArgument, where + ".retention_days", "must be at least 1 day");
  }
  if (profile.requests_per_minute <= 0) {
    return Error(Code::kInvalidArgument, where + ".requests_per_minute", "must be at least 1");
  }
  if (profile.tokens_per_day < 0) {
    return Error(Code::kInvalidArgument, where + ".tokens_per_day",
                 "must be 0 (unlimited) or a positive number of tokens");
  }
  profiles_[profile.name] = std::move(profile);
  return {};
}

core::Result<TierProfile> TierCatalog::find(std::string_view name) const {
  auto it = profiles_.find(name);
  if (it != profiles_.end()) return it->second;
  std::string known;
  for (const auto& [known_name, profile] : profiles_)
    known += (known.empty() ? "" : ", ") + known_name;
  return Error(Code::kNotFound, std::string(name),
               fmt::format("no such tier; known tiers: {}", known));
}

std::vector<std::string> TierCatalog::names() const {
  std::vector<std::string> names;
  for (const auto& [name, profile] : profiles_) names.push_back(name);
  return names;
}

core::Result<TierCatalog> tier_catalog(const core::Config& config) {
  TierCatalog catalog;
  for (const auto& [name, overrides] : config.tiers) {
    auto existing = catalog.find(name);
    TierProfile profile = existing ? *existing : TierProfile{};
    profile.name = name;
    if (overrides.store_content) profile.store_content = *overrides.store_content;
    if (overrides.user_opt_out_allowed)
      profile.user_opt_out_allowed = *overrides.user_opt_out_allowed;
    if (overrides.byok) profile.byok = *overrides.byok;
    if (overrides.retention_days)
      profile.retention_days = static_cast<int>(*overrides.retention_days);
    if (overrides.requests_per_minute) {
      profile.requests_per_minute = static_cast<int>(*overrides.requests_per_minute);
    }
    if (overrides.tokens_per_day) profile.tokens_per_day = *overrides.tokens_per_day;
    if (auto status = catalog.put(std::move(profile)); !status) return status.error();
  }
  return catalog;
}

bool content_may_be_stored(const TierProfile& tier, bool user_opted_out) {
  if (!tier.store_content) return false;
  return !(user_opted_out && tier.user_opt_out_allowed);
}

core::Status check_byok_offered(const TierProfile& tier, std::string_view tenant_name) {
  if (tier.byok) return {};
  return core::Error(core::Code::kFailedPrecondition, fmt::format("tenant {}", tenant_name),
                     fmt::format("its tier \"{}\" does not offer customer-managed keys (BYOK); "
                                 "put it on a tier that does (`ward admin tenant set-tier`), "
                                 "e.g. \"pro\" or one with byok = true in [tiers.NAME]",
                                 tier.name));
}

}  // namespace ward::gov
