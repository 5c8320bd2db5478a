#include "gov/tenancy/tiers.h"

#include <gtest/gtest.h>

namespace ward::gov {
namespace {

TEST(TenancyTiersTest, BuiltInTiersExist) {
  TierCatalog catalog;
  EXPECT_EQ(catalog.names(), (std::vector<std::string>{"free", "pro"}));
  auto free = catalog.find("free");
  ASSERT_TRUE(free.ok());
  EXPECT_FALSE(free->store_content);
  EXPECT_FALSE(free->byok);
  EXPECT_TRUE(catalog.find("pro")->byok);
}

TEST(TenancyTiersTest, CustomTierOverridesAndAdds) {
  TierCatalog catalog;
  TierProfile gov;
  gov.name = "government";
  gov.store_content = true;
  gov.user_opt_out_allowed = false;
  gov.retention_days = 365;
  ASSERT_TRUE(catalog.put(gov).ok());
  EXPECT_EQ(catalog.find("government")->retention_days, 365);
  TierProfile free = *catalog.find("free");
  free.requests_per_minute = 5;
  ASSERT_TRUE(catalog.put(free).ok());
  EXPECT_EQ(catalog.find("free")->requests_per_minute, 5);
}

TEST(TenancyTiersTest, RejectsBadProfilesNamingTheField) {
  TierCatalog catalog;
  TierProfile bad;
  bad.name = "x";
  bad.retention_days = 0;
  auto status = catalog.put(bad);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().where(), "tiers.x.retention_days");
  bad.retention_days = 1;
  bad.requests_per_minute = 0;
  EXPECT_EQ(catalog.put(bad).error().where(), "tiers.x.requests_per_minute");
  auto missing = catalog.find("platinum");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().to_string(), "platinum: no such tier; known tiers: free, pro");
}

TEST(TenancyTiersTest, ConfigurationOverridesAndAddsTiers) {
  core::Config config;
  config.tiers["pro"].requests_per_minute = 7;
  config.tiers["gov"].retention_days = 400;
  config.tiers["gov"].store_content = true;
  auto catalog = tier_catalog(config);
  ASSERT_TRUE(catalog.ok()) << catalog.error().to_string();
  EXPECT_EQ(catalog->find("pro")->requests_per_minute, 7);
  EXPECT_TRUE(catalog->find("pro")->byok);  // untouched fields keep the built-in value
  EXPECT_EQ(catalog->find("gov")->retention_days, 400);
  EXPECT_TRUE(catalog->find("gov")->store_content);
  config.tiers["bad"].requests_per_minute = 0;
  auto bad = tier_catalog(config);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().where(), "tiers.bad.requests_per_minute");
}

TEST(TenancyTiersTest, ContentStorageHonoursTierAndOptOut) {
  TierProfile tier;
  tier.store_content = false;
  EXPECT_FALSE(content_may_be_stored(tier, false));
  tier.store_content = true;
  EXPECT_TRUE(content_may_be_stored(tier, false));
  EXPECT_FALSE(content_may_be_stored(tier, true));
  tier.user_opt_out_allowed = false;
  EXPECT_TRUE(content_may_be_stored(tier, true));
}

}  // namespace
}  // namespace ward::gov
