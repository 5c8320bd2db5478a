#include "gov/tenancy/residency.h"

#include <fmt/format.h>

namespace ward::gov {

using core::Code;
using core::Error;

RegionMap region_map(const core::Config& config) {
  RegionMap map;
  map.geography_of.insert(config.region_geographies.begin(), config.region_geographies.end());
  map.geography_of.try_emplace(config.region, config.region);
  return map;
}

core::Result<ResidencyDecision> check_residency(const RegionMap& regions,
                                                const std::string& home_region,
                                                const std::string& target_region,
                                                bool cross_region_allowed) {
  if (home_region == target_region) return ResidencyDecision{};
  for (const auto* region : {&home_region, &target_region}) {
    if (!regions.geography_of.contains(*region)) {
      return Error(Code::kFailedPrecondition, *region,
                   "this region is not in the configured region map; add it to [regions] with "
                   "its geography");
    }
  }
  const std::string& home_geography = regions.geography_of.find(home_region)->second;
  const std::string& target_geography = regions.geography_of.find(target_region)->second;
  if (home_geography != target_geography) {
    return Error(
        Code::kPermissionDenied, target_region,
        fmt::format("content of a tenant homed in {} ({}) may not be sent to {} ({}), "
                    "which is in another geography; use a backend in {}",
                    home_region, home_geography, target_region, target_geography, home_geography));
  }
  if (!cross_region_allowed) {
    return Error(Code::kPermissionDenied, target_region,
                 fmt::format("content of a tenant homed in {} may not be sent to {}; use a backend "
                             "in {} or grant ward:CrossRegionInference",
                             home_region, target_region, home_region));
  }
  return ResidencyDecision{.crosses_region = true};
}

}  // namespace ward::gov
