#pragma once
// Data residency: content stays in the tenant's home region.
//
// Every tenant has a home region and every store and model backend carries a region label. Before
// content is sent anywhere, check_residency decides: the same region is fine; another region is
// refused unless both regions are in the same geography (e.g. uk-south and uk-west in "uk") AND the
// caller's policy allows ward:CrossRegionInference — and such a crossing must be audited, which the
// decision says. Regions in different geographies are never crossed. A RegionMap is a plain value.

#include <map>
#include <string>

#include "core/config.h"
#include "core/error.h"

namespace ward::gov {

// Which geography each known region belongs to (from configuration).
struct RegionMap {
  std::map<std::string, std::string, std::less<>> geography_of;
};

// The configuration's [regions] map; the deployment's own `region`, when not listed, forms a
// geography of its own.
RegionMap region_map(const core::Config& config);

struct ResidencyDecision {
  bool crosses_region = false;  // allowed, but content leaves the home region: audit it
};

// `cross_region_allowed` is the policy decision for ward:CrossRegionInference on this request.
// Refusals are kPermissionDenied naming both regions; an unknown region is kFailedPrecondition
// (a configuration error: every region label must be in the map).
core::Result<ResidencyDecision> check_residency(const RegionMap& regions,
                                                const std::string& home_region,
                                                const std::string& target_region,
                                                bool cross_region_allowed);

}  // namespace ward::gov
