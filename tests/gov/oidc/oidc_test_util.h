#pragma once
// Helpers for the OIDC tests: signing keys made on the spot, their JWKs, hand-made ID tokens
// (validly signed, or deliberately wrong), and a fake OpenID provider behind the HttpClient
// interface. Single-threaded use within one test.

#include <openssl/types.h>

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gov/oidc/http_client.h"
#include "gov/oidc/jose.h"

namespace ward::gov::oidc::test {

// A key pair for RS256 (RSA 2048) or ES256 (P-256).
class TestKey {
 public:
  static TestKey rsa(std::string kid, int bits = 2048);
  static TestKey ec(std::string kid);

  const std::string& kid() const { return kid_; }
  JwsAlgorithm algorithm() const { return algorithm_; }
  EVP_PKEY* pkey() const { return key_.get(); }

  // The public JWK, with "kid", "use": "sig" and "alg".
  nlohmann::json jwk() const;
  // The public key as PEM (SubjectPublicKeyInfo), e.g. for an algorithm confusion attempt.
  std::string public_pem() const;
  // Signs `signing_input`: RSASSA-PKCS1-v1_5 SHA-256, or ECDSA P-256 SHA-256 as 64-byte R || S.
  std::vector<std::uint8_t> sign(const std::string& signing_input) const;

 private:
  std::string kid_;
  JwsAlgorithm algorithm_ = JwsAlgorithm::kRs256;
  std::shared_ptr<EVP_PKEY> key_;
};

// Keys made once per test process (RSA generation is slow under sanitizers).
const TestKey& rsa_key();
const TestKey& rsa_key2();
const TestKey& ec_key();

std::string b64(const std::string& text);
std::string b64(const std::vector<std::uint8_t>& bytes);

// header.payload.signature, signed with `key`; the header gets "alg" and "kid" of the key unless
// `header` sets them itself.
std::string sign_token(const TestKey& key, nlohmann::json claims, nlohmann::json header = {});
// Assembles a token from raw parts (already base64url-encoded or deliberately not).
std::string join_token(const std::string& header_b64, const std::string& payload_b64,
                       const std::string& signature_b64);

// Claims that pass every check for `issuer`, `client_id` and `nonce` at `now` (seconds).
nlohmann::json good_claims(const std::string& issuer, const std::string& client_id,
                           const std::string& nonce, long long now);

// A fake OpenID provider answering discovery, JWKS and token requests from memory.
class FakeProvider final : public HttpClient {
 public:
  explicit FakeProvider(std::string issuer);

  core::Result<HttpResponse> send(const HttpRequest& request) override;

  std::string issuer;
  nlohmann::json discovery;  // served at {issuer}/.well-known/openid-configuration
  nlohmann::json jwks;       // served at {issuer}/jwks
  // Answers token requests; the default answers 400 invalid_grant.
  std::function<HttpResponse(const HttpRequest&)> token_endpoint;
  std::vector<HttpRequest> requests;
  int count(const std::string& url_suffix) const;
};

// The query parameters of `url` as a map (the last value wins).
std::map<std::string, std::string> query_of(const std::string& url);
// The form fields of a request body.
std::map<std::string, std::string> form_of(const std::string& body);

}  // namespace ward::gov::oidc::test
