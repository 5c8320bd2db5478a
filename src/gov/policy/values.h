#pragma once
// The typed values of policy conditions: numbers, dates, booleans and IP addresses/networks, each
// parsed from the text a policy or a request carries. Pure functions; safe from any thread.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace ward::gov {

// A decimal number: an optional `-`, digits, and an optional fraction ("10", "-2.5"). No
// exponents, no leading `+`, no "inf" or "nan".
std::optional<double> parse_policy_number(std::string_view text);

// "true" or "false", in any case.
std::optional<bool> parse_policy_bool(std::string_view text);

// A point in time as milliseconds since the Unix epoch (UTC), from either epoch seconds
// ("1735689600") or RFC 3339: a date ("2025-01-01", midnight UTC) or a date and time with a
// fraction (truncated to milliseconds) and a `Z` or `±HH:MM` offset ("2025-01-01T09:30:00+01:00").
std::optional<std::int64_t> parse_policy_date(std::string_view text);

// An IPv4 or IPv6 network: an address and a prefix length (32 or 128 for a single address).
struct IpNetwork {
  bool v6 = false;
  std::array<unsigned char, 16> bytes{};  // IPv4 uses the first 4
  int prefix = 0;

  // True when `address` (a single address of the same family) lies in this network.
  bool contains(const IpNetwork& address) const;
};

// An address ("192.0.2.7", "2001:db8::1") or a CIDR block ("192.0.2.0/24", "2001:db8::/32"). Host
// bits set below the prefix are ignored. With `unmap_v4`, an IPv4-mapped IPv6 address
// ("::ffff:192.0.2.7") is read as the IPv4 address it carries (Ward does so for request values).
core::Result<IpNetwork> parse_ip_network(std::string_view text, bool unmap_v4 = false);

}  // namespace ward::gov
