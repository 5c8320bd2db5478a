#include "gov/policy/values.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cstring>

namespace ward::gov {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// Reads exactly `count` digits at text[pos].
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (!is_digit(text[i])) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

std::optional<double> parse_policy_number(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  const std::size_t int_start = i;
  while (i < text.size() && is_digit(text[i])) ++i;
  if (i == int_start) return std::nullopt;
  if (i < text.size() && text[i] == '.') {
    ++i;
    const std::size_t frac_start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i == frac_start) return std::nullopt;
  }
  if (i != text.size() || text.size() > 64) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<bool> parse_policy_bool(std::string_view text) {
  if (text.size() == 4 && (text[0] | 0x20) == 't' && (text[1] | 0x20) == 'r' &&
      (text[2] | 0x20) == 'u' && (text[3] | 0x20) == 'e') {
    return true;
  }
  if (text.size() == 5 && (text[0] | 0x20) == 'f' && (text[1] | 0x20) == 'a' &&
      (text[2] | 0x20) == 'l' && (text[3] | 0x20) == 's' && (text[4] | 0x20) == 'e') {
    return false;
  }
  return std::nullopt;
}

std::optional<std::int64_t> parse_policy_date(std::string_view text) {
  if (all_digits(text)) {
    if (text.size() > 11) return std::nullopt;  // beyond the year 5000
    std::int64_t seconds = 0;
    std::from_chars(text.data(), text.data() + text.size(), seconds);
    return seconds * 1000;
  }
  // YYYY-MM-DD
  auto year = digits(text, 0, 4);
  auto month = digits(text, 5, 2);
  auto day = digits(text, 8, 2);
  if (!year || !month || !day || text[4] != '-' || text[7] != '-') return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(*year),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  const std::int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  std::int64_t millis = days * 86'400'000;
  if (text.size() == 10) return millis;
  // THH:MM:SS[.fraction](Z|±HH:MM)
  if (text.size() < 20 || (text[10] != 'T' && text[10] != 't')) return std::nullopt;
  auto hour = digits(text, 11, 2);
  auto minute = digits(text, 14, 2);
  auto second = digits(text, 17, 2);
  if (!hour || !minute || !second || text[13] != ':' || text[16] != ':' || *hour > 23 ||
      *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  millis += (*hour * 3600LL + *minute * 60LL + *second) * 1000;
  std::size_t i = 19;
  if (text[i] == '.') {
    ++i;
    const std::size_t start = i;
    int fraction_millis = 0;
    while (i < text.size() && is_digit(text[i])) {
      if (i - start < 3) fraction_millis = fraction_millis * 10 + (text[i] - '0');
      ++i;
    }
    if (i == start || i - start > 9) return std::nullopt;
    for (std::size_t k = i - start; k < 3; ++k) fraction_millis *= 10;
    millis += fraction_millis;
  }
  const std::string_view zone = text.substr(i);
  if (zone == "Z" || zone == "z") return millis;
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') return std::nullopt;
  auto offset_hours = digits(zone, 1, 2);
  auto offset_minutes = digits(zone, 4, 2);
  if (!offset_hours || !offset_minutes || *offset_hours > 23 || *offset_minutes > 59) {
    return std::nullopt;
  }
  const std::int64_t offset = (*offset_hours * 60LL + *offset_minutes) * 60'000;
  return zone[0] == '+' ? millis - offset : millis + offset;
}

bool IpNetwork::contains(const IpNetwork& address) const {
  if (address.v6 != v6) return false;
  const int full_bytes = prefix / 8;
  if (std::memcmp(bytes.data(), address.bytes.data(), static_cast<std::size_t>(full_bytes)) != 0) {
    return false;
  }
  const int rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<unsigned char>(0xFF << (8 - rest));
  return (bytes[full_bytes] & mask) == (address.bytes[full_bytes] & mask);
}

core::Result<IpNetwork> parse_ip_network(std::string_view text, bool unmap_v4) {
  const auto invalid = [&text](std::string_view why) {
    return core::Error(core::Code::kInvalidArgument, "",
                       fmt::format("\"{}\" is not an IP address or CIDR block ({}); write e.g. "
                                   "\"192.0.2.0/24\" or \"2001:db8::/32\"",
                                   text.substr(0, 64), why));
  };
  if (text.empty() || text.size() > 64) return invalid("wrong length");
  IpNetwork network;
  std::string address(text);
  std::optional<int> prefix;
  if (const auto slash = text.find('/'); slash != std::string_view::npos) {
    const std::string_view bits = text.substr(slash + 1);
    if (!all_digits(bits) || bits.size() > 3 || (bits.size() > 1 && bits[0] == '0')) {
      return invalid("the prefix length must be a number");
    }
    prefix = std::stoi(std::string(bits));
    address = std::string(text.substr(0, slash));
  }
  if (address.find(':') != std::string::npos) {
    in6_addr raw{};
    if (::inet_pton(AF_INET6, address.c_str(), &raw) != 1) return invalid("bad IPv6 address");
    network.v6 = true;
    std::memcpy(network.bytes.data(), &raw, 16);
    network.prefix = prefix.value_or(128);
    if (network.prefix > 128) return invalid("an IPv6 prefix is at most 128");
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (unmap_v4 && !prefix && std::memcmp(network.bytes.data(), kMapped, 12) == 0) {
      network.v6 = false;
      std::memmove(network.bytes.data(), network.bytes.data() + 12, 4);
      std::memset(network.bytes.data() + 4, 0, 12);
      network.prefix = 32;
    }
  } else {
    in_addr raw{};
    if (::inet_pton(AF_INET, address.c_str(), &raw) != 1) return invalid("bad IPv4 address");
    std::memcpy(network.bytes.data(), &raw, 4);
    network.prefix = prefix.value_or(32);
    if (network.prefix > 32) return invalid("an IPv4 prefix is at most 32");
  }
  return network;
}

}  // namespace ward::gov
