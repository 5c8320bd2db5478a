#include "gov/oidc/jose.h"

#include <gtest/gtest.h>

#include "gov/oidc/base64url.h"
#include "gov/oidc/oidc_test_util.h"

namespace ward::gov::oidc {
namespace {

using test::b64;
using test::ec_key;
using test::rsa_key;

std::string text_of(const std::optional<std::vector<std::uint8_t>>& bytes) {
  return bytes ? std::string(bytes->begin(), bytes->end()) : std::string("<nullopt>");
}

TEST(OidcBase64url, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64url_encode(std::string_view(plain)), encoded);
    EXPECT_EQ(text_of(base64url_decode(encoded)), plain);
  }
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("client:secret"), "Y2xpZW50OnNlY3JldA==");
}

TEST(OidcBase64url, UsesTheUrlSafeAlphabet) {
  const std::vector<std::uint8_t> bytes = {0xFB, 0xFF, 0xBF};
  EXPECT_EQ(base64url_encode(bytes), "-_-_");
  EXPECT_EQ(base64url_decode("-_-_"), bytes);
}

TEST(OidcBase64url, RejectsAnythingNotCanonical) {
  EXPECT_FALSE(base64url_decode("Zg=="));    // padding
  EXPECT_FALSE(base64url_decode("Zm9v+/"));  // standard alphabet
  EXPECT_FALSE(base64url_decode("Zm9 v"));   // white space
  EXPECT_FALSE(base64url_decode("Zm9vY"));   // a lone trailing character (length % 4 == 1)
  EXPECT_FALSE(base64url_decode("Zh"));      // "f" with non-zero unused bits
  EXPECT_FALSE(base64url_decode("Zm9"));     // "fo" is Zm8; Zm9 sets unused bits
  EXPECT_FALSE(base64url_decode(std::string_view("Zm\0v", 4)));
  EXPECT_TRUE(base64url_decode("Zm8"));
}

TEST(OidcJson, ParsesObjectsStrictly) {
  EXPECT_TRUE(parse_json_object(R"({"a":1,"b":{"c":[1,2,{"d":null}]}})"));
  EXPECT_FALSE(parse_json_object(R"([1,2])"));
  EXPECT_FALSE(parse_json_object(R"("text")"));
  EXPECT_FALSE(parse_json_object(R"({"a":1,"a":2})"));
  EXPECT_FALSE(parse_json_object(R"({"a":{"b":1,"b":1}})"));
  EXPECT_TRUE(parse_json_object(R"({"a":{"b":1},"c":{"b":1}})"));  // same name, other objects
  EXPECT_FALSE(parse_json_object(R"({"a":1)"));
  EXPECT_FALSE(parse_json_object("{\"a\":\"\xff\"}"));  // invalid UTF-8
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 40; ++i) deep += "}";
  EXPECT_FALSE(parse_json_object(deep));
}

TEST(OidcJwk, LoadsRsaAndEcKeys) {
  auto rsa = parse_jwk(rsa_key().jwk());
  ASSERT_TRUE(rsa) << rsa.error().to_string();
  EXPECT_TRUE(rsa->fits(JwsAlgorithm::kRs256));
  EXPECT_FALSE(rsa->fits(JwsAlgorithm::kEs256));
  auto ec = parse_jwk(ec_key().jwk());
  ASSERT_TRUE(ec) << ec.error().to_string();
  EXPECT_TRUE(ec->fits(JwsAlgorithm::kEs256));
  EXPECT_FALSE(ec->fits(JwsAlgorithm::kRs256));
}

TEST(OidcJwk, RefusesWeakMalformedAndMisusedKeys) {
  static const auto small = test::TestKey::rsa("small", 1024);
  EXPECT_FALSE(parse_jwk(small.jwk()));

  auto off_curve = ec_key().jwk();
  auto y = *base64url_decode(off_curve["y"].get<std::string>());
  y[31] ^= 1;
  off_curve["y"] = base64url_encode(y);
  EXPECT_FALSE(parse_jwk(off_curve));

  auto enc = rsa_key().jwk();
  enc["use"] = "enc";
  EXPECT_FALSE(parse_jwk(enc));

  auto ops = rsa_key().jwk();
  ops["key_ops"] = {"encrypt"};
  EXPECT_FALSE(parse_jwk(ops));

  auto other_alg = rsa_key().jwk();
  other_alg["alg"] = "PS256";
  EXPECT_FALSE(parse_jwk(other_alg));

  auto mismatched = ec_key().jwk();
  mismatched["alg"] = "RS256";
  EXPECT_FALSE(parse_jwk(mismatched));

  auto with_private = ec_key().jwk();
  with_private["d"] = b64(std::string(32, 'x'));
  EXPECT_FALSE(parse_jwk(with_private));

  EXPECT_FALSE(parse_jwk({{"kty", "oct"}, {"k", b64(std::string("secret"))}}));
  auto p384 = ec_key().jwk();
  p384["crv"] = "P-384";
  EXPECT_FALSE(parse_jwk(p384));
  auto padded = rsa_key().jwk();
  padded["e"] = "AQAB=";
  EXPECT_FALSE(parse_jwk(padded));
}

TEST(OidcJwk, SetSkipsUnusableKeysAndFindsByKidAndAlgorithm) {
  nlohmann::json oct = {{"kty", "oct"}, {"kid", "hmac"}, {"k", b64(std::string("secret"))}};
  nlohmann::json document = {{"keys", {oct, rsa_key().jwk(), ec_key().jwk()}}};
  auto set = JwkSet::parse(document.dump());
  ASSERT_TRUE(set) << set.error().to_string();
  EXPECT_EQ(set->keys().size(), 2u);
  EXPECT_NE(set->find("rsa-1", JwsAlgorithm::kRs256), nullptr);
  EXPECT_EQ(set->find("rsa-1", JwsAlgorithm::kEs256), nullptr);  // wrong type for ES256
  EXPECT_EQ(set->find("ec-1", JwsAlgorithm::kRs256), nullptr);
  EXPECT_EQ(set->find("hmac", JwsAlgorithm::kRs256), nullptr);
  // No kid: answered only when exactly one key fits the algorithm.
  EXPECT_NE(set->find("", JwsAlgorithm::kEs256), nullptr);
  auto two_rsa =
      JwkSet::parse(nlohmann::json{{"keys", {rsa_key().jwk(), test::rsa_key2().jwk()}}}.dump());
  ASSERT_TRUE(two_rsa);
  EXPECT_EQ(two_rsa->find("", JwsAlgorithm::kRs256), nullptr);

  EXPECT_FALSE(JwkSet::parse(R"({"keys":[]})"));
  EXPECT_FALSE(JwkSet::parse(R"({"nokeys":1})"));
  EXPECT_FALSE(JwkSet::parse(nlohmann::json{{"keys", {oct}}}.dump()));
}

class OidcJws : public ::testing::Test {
 protected:
  const std::vector<JwsAlgorithm> both_ = {JwsAlgorithm::kRs256, JwsAlgorithm::kEs256};
  const nlohmann::json claims_ = {{"sub", "x"}};
};

TEST_F(OidcJws, VerifiesRs256AndEs256) {
  for (const auto* key : {&rsa_key(), &ec_key()}) {
    auto jws = parse_jws(test::sign_token(*key, claims_), both_, "the token");
    ASSERT_TRUE(jws) << jws.error().to_string();
    EXPECT_EQ(jws->kid, key->kid());
    EXPECT_EQ(jws->payload, claims_);
    auto jwk = parse_jwk(key->jwk());
    ASSERT_TRUE(jwk);
    EXPECT_TRUE(verify_jws(*jws, *jwk, "the token")) << algorithm_name(key->algorithm());
  }
}

TEST_F(OidcJws, RefusesATamperedPayloadOrSignature) {
  const std::string token = test::sign_token(rsa_key(), claims_);
  auto jwk = parse_jwk(rsa_key().jwk());
  ASSERT_TRUE(jwk);
  const auto dot = token.find('.');
  const std::string forged = token.substr(0, dot + 1) + b64(std::string(R"({"sub":"y"})")) +
                             token.substr(token.rfind('.'));
  auto jws = parse_jws(forged, both_, "the token");
  ASSERT_TRUE(jws);
  auto status = verify_jws(*jws, *jwk, "the token");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), core::Code::kUnauthenticated);
  EXPECT_NE(status.error().message().find("does not verify"), std::string::npos);
}

TEST_F(OidcJws, RefusesEs256SignaturesInDerForm) {
  const std::string header = b64(std::string(R"({"alg":"ES256","kid":"ec-1"})"));
  const std::string payload = b64(claims_.dump());
  const std::string input = header + "." + payload;
  // A DER signature is 70-72 bytes; JOSE wants exactly 64.
  std::vector<std::uint8_t> der(71, 0x30);
  auto jws = parse_jws(test::join_token(header, payload, b64(der)), both_, "the token");
  ASSERT_TRUE(jws);
  auto jwk = parse_jwk(ec_key().jwk());
  ASSERT_TRUE(jwk);
  EXPECT_FALSE(verify_jws(*jws, *jwk, "the token"));
}

TEST_F(OidcJws, RefusesHeadersWardDoesNotUnderstand) {
  for (const char* extra : {R"("crit":["exp"])", R"("b64":false)", R"("zip":"DEF")"}) {
    const std::string header = std::string(R"({"alg":"RS256","kid":"rsa-1",)") + extra + "}";
    const std::string token =
        test::join_token(b64(header), b64(claims_.dump()), b64(std::string("sig")));
    EXPECT_FALSE(parse_jws(token, both_, "the token")) << extra;
  }
  const std::string at_jwt = R"({"alg":"RS256","typ":"at+jwt"})";
  EXPECT_FALSE(parse_jws(test::join_token(b64(at_jwt), b64(claims_.dump()), b64(std::string("s"))),
                         both_, "the token"));
  const std::string jwt = R"({"alg":"RS256","typ":"JWT"})";
  EXPECT_TRUE(parse_jws(test::join_token(b64(jwt), b64(claims_.dump()), b64(std::string("s"))),
                        both_, "the token"));
}

}  // namespace
}  // namespace ward::gov::oidc
