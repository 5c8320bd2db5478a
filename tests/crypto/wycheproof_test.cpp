// Project Wycheproof test vectors (fixtures/crypto/) run against Ward's crypto API. Each test
// counts what it checked and compares the count with the file's own numberOfTests, so a vector
// that was silently skipped, or a fixture that lost its vectors, fails the test.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/hex_util.h"
#include "crypto/sign.h"
#include "support/test_support.h"

namespace ward::crypto {
namespace {

using nlohmann::json;
using testing::hex;
using testing::secret_hex;

json load(const std::string& name) {
  std::ifstream in(ward::test::fixture("crypto/" + name));
  return json::parse(in);
}

std::string trace(const json& vector) {
  return "tcId " + std::to_string(vector["tcId"].get<int>()) + " (" +
         vector["comment"].get<std::string>() + ")";
}

bool is_product_aes_gcm(const json& group) {
  return group["keySize"] == 256 && group["ivSize"] == 96 && group["tagSize"] == 128;
}

// A valid vector must seal to exactly its ciphertext and tag, and open (detached and in the
// nonce || ciphertext || tag layout of open()) back to its message.
void check_valid_aes_gcm(const json& vector) {
  const SecretBytes key = secret_hex(vector["key"].get<std::string>());
  const Bytes iv = hex(vector["iv"].get<std::string>()),
              aad = hex(vector["aad"].get<std::string>());
  const Bytes msg = hex(vector["msg"].get<std::string>()),
              ct = hex(vector["ct"].get<std::string>());
  const Bytes tag = hex(vector["tag"].get<std::string>());

  auto sealed = seal_detached(key, iv, msg, aad);
  ASSERT_TRUE(sealed.ok()) << sealed.error().to_string();
  EXPECT_EQ(sealed->ciphertext, ct);
  EXPECT_EQ(Bytes(sealed->tag.begin(), sealed->tag.end()), tag);

  auto opened = open_detached(key, iv, ct, aad, tag);
  ASSERT_TRUE(opened.ok()) << opened.error().to_string();
  EXPECT_EQ(*opened, msg);

  Bytes combined = iv;
  combined.insert(combined.end(), ct.begin(), ct.end());
  combined.insert(combined.end(), tag.begin(), tag.end());
  auto opened_combined = open(key, combined, aad);
  ASSERT_TRUE(opened_combined.ok()) << opened_combined.error().to_string();
  EXPECT_EQ(*opened_combined, msg);
}

void check_invalid_aes_gcm(const json& vector) {
  auto opened =
      open_detached(secret_hex(vector["key"].get<std::string>()),
                    hex(vector["iv"].get<std::string>()), hex(vector["ct"].get<std::string>()),
                    hex(vector["aad"].get<std::string>()), hex(vector["tag"].get<std::string>()));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), core::Code::kDataLoss);
}

// Parameters outside Ward's one parameter set must be refused up front, never attempted.
void check_refused_aes_gcm(const json& vector) {
  const SecretBytes key = secret_hex(vector["key"].get<std::string>());
  const Bytes iv = hex(vector["iv"].get<std::string>()),
              aad = hex(vector["aad"].get<std::string>());
  auto sealed = seal_detached(key, iv, hex(vector["msg"].get<std::string>()), aad);
  ASSERT_FALSE(sealed.ok());
  EXPECT_EQ(sealed.error().code(), core::Code::kInvalidArgument);
  auto opened = open_detached(key, iv, hex(vector["ct"].get<std::string>()), aad,
                              hex(vector["tag"].get<std::string>()));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), core::Code::kInvalidArgument);
}

TEST(CryptoWycheproof, AesGcm) {
  const json file = load("aes_gcm_test.json");
  int product_present = 0, valid = 0, invalid = 0, refused = 0;
  for (const json& group : file["testGroups"]) {
    const bool product = is_product_aes_gcm(group);
    if (product) product_present += static_cast<int>(group["tests"].size());
    for (const json& vector : group["tests"]) {
      SCOPED_TRACE(trace(vector));
      if (!product) {
        check_refused_aes_gcm(vector);
        ++refused;
      } else if (vector["result"] == "valid") {
        check_valid_aes_gcm(vector);
        ++valid;
      } else {
        ASSERT_EQ(vector["result"], "invalid");
        check_invalid_aes_gcm(vector);
        ++invalid;
      }
    }
  }
  EXPECT_GT(valid, 0);
  EXPECT_GT(invalid, 0);
  EXPECT_EQ(valid + invalid, product_present);
  EXPECT_EQ(valid + invalid + refused, file["numberOfTests"].get<int>());
  std::cout << "AES-256-GCM/96/128: " << valid << " valid and " << invalid
            << " invalid vectors checked; " << refused
            << " vectors with other parameters refused\n";
}

TEST(CryptoWycheproof, Ed25519) {
  const json file = load("ed25519_test.json");
  int valid = 0, invalid = 0;
  for (const json& group : file["testGroups"]) {
    const Bytes public_key = hex(group["publicKey"]["pk"].get<std::string>());
    for (const json& vector : group["tests"]) {
      SCOPED_TRACE(trace(vector));
      const auto status = verify(public_key, hex(vector["msg"].get<std::string>()),
                                 hex(vector["sig"].get<std::string>()));
      if (vector["result"] == "valid") {
        EXPECT_TRUE(status.ok()) << status.error().to_string();
        ++valid;
      } else {
        ASSERT_EQ(vector["result"], "invalid");
        EXPECT_FALSE(status.ok());
        ++invalid;
      }
    }
  }
  EXPECT_GT(valid, 0);
  EXPECT_GT(invalid, 0);
  EXPECT_EQ(valid + invalid, file["numberOfTests"].get<int>());
  std::cout << "Ed25519: " << valid << " valid signatures verified, " << invalid
            << " invalid ones rejected\n";
}

TEST(CryptoWycheproof, HkdfSha256) {
  const json file = load("hkdf_sha256_test.json");
  int valid = 0, invalid = 0;
  for (const json& group : file["testGroups"]) {
    for (const json& vector : group["tests"]) {
      SCOPED_TRACE(trace(vector));
      auto okm =
          hkdf_sha256(hex(vector["ikm"].get<std::string>()), hex(vector["salt"].get<std::string>()),
                      hex(vector["info"].get<std::string>()), vector["size"].get<std::size_t>());
      if (vector["result"] == "valid") {
        ASSERT_TRUE(okm.ok()) << okm.error().to_string();
        EXPECT_EQ(to_hex(okm->view()), vector["okm"].get<std::string>());
        ++valid;
      } else {
        ASSERT_EQ(vector["result"], "invalid");
        ASSERT_FALSE(okm.ok());
        EXPECT_EQ(okm.error().code(), core::Code::kInvalidArgument);
        ++invalid;
      }
    }
  }
  EXPECT_GT(valid, 0);
  EXPECT_GT(invalid, 0);
  EXPECT_EQ(valid + invalid, file["numberOfTests"].get<int>());
  std::cout << "HKDF-SHA-256: " << valid << " valid vectors derived, " << invalid
            << " invalid ones refused\n";
}

}  // namespace
}  // namespace ward::crypto
