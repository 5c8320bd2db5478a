#pragma once
// The parts of JOSE that OpenID Connect sign-in needs, and no more: strict JSON for headers and
// claims, JSON Web Keys (RFC 7517) for RSA and EC P-256 public keys, and compact JWS (RFC 7515)
// parsing and signature verification with RS256 (RSASSA-PKCS1-v1_5 with SHA-256) or ES256
// (ECDSA P-256 with SHA-256).
//
// Algorithm confusion is ruled out by construction: only RS256 and ES256 exist here (never
// `none`, never an HMAC), the caller passes the algorithms it allows, and a key is used only for
// the algorithm its type fits (RSA for RS256, EC P-256 for ES256) and its own `alg` and `use`
// allow.
//
// Every failure to parse or verify is a core::Error with Code::kUnauthenticated whose sentence
// names what failed; token contents are never echoed.
//
// Thread-safety: the functions are pure; Jwk and JwkSet are immutable after parsing, so one
// instance may be shared between threads.

#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace ward::gov::oidc {

// Parses `text` as one JSON object, refusing what a lenient parser would let through: invalid
// UTF-8, duplicate member names at any level (RFC 7515 §5.2 allows rejecting them, and a parser
// that keeps the first where another keeps the last is a classic bypass), nesting deeper than 32,
// and any top-level value other than an object. std::nullopt on any of these.
std::optional<nlohmann::json> parse_json_object(std::string_view text);

enum class JwsAlgorithm { kRs256, kEs256 };

// "RS256" or "ES256".
std::string_view algorithm_name(JwsAlgorithm algorithm);
// The algorithm named exactly `name`; std::nullopt for anything else ("none", "HS256", "rs256"
// ...).
std::optional<JwsAlgorithm> algorithm_from_name(std::string_view name);

// One public verification key from a JWK Set.
struct Jwk {
  std::string kid;  // may be empty
  std::string kty;  // "RSA" or "EC"
  std::string alg;  // the key's own "alg", may be empty
  std::shared_ptr<EVP_PKEY> key;

  // Whether this key may verify `algorithm`: the key type fits, and the key's own "alg",
  // "use" and "key_ops" (checked when parsed) do not forbid it.
  bool fits(JwsAlgorithm algorithm) const;
};

// Builds a key from one JWK: RSA from "n" and "e" (2048 to 8192 bits), EC from "crv" P-256, "x"
// and "y" (a point on the curve). A key meant for encryption ("use": "enc", or "key_ops" without
// "verify"), or of another type or curve, is an error.
core::Result<Jwk> parse_jwk(const nlohmann::json& jwk);

// A provider's JWK Set (its `jwks_uri` document).
class JwkSet {
 public:
  // Parses {"keys": [...]}. Keys Ward cannot use (other types or curves, encryption keys, private
  // members present) are skipped, as RFC 7517 §5 asks; a document that is not a JWK Set at all,
  // or that has no usable signing key, is an error.
  static core::Result<JwkSet> parse(std::string_view json);

  // The key that verifies `algorithm` for a token whose header names `kid` (empty when the header
  // has none: then only a set with exactly one fitting key answers). nullptr if none fits.
  const Jwk* find(std::string_view kid, JwsAlgorithm algorithm) const;

  const std::vector<Jwk>& keys() const { return keys_; }

 private:
  std::vector<Jwk> keys_;
};

// A compact JWS split into its parts, not yet verified.
struct Jws {
  JwsAlgorithm algorithm;
  std::string kid;            // empty when the header has none
  nlohmann::json header;      // a JSON object
  nlohmann::json payload;     // a JSON object (ID tokens and JWTs have object payloads)
  std::string signing_input;  // BASE64URL(header) "." BASE64URL(payload)
  std::vector<std::uint8_t> signature;
};

// Splits and decodes `compact` (three strict base64url parts), checks the header ("alg" one of
// `allowed`; no "crit", since Ward understands no extension; no "b64"/"zip"; "typ" absent or
// JWT), and parses the payload as a strict JSON object. `what` names the token in messages
// ("the ID token"). Tokens longer than 64 KiB are refused.
core::Result<Jws> parse_jws(std::string_view compact, std::span<const JwsAlgorithm> allowed,
                            std::string_view what);

// Verifies the signature of `jws` with `key`, which must fit the token's algorithm. For ES256 the
// signature must be the 64-byte R || S form of RFC 7518 §3.4 (DER is refused); for RS256 it must
// be exactly as long as the modulus.
core::Status verify_jws(const Jws& jws, const Jwk& key, std::string_view what);

}  // namespace ward::gov::oidc
