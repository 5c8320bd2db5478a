#pragma once
// Time-based one-time passwords (RFC 6238) for MFA: HMAC-SHA-1 or HMAC-SHA-256 over the number of
// 30-second steps since the Unix epoch, truncated to 6 digits (RFC 4226 dynamic truncation). Codes
// are computed by liboath. Also the base32 (RFC 4648) encoding authenticator apps use for secrets,
// and the otpauth:// Key URI that enrolment shows (as a QR code or text).
//
// These are pure functions; the Mfa class keeps secrets and the replay state. Thread-safe.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"
#include "crypto/secret.h"

namespace ward::gov {

enum class TotpAlgorithm { kSha1, kSha256 };

inline constexpr int kTotpDigits = 6;
inline constexpr std::int64_t kTotpPeriodSeconds = 30;
// Codes of the step before and after the current one are accepted too, for clock drift.
inline constexpr std::int64_t kTotpWindowSteps = 1;
inline constexpr std::string_view kTotpIssuer = "Ward";

// "SHA1" or "SHA256", as in the otpauth URI.
std::string_view totp_algorithm_name(TotpAlgorithm algorithm);
// Accepts sha1 / sha256 in any case; anything else is kInvalidArgument.
core::Result<TotpAlgorithm> parse_totp_algorithm(std::string_view text);
// The secret size enrolment uses: the HMAC's output size (RFC 4226 §4 R6, RFC 6238 §5.1):
// 20 bytes (160 bits) for SHA-1, 32 bytes (256 bits) for SHA-256.
std::size_t totp_secret_size(TotpAlgorithm algorithm);

// The time step of `unix_seconds` (floor division by the period).
std::int64_t totp_step(std::int64_t unix_seconds);

// The code for `unix_seconds`, with `digits` digits (6 to 8; the RFC 6238 test vectors use 8).
core::Result<std::string> totp_code(std::span<const std::uint8_t> secret, TotpAlgorithm algorithm,
                                    std::int64_t unix_seconds, int digits = kTotpDigits);

// The time step within ±kTotpWindowSteps of `unix_seconds` whose code equals `code`, considering
// only steps after `last_used_step` (so a code, once accepted, is never accepted again). Returns
// std::nullopt when none matches, including when `code` is not kTotpDigits digits. Codes are
// compared in constant time.
core::Result<std::optional<std::int64_t>> match_totp(std::span<const std::uint8_t> secret,
                                                     TotpAlgorithm algorithm, std::string_view code,
                                                     std::int64_t unix_seconds,
                                                     std::optional<std::int64_t> last_used_step);

// RFC 4648 base32, upper case, without padding (as the Key URI format wants).
std::string base32_encode(std::span<const std::uint8_t> bytes);
// Accepts upper or lower case, with or without '=' padding; anything else is kInvalidArgument.
core::Result<crypto::SecretBytes> base32_decode(std::string_view text);

// otpauth://totp/Ward:ACCOUNT?secret=BASE32&issuer=Ward&algorithm=SHA1&digits=6&period=30
// (Google Authenticator's Key URI format), with the label percent-encoded.
std::string otpauth_uri(std::string_view account, std::span<const std::uint8_t> secret,
                        TotpAlgorithm algorithm);

}  // namespace ward::gov
