#pragma once
// base64url (RFC 4648 §5) without padding, as JOSE (RFC 7515 §2) and PKCE (RFC 7636) use it.
//
// Decoding is strict, so that one token has exactly one encoding and nothing is silently ignored:
// only the 64 URL-safe characters, no padding, no white space, no length that leaves a lone
// character (length % 4 == 1), and the unused low bits of the last character must be zero.
//
// Thread-safety: pure functions; safe from any thread.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ward::gov::oidc {

std::string base64url_encode(std::span<const std::uint8_t> bytes);
std::string base64url_encode(std::string_view text);

// The decoded bytes, or std::nullopt when `text` is not canonical unpadded base64url.
std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text);

// Standard base64 (RFC 4648 §4) with padding, for HTTP Basic authentication.
std::string base64_encode(std::string_view text);

}  // namespace ward::gov::oidc
