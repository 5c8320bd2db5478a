#pragma once
// Validation of an OpenID Connect ID token (OpenID Connect Core 1.0 §3.1.3.7) as Ward's relying
// party receives it from the token endpoint: the signature against the provider's keys, then
// every claim Ward relies on.
//
// Checks, in order: compact JWS with strict base64url; "alg" one of the allowed algorithms
// (RS256, ES256; never none or HMAC); a key from the provider's JWK Set that matches "kid" and
// fits the algorithm; the signature; "iss" equals the issuer exactly; "aud" is the client id or
// an array containing it, and with several audiences "azp" must be present, and whenever present
// "azp" must equal the client id; "exp" is in the future and "iat" not more than the clock skew
// ahead of now (and "nbf", if present, passed); "nonce" equals the one sent with the request
// (compared in constant time); "sub" is a non-empty string of at most 255 characters; when
// required, "acr" is one of the required values and "amr" holds every required value.
//
// Every failure is a core::Error with Code::kUnauthenticated naming the check that failed, never
// the token's contents.
//
// Thread-safety: pure functions; safe from any thread (the KeyLookup must be too when shared).

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "gov/oidc/jose.h"

namespace ward::gov::oidc {

struct IdTokenExpectations {
  std::string issuer;
  std::string client_id;
  std::string nonce;
  std::vector<JwsAlgorithm> algorithms = {JwsAlgorithm::kRs256, JwsAlgorithm::kEs256};
  std::vector<std::string> required_acr_values;  // empty: any (or no) acr
  std::vector<std::string> required_amr_values;  // empty: any (or no) amr
  core::TimePoint now;
  std::chrono::seconds clock_skew{60};
};

// Finds the key for a token header's `kid` (empty when the header has none) and algorithm. It may
// refresh a cached JWK Set; it returns a kUnauthenticated error when no key fits.
using KeyLookup = std::function<core::Result<Jwk>(std::string_view kid, JwsAlgorithm algorithm)>;

// Verifies `id_token` and returns its claims (a JSON object) when every check passes.
core::Result<nlohmann::json> verify_id_token(std::string_view id_token,
                                             const IdTokenExpectations& expected,
                                             const KeyLookup& lookup);

// The claim checks alone, for claims whose signature has been verified.
core::Status check_id_token_claims(const nlohmann::json& claims,
                                   const IdTokenExpectations& expected);

// True when the "amr" values say more than one factor was used: "mfa" (RFC 8176), or two or more
// distinct methods from RFC 8176's registry (e.g. "pwd" and "otp").
bool amr_asserts_mfa(std::span<const std::string> amr);

}  // namespace ward::gov::oidc
