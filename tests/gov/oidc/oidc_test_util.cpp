#include "gov/oidc/oidc_test_util.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "gov/oidc/base64url.h"

namespace ward::gov::oidc::test {
namespace {

std::string bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) return {};
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, bytes.data());
  BN_free(bn);
  return base64url_encode(bytes);
}

}  // namespace

TestKey TestKey::rsa(std::string kid, int bits) {
  TestKey key;
  key.kid_ = std::move(kid);
  key.algorithm_ = JwsAlgorithm::kRs256;
  key.key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)),
                 EVP_PKEY_free);
  EXPECT_TRUE(key.key_) << "RSA key generation failed";
  return key;
}

TestKey TestKey::ec(std::string kid) {
  TestKey key;
  key.kid_ = std::move(kid);
  key.algorithm_ = JwsAlgorithm::kEs256;
  key.key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free);
  EXPECT_TRUE(key.key_) << "EC key generation failed";
  return key;
}

nlohmann::json TestKey::jwk() const {
  nlohmann::json out = {{"kid", kid_}, {"use", "sig"}, {"alg", algorithm_name(algorithm_)}};
  if (algorithm_ == JwsAlgorithm::kRs256) {
    out["kty"] = "RSA";
    out["n"] = bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_N);
    out["e"] = bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_E);
  } else {
    std::uint8_t point[65];
    std::size_t size = 0;
    EXPECT_EQ(EVP_PKEY_get_octet_string_param(key_.get(), OSSL_PKEY_PARAM_PUB_KEY, point,
                                              sizeof(point), &size),
              1);
    EXPECT_EQ(size, 65u);
    out["kty"] = "EC";
    out["crv"] = "P-256";
    out["x"] = base64url_encode(std::span<const std::uint8_t>(point + 1, 32));
    out["y"] = base64url_encode(std::span<const std::uint8_t>(point + 33, 32));
  }
  return out;
}

std::string TestKey::public_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key_.get());
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return pem;
}

std::vector<std::uint8_t> TestKey::sign(const std::string& signing_input) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t size = 0;
  std::vector<std::uint8_t> signature;
  const auto* data = reinterpret_cast<const unsigned char*>(signing_input.data());
  if (EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, key_.get(), nullptr) == 1 &&
      EVP_DigestSign(ctx, nullptr, &size, data, signing_input.size()) == 1) {
    signature.resize(size);
    EXPECT_EQ(EVP_DigestSign(ctx, signature.data(), &size, data, signing_input.size()), 1);
    signature.resize(size);
  }
  EVP_MD_CTX_free(ctx);
  if (algorithm_ == JwsAlgorithm::kEs256) {
    const unsigned char* der = signature.data();
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size()));
    std::vector<std::uint8_t> raw(64);
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw.data(), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw.data() + 32, 32);
    ECDSA_SIG_free(sig);
    return raw;
  }
  return signature;
}

const TestKey& rsa_key() {
  static const TestKey key = TestKey::rsa("rsa-1");
  return key;
}
const TestKey& rsa_key2() {
  static const TestKey key = TestKey::rsa("rsa-2");
  return key;
}
const TestKey& ec_key() {
  static const TestKey key = TestKey::ec("ec-1");
  return key;
}

std::string b64(const std::string& text) {
  return base64url_encode(text);
}
std::string b64(const std::vector<std::uint8_t>& bytes) {
  return base64url_encode(bytes);
}

std::string sign_token(const TestKey& key, nlohmann::json claims, nlohmann::json header) {
  if (!header.is_object()) header = nlohmann::json::object();
  if (!header.contains("alg")) header["alg"] = algorithm_name(key.algorithm());
  if (!header.contains("kid")) header["kid"] = key.kid();
  const std::string input = b64(header.dump()) + "." + b64(claims.dump());
  return input + "." + b64(key.sign(input));
}

std::string join_token(const std::string& header_b64, const std::string& payload_b64,
                       const std::string& signature_b64) {
  return header_b64 + "." + payload_b64 + "." + signature_b64;
}

nlohmann::json good_claims(const std::string& issuer, const std::string& client_id,
                           const std::string& nonce, long long now) {
  return {{"iss", issuer},
          {"sub", "user-123"},
          {"aud", client_id},
          {"exp", now + 300},
          {"iat", now},
          {"nonce", nonce},
          {"email", "ada@example.test"},
          {"email_verified", true},
          {"preferred_username", "ada"},
          {"name", "Ada Lovelace"},
          {"groups", {"engineering", "ward-admins"}},
          {"acr", "urn:example:loa2"},
          {"amr", {"pwd", "otp"}},
          {"auth_time", now - 5}};
}

FakeProvider::FakeProvider(std::string issuer_url) : issuer(std::move(issuer_url)) {
  discovery = {
      {"issuer", issuer},
      {"authorization_endpoint", issuer + "/auth"},
      {"token_endpoint", issuer + "/token"},
      {"jwks_uri", issuer + "/jwks"},
      {"response_types_supported", {"code"}},
      {"code_challenge_methods_supported", {"S256"}},
      {"token_endpoint_auth_methods_supported", {"client_secret_basic", "client_secret_post"}},
      {"id_token_signing_alg_values_supported", {"RS256", "ES256"}},
      {"authorization_response_iss_parameter_supported", true},
  };
  jwks = {{"keys", {rsa_key().jwk(), ec_key().jwk()}}};
  token_endpoint = [](const HttpRequest&) {
    return HttpResponse{400, "application/json", R"({"error":"invalid_grant"})"};
  };
}

core::Result<HttpResponse> FakeProvider::send(const HttpRequest& request) {
  requests.push_back(request);
  if (request.url == issuer + "/.well-known/openid-configuration" && request.method == "GET") {
    return HttpResponse{200, "application/json", discovery.dump()};
  }
  if (request.url == issuer + "/jwks" && request.method == "GET") {
    return HttpResponse{200, "application/json", jwks.dump()};
  }
  if (request.url == issuer + "/token" && request.method == "POST") {
    return token_endpoint(request);
  }
  return HttpResponse{404, "text/plain", "not found"};
}

int FakeProvider::count(const std::string& url_suffix) const {
  int n = 0;
  for (const auto& request : requests) {
    if (request.url.size() >= url_suffix.size() &&
        request.url.compare(request.url.size() - url_suffix.size(), url_suffix.size(),
                            url_suffix) == 0) {
      ++n;
    }
  }
  return n;
}

std::map<std::string, std::string> form_of(const std::string& body) {
  std::map<std::string, std::string> out;
  auto pairs = parse_query(body);
  EXPECT_TRUE(pairs.ok());
  if (pairs) {
    for (auto& [name, value] : *pairs) out[name] = value;
  }
  return out;
}

std::map<std::string, std::string> query_of(const std::string& url) {
  const auto question = url.find('?');
  if (question == std::string::npos) return {};
  return form_of(url.substr(question + 1, url.find('#') == std::string::npos
                                              ? std::string::npos
                                              : url.find('#') - question - 1));
}

}  // namespace ward::gov::oidc::test
