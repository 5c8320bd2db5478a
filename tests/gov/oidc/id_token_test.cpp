// Every way an ID token must be refused, with hand-made tokens signed by keys made here.
#include "gov/oidc/id_token.h"

#include <gtest/gtest.h>

#include "crypto/hash.h"
#include "gov/oidc/base64url.h"
#include "gov/oidc/oidc_test_util.h"

namespace ward::gov::oidc {
namespace {

using test::b64;
using test::ec_key;
using test::rsa_key;
using test::sign_token;

constexpr long long kNow = 1'800'000'000;
const std::string kIssuer = "https://idp.example.test";
const std::string kClient = "ward";
const std::string kNonce = "n-0S6_WzA2Mj";

class OidcIdToken : public ::testing::Test {
 protected:
  OidcIdToken() {
    expected_.issuer = kIssuer;
    expected_.client_id = kClient;
    expected_.nonce = kNonce;
    expected_.now = core::TimePoint(std::chrono::seconds(kNow));
    auto set = JwkSet::parse(nlohmann::json{{"keys", {rsa_key().jwk(), ec_key().jwk()}}}.dump());
    EXPECT_TRUE(set);
    set_ = std::make_shared<JwkSet>(std::move(set).value());
    lookup_ = [set = set_](std::string_view kid, JwsAlgorithm algorithm) -> core::Result<Jwk> {
      if (const Jwk* key = set->find(kid, algorithm)) return *key;
      return core::Error(core::Code::kUnauthenticated, "", "unknown kid");
    };
  }

  nlohmann::json claims() const { return test::good_claims(kIssuer, kClient, kNonce, kNow); }

  core::Result<nlohmann::json> verify(const std::string& token) const {
    return verify_id_token(token, expected_, lookup_);
  }

  // Asserts that `token` is refused as unauthenticated with a message containing `words`.
  void expect_refused(const std::string& token, const std::string& words) const {
    auto result = verify(token);
    ASSERT_FALSE(result) << "accepted a token that should fail with: " << words;
    EXPECT_EQ(result.error().code(), core::Code::kUnauthenticated);
    EXPECT_NE(result.error().message().find(words), std::string::npos) << result.error().message();
    // Never echo the token's contents.
    EXPECT_EQ(result.error().message().find("user-123"), std::string::npos);
    EXPECT_EQ(result.error().message().find(kNonce), std::string::npos);
  }

  IdTokenExpectations expected_;
  std::shared_ptr<JwkSet> set_;
  KeyLookup lookup_;
};

TEST_F(OidcIdToken, AcceptsValidRs256AndEs256Tokens) {
  for (const auto* key : {&rsa_key(), &ec_key()}) {
    auto result = verify(sign_token(*key, claims()));
    ASSERT_TRUE(result) << result.error().to_string();
    EXPECT_EQ((*result)["sub"], "user-123");
  }
}

TEST_F(OidcIdToken, RefusesABadSignature) {
  std::string token = sign_token(rsa_key(), claims());
  auto sig = *base64url_decode(token.substr(token.rfind('.') + 1));
  sig[10] ^= 0x01;
  token = token.substr(0, token.rfind('.') + 1) + b64(sig);
  expect_refused(token, "signature that does not verify");
  // Signed by a key that is not the provider's, under the provider's kid.
  static const auto impostor = test::TestKey::rsa("rsa-1");
  expect_refused(sign_token(impostor, claims()), "signature that does not verify");
}

TEST_F(OidcIdToken, RefusesAlgNone) {
  const std::string header = b64(std::string(R"({"alg":"none"})"));
  const std::string payload = b64(claims().dump());
  expect_refused(test::join_token(header, payload, ""), "not signed");
  expect_refused(test::join_token(header, payload, b64(std::string("x"))),
                 "algorithm that Ward does not accept");
  expect_refused(
      test::join_token(b64(std::string(R"({"alg":"None"})")), payload, b64(std::string("x"))),
      "algorithm that Ward does not accept");
}

TEST_F(OidcIdToken, RefusesHs256SignedWithTheRsaPublicKey) {
  // The classic algorithm confusion: the attacker knows the public key and uses it as an HMAC
  // secret, hoping the verifier takes "alg" from the token and the key from the JWKS.
  for (const std::string& secret :
       {rsa_key().public_pem(), rsa_key().jwk().dump(), rsa_key().jwk()["n"].get<std::string>()}) {
    const std::string input =
        b64(std::string(R"({"alg":"HS256","kid":"rsa-1"})")) + "." + b64(claims().dump());
    auto mac = crypto::hmac_sha256(crypto::byte_view(secret), crypto::byte_view(input));
    ASSERT_TRUE(mac);
    expect_refused(input + "." + base64url_encode(*mac), "algorithm that Ward does not accept");
  }
}

TEST_F(OidcIdToken, RefusesAKeyOfTheWrongTypeForTheAlgorithm) {
  // ES256 claimed, but the kid names the RSA key (and the other way round).
  nlohmann::json header = {{"alg", "ES256"}, {"kid", "rsa-1"}};
  expect_refused(sign_token(ec_key(), claims(), header), "unknown kid");
  header = {{"alg", "RS256"}, {"kid", "ec-1"}};
  expect_refused(sign_token(rsa_key(), claims(), header), "unknown kid");
}

TEST_F(OidcIdToken, RefusesAlgorithmsNotAllowedByConfiguration) {
  expected_.algorithms = {JwsAlgorithm::kRs256};
  expect_refused(sign_token(ec_key(), claims()), "algorithm that Ward does not accept");
}

TEST_F(OidcIdToken, RefusesAnUnknownKid) {
  static const auto stranger = test::TestKey::ec("somebody-else");
  expect_refused(sign_token(stranger, claims()), "unknown kid");
}

TEST_F(OidcIdToken, RefusesWrongIssuer) {
  auto c = claims();
  c["iss"] = "https://idp.example.test/";  // exact match only
  expect_refused(sign_token(rsa_key(), c), "\"iss\"");
  c.erase("iss");
  expect_refused(sign_token(rsa_key(), c), "\"iss\"");
}

TEST_F(OidcIdToken, RefusesWrongAudience) {
  auto c = claims();
  c["aud"] = "another-client";
  expect_refused(sign_token(rsa_key(), c), "\"aud\"");
  c["aud"] = nlohmann::json::array({"another-client", "third"});
  expect_refused(sign_token(rsa_key(), c), "\"aud\"");
  c["aud"] = nlohmann::json::array({kClient, "third"});  // several audiences need azp
  expect_refused(sign_token(rsa_key(), c), "\"azp\"");
  c["azp"] = "third";
  expect_refused(sign_token(rsa_key(), c), "\"azp\"");
  c["azp"] = kClient;
  EXPECT_TRUE(verify(sign_token(rsa_key(), c)));
  c.erase("aud");
  expect_refused(sign_token(rsa_key(), c), "\"aud\"");
}

TEST_F(OidcIdToken, RefusesExpiredTokensAndToleratesSmallSkew) {
  auto c = claims();
  c["exp"] = kNow - 61;
  expect_refused(sign_token(rsa_key(), c), "expired");
  c["exp"] = kNow - 30;  // within the 60 s skew
  EXPECT_TRUE(verify(sign_token(rsa_key(), c)));
  c["exp"] = "tomorrow";
  expect_refused(sign_token(rsa_key(), c), "\"exp\"");
  c.erase("exp");
  expect_refused(sign_token(rsa_key(), c), "\"exp\"");
}

TEST_F(OidcIdToken, RefusesTokensIssuedInTheFuture) {
  auto c = claims();
  c["iat"] = kNow + 3600;
  expect_refused(sign_token(rsa_key(), c), "\"iat\"");
  c["iat"] = kNow + 30;
  EXPECT_TRUE(verify(sign_token(rsa_key(), c)));
  c["nbf"] = kNow + 600;
  expect_refused(sign_token(rsa_key(), c), "\"nbf\"");
  c.erase("nbf");
  c.erase("iat");
  expect_refused(sign_token(rsa_key(), c), "\"iat\"");
}

TEST_F(OidcIdToken, RefusesANonceMismatch) {
  auto c = claims();
  c["nonce"] = "another-nonce";
  expect_refused(sign_token(rsa_key(), c), "nonce");
  c.erase("nonce");
  expect_refused(sign_token(rsa_key(), c), "nonce");
}

TEST_F(OidcIdToken, RefusesAMissingOrEmptySubject) {
  auto c = claims();
  c["sub"] = "";
  expect_refused(sign_token(rsa_key(), c), "\"sub\"");
  c["sub"] = std::string(256, 'x');
  expect_refused(sign_token(rsa_key(), c), "\"sub\"");
}

TEST_F(OidcIdToken, EnforcesRequiredAcr) {
  expected_.required_acr_values = {"urn:example:loa3", "urn:example:loa4"};
  expect_refused(sign_token(rsa_key(), claims()), "\"acr\"");  // it has loa2
  auto c = claims();
  c.erase("acr");
  expect_refused(sign_token(rsa_key(), c), "\"acr\"");
  c["acr"] = "urn:example:loa4";
  EXPECT_TRUE(verify(sign_token(rsa_key(), c)));
}

TEST_F(OidcIdToken, EnforcesRequiredAmr) {
  expected_.required_amr_values = {"pwd", "otp"};
  EXPECT_TRUE(verify(sign_token(rsa_key(), claims())));
  auto c = claims();
  c["amr"] = {"pwd"};
  expect_refused(sign_token(rsa_key(), c), "\"amr\"");
  c["amr"] = "pwd otp";  // must be an array
  expect_refused(sign_token(rsa_key(), c), "\"amr\"");
}

TEST_F(OidcIdToken, RefusesMalformedBase64url) {
  const std::string token = sign_token(rsa_key(), claims());
  const auto first = token.find('.');
  const auto last = token.rfind('.');
  expect_refused(token.substr(0, first) + "=" + token.substr(first), "base64url");  // padding
  std::string plus = token;
  plus[first + 3] = '+';
  expect_refused(plus, "base64url");
  expect_refused(token + "=", "base64url");
  std::string space = token;
  space.insert(last + 1, " ");
  expect_refused(space, "base64url");
  expect_refused(token.substr(0, last), "three parts");
  expect_refused(token + ".x", "three parts");
  expect_refused("", "three parts");
  // A header whose base64url has non-zero unused bits: "{}" is e30, e31 is not canonical.
  expect_refused(test::join_token("e31", b64(claims().dump()), b64(std::string("s"))), "base64url");
}

TEST_F(OidcIdToken, RefusesNonJsonAndDuplicateClaims) {
  const std::string header = b64(std::string(R"({"alg":"RS256","kid":"rsa-1"})"));
  auto sign_raw = [&](const std::string& payload_json) {
    const std::string input = header + "." + b64(payload_json);
    return input + "." + b64(rsa_key().sign(input));
  };
  expect_refused(sign_raw("not json"), "not a JSON object");
  expect_refused(sign_raw("[1]"), "not a JSON object");
  std::string dup = claims().dump();
  dup.insert(1, "\"sub\":\"admin\",");  // "sub" twice
  expect_refused(sign_raw(dup), "not a JSON object");
}

TEST(OidcAmr, RecognisesMultipleFactors) {
  using V = std::vector<std::string>;
  EXPECT_TRUE(amr_asserts_mfa(V{"mfa"}));
  EXPECT_TRUE(amr_asserts_mfa(V{"pwd", "otp"}));
  EXPECT_TRUE(amr_asserts_mfa(V{"hwk", "fpt"}));
  EXPECT_FALSE(amr_asserts_mfa(V{"pwd"}));
  EXPECT_FALSE(amr_asserts_mfa(V{"pwd", "kba"}));  // two of the same kind
  EXPECT_FALSE(amr_asserts_mfa(V{}));
}

}  // namespace
}  // namespace ward::gov::oidc
