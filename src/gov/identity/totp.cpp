#include "gov/identity/totp.h"

#include <liboath/oath.h>

#include <array>
#include <cstdlib>
#include <ctime>

#include "crypto/compare.h"

namespace ward::gov {
namespace {

using core::Code;
using core::Error;

constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// liboath must be initialised once; oath_init only sets up its crypto backend.
void ensure_oath() {
  static const bool ready = oath_init() == OATH_OK;
  if (!ready) std::abort();  // the crypto backend is broken: nothing to fall back on
}

int base32_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

bool all_digits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

}  // namespace

std::string_view totp_algorithm_name(TotpAlgorithm algorithm) {
  return algorithm == TotpAlgorithm::kSha256 ? "SHA256" : "SHA1";
}

core::Result<TotpAlgorithm> parse_totp_algorithm(std::string_view text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "sha1") return TotpAlgorithm::kSha1;
  if (lower == "sha256") return TotpAlgorithm::kSha256;
  return Error(Code::kInvalidArgument, "algorithm",
               "the TOTP algorithm must be sha1 or sha256, not \"" + std::string(text) + "\"");
}

std::size_t totp_secret_size(TotpAlgorithm algorithm) {
  return algorithm == TotpAlgorithm::kSha256 ? 32 : 20;
}

std::int64_t totp_step(std::int64_t unix_seconds) {
  std::int64_t step = unix_seconds / kTotpPeriodSeconds;
  if (unix_seconds % kTotpPeriodSeconds < 0) --step;
  return step;
}

core::Result<std::string> totp_code(std::span<const std::uint8_t> secret, TotpAlgorithm algorithm,
                                    std::int64_t unix_seconds, int digits) {
  if (digits < 6 || digits > 8) {
    return Error(Code::kInvalidArgument, "totp", "a TOTP code has 6 to 8 digits");
  }
  if (secret.empty()) return Error(Code::kInvalidArgument, "totp", "the TOTP secret is empty");
  if (unix_seconds < 0) {
    return Error(Code::kInvalidArgument, "totp", "TOTP needs a time after the Unix epoch");
  }
  ensure_oath();
  std::array<char, 9> out{};
  const int flags = algorithm == TotpAlgorithm::kSha256 ? OATH_TOTP_HMAC_SHA256 : 0;
  const int rc = oath_totp_generate2(
      reinterpret_cast<const char*>(secret.data()), secret.size(),
      static_cast<time_t>(unix_seconds), static_cast<unsigned>(kTotpPeriodSeconds),
      OATH_TOTP_DEFAULT_START_TIME, static_cast<unsigned>(digits), flags, out.data());
  if (rc != OATH_OK) {
    return Error(Code::kInternal, "totp",
                 std::string("computing a TOTP code failed: ") + oath_strerror(rc));
  }
  return std::string(out.data());
}

core::Result<std::optional<std::int64_t>> match_totp(std::span<const std::uint8_t> secret,
                                                     TotpAlgorithm algorithm, std::string_view code,
                                                     std::int64_t unix_seconds,
                                                     std::optional<std::int64_t> last_used_step) {
  std::optional<std::int64_t> matched;
  if (code.size() != static_cast<std::size_t>(kTotpDigits) || !all_digits(code)) return matched;
  const std::int64_t now = totp_step(unix_seconds);
  // Every candidate is computed and compared, so the time taken does not say which one matched.
  for (std::int64_t step = now - kTotpWindowSteps; step <= now + kTotpWindowSteps; ++step) {
    if (step < 0) continue;
    auto expected = totp_code(secret, algorithm, step * kTotpPeriodSeconds);
    if (!expected) return expected.error();
    const bool equal =
        crypto::constant_time_equal(crypto::byte_view(*expected), crypto::byte_view(code));
    const bool unused = !last_used_step || step > *last_used_step;
    if (equal && unused && !matched) matched = step;
  }
  return matched;
}

std::string base32_encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::uint8_t byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += kBase32Alphabet[(buffer >> (bits - 5)) & 0x1F];
      bits -= 5;
    }
  }
  if (bits > 0) out += kBase32Alphabet[(buffer << (5 - bits)) & 0x1F];
  return out;
}

core::Result<crypto::SecretBytes> base32_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  crypto::SecretBytes out(text.size() * 5 / 8);
  std::size_t written = 0;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int value = base32_value(c);
    if (value < 0) {
      return Error(Code::kInvalidArgument, "base32",
                   "the text is not base32: only the letters A-Z and the digits 2-7 may appear");
    }
    buffer = (buffer << 5) | static_cast<std::uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      out.writable()[written++] = static_cast<std::uint8_t>(buffer >> (bits - 8));
      bits -= 8;
    }
    buffer &= 0xFF;  // keep only bits not yet written
  }
  return out;
}

std::string otpauth_uri(std::string_view account, std::span<const std::uint8_t> secret,
                        TotpAlgorithm algorithm) {
  return "otpauth://totp/" + percent_encode(kTotpIssuer) + ":" + percent_encode(account) +
         "?secret=" + base32_encode(secret) + "&issuer=" + percent_encode(kTotpIssuer) +
         "&algorithm=" + std::string(totp_algorithm_name(algorithm)) +
         "&digits=" + std::to_string(kTotpDigits) + "&period=" + std::to_string(kTotpPeriodSeconds);
}

}  // namespace ward::gov
