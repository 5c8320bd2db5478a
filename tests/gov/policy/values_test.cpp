#include "gov/policy/values.h"

#include <gtest/gtest.h>

namespace ward::gov {
namespace {

TEST(PolicyValuesTest, Numbers) {
  EXPECT_EQ(parse_policy_number("10"), 10.0);
  EXPECT_EQ(parse_policy_number("-2.5"), -2.5);
  EXPECT_EQ(parse_policy_number("0.125"), 0.125);
  for (const char* bad :
       {"", "-", "+1", "1.", ".5", "1e3", "inf", "nan", "0x10", " 1", "1 ", "1,5"}) {
    EXPECT_FALSE(parse_policy_number(bad).has_value()) << bad;
  }
}

TEST(PolicyValuesTest, Booleans) {
  EXPECT_EQ(parse_policy_bool("true"), true);
  EXPECT_EQ(parse_policy_bool("TRUE"), true);
  EXPECT_EQ(parse_policy_bool("False"), false);
  EXPECT_FALSE(parse_policy_bool("yes").has_value());
  EXPECT_FALSE(parse_policy_bool("1").has_value());
  EXPECT_FALSE(parse_policy_bool("truee").has_value());
}

TEST(PolicyValuesTest, DatesInEveryAcceptedForm) {
  const std::int64_t new_year_2025 = 1735689600LL * 1000;
  EXPECT_EQ(parse_policy_date("1735689600"), new_year_2025);
  EXPECT_EQ(parse_policy_date("2025-01-01"), new_year_2025);
  EXPECT_EQ(parse_policy_date("2025-01-01T00:00:00Z"), new_year_2025);
  EXPECT_EQ(parse_policy_date("2025-01-01t00:00:00z"), new_year_2025);
  EXPECT_EQ(parse_policy_date("2025-01-01T01:30:00+01:30"), new_year_2025);
  EXPECT_EQ(parse_policy_date("2024-12-31T19:00:00-05:00"), new_year_2025);
  EXPECT_EQ(parse_policy_date("2025-01-01T00:00:00.25Z"), new_year_2025 + 250);
  EXPECT_EQ(parse_policy_date("2025-01-01T00:00:00.123456789Z"), new_year_2025 + 123);
  EXPECT_EQ(parse_policy_date("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_policy_date("2025"), 2025 * 1000);  // all digits: epoch seconds
  EXPECT_EQ(parse_policy_date("2024-02-29"), 1709164800LL * 1000);
}

TEST(PolicyValuesTest, RejectsMalformedDates) {
  for (const char* bad :
       {"", "2025-1", "2025-1-01", "2025-02-30", "2023-02-29", "2025-13-01", "2025-01-01T00:00:00",
        "2025-01-01T24:00:00Z", "2025-01-01T00:60:00Z", "2025-01-01 00:00:00Z",
        "2025-01-01T00:00:00.Z", "2025-01-01T00:00:00+0100", "2025-01-01T00:00:00+24:00",
        "tomorrow", "-5", "123456789012"}) {
    EXPECT_FALSE(parse_policy_date(bad).has_value()) << bad;
  }
}

TEST(PolicyValuesTest, Ipv4Networks) {
  auto network = parse_ip_network("192.168.0.0/23");
  ASSERT_TRUE(network.ok());
  EXPECT_FALSE(network->v6);
  EXPECT_EQ(network->prefix, 23);
  EXPECT_TRUE(network->contains(*parse_ip_network("192.168.1.255")));
  EXPECT_FALSE(network->contains(*parse_ip_network("192.168.2.0")));
  EXPECT_TRUE(parse_ip_network("0.0.0.0/0")->contains(*parse_ip_network("203.0.113.9")));
  auto single = parse_ip_network("203.0.113.9");
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->prefix, 32);
  EXPECT_TRUE(single->contains(*parse_ip_network("203.0.113.9")));
  EXPECT_FALSE(single->contains(*parse_ip_network("203.0.113.8")));
  // Host bits below the prefix are ignored.
  EXPECT_TRUE(parse_ip_network("10.1.2.3/8")->contains(*parse_ip_network("10.200.0.1")));
}

TEST(PolicyValuesTest, Ipv6Networks) {
  auto network = parse_ip_network("2001:db8::/32");
  ASSERT_TRUE(network.ok());
  EXPECT_TRUE(network->v6);
  EXPECT_TRUE(network->contains(*parse_ip_network("2001:db8:ffff::1")));
  EXPECT_FALSE(network->contains(*parse_ip_network("2001:db9::1")));
  EXPECT_TRUE(parse_ip_network("2001:db8::/127")->contains(*parse_ip_network("2001:db8::1")));
  EXPECT_FALSE(parse_ip_network("2001:db8::/127")->contains(*parse_ip_network("2001:db8::2")));
  EXPECT_TRUE(parse_ip_network("::/0")->contains(*parse_ip_network("fe80::1")));
  EXPECT_EQ(parse_ip_network("::1")->prefix, 128);
  // IPv4 and IPv6 never match each other.
  EXPECT_FALSE(parse_ip_network("::/0")->contains(*parse_ip_network("10.0.0.1")));
  EXPECT_FALSE(parse_ip_network("0.0.0.0/0")->contains(*parse_ip_network("::1")));
}

TEST(PolicyValuesTest, MappedIpv4IsUnmappedOnlyWhenAsked) {
  auto mapped = parse_ip_network("::ffff:10.0.0.1", /*unmap_v4=*/true);
  ASSERT_TRUE(mapped.ok());
  EXPECT_FALSE(mapped->v6);
  EXPECT_TRUE(parse_ip_network("10.0.0.0/8")->contains(*mapped));
  EXPECT_TRUE(parse_ip_network("::ffff:10.0.0.1")->v6);
}

TEST(PolicyValuesTest, RejectsMalformedAddresses) {
  for (const char* bad : {"", "10.0.0", "10.0.0.256", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/a",
                          "10.0.0.0/08", "2001:db8::/129", "2001:db8:::1", "fe80::1%eth0",
                          "010.0.0.1", "example.com", "10.0.0.0/8/8"}) {
    auto parsed = parse_ip_network(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().code(), core::Code::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace ward::gov
