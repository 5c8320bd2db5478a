#include "gov/tenancy/residency.h"

#include <gtest/gtest.h>

namespace ward::gov {
namespace {

const RegionMap kRegions{{{"uk-south", "uk"}, {"uk-west", "uk"}, {"eu-west", "eu"}}};

TEST(TenancyResidencyTest, SameRegionIsAllowedWithoutCrossing) {
  auto decision = check_residency(kRegions, "uk-south", "uk-south", false);
  ASSERT_TRUE(decision.ok());
  EXPECT_FALSE(decision->crosses_region);
}

TEST(TenancyResidencyTest, SameGeographyNeedsThePolicyAndIsMarkedForAudit) {
  auto refused = check_residency(kRegions, "uk-south", "uk-west", false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), core::Code::kPermissionDenied);
  EXPECT_EQ(refused.error().to_string(),
            "uk-west: content of a tenant homed in uk-south may not be sent to uk-west; use a "
            "backend in uk-south or grant ward:CrossRegionInference");
  auto allowed = check_residency(kRegions, "uk-south", "uk-west", true);
  ASSERT_TRUE(allowed.ok());
  EXPECT_TRUE(allowed->crosses_region);
}

TEST(TenancyResidencyTest, OtherGeographyIsRefusedEvenWithThePolicy) {
  auto refused = check_residency(kRegions, "uk-south", "eu-west", true);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), core::Code::kPermissionDenied);
  EXPECT_NE(refused.error().message().find("another geography"), std::string::npos);
}

TEST(TenancyResidencyTest, MapFromConfigurationIncludesTheDeploymentRegion) {
  core::Config config;
  config.region = "uk-south";
  config.region_geographies = {{"uk-west", "uk"}};
  RegionMap map = region_map(config);
  EXPECT_EQ(map.geography_of.at("uk-west"), "uk");
  EXPECT_EQ(map.geography_of.at("uk-south"), "uk-south");
}

TEST(TenancyResidencyTest, UnknownRegionIsAConfigurationError) {
  auto unknown = check_residency(kRegions, "uk-south", "mars-1", true);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), core::Code::kFailedPrecondition);
  EXPECT_EQ(unknown.error().where(), "mars-1");
}

}  // namespace
}  // namespace ward::gov
