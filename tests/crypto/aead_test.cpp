#include "crypto/aead.h"

#include <gtest/gtest.h>

#include "crypto/hash.h"
#include "crypto/random.h"

namespace ward::crypto {
namespace {

SecretBytes new_key() {
  auto key = random_secret(kAeadKeySize);
  EXPECT_TRUE(key.ok());
  return key.ok() ? std::move(key).value() : SecretBytes();
}

Bytes sample(std::size_t size) {
  Bytes bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return bytes;
}

Bytes bytes_of(std::string_view text) {
  const auto view = byte_view(text);
  return Bytes(view.begin(), view.end());
}

void expect_tampered(const core::Result<Bytes>& opened) {
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), core::Code::kDataLoss);
  EXPECT_EQ(opened.error().message(),
            "the ciphertext or its associated data was modified or the key is wrong");
}

void expect_invalid(const core::Status& status, std::string_view mentions) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), core::Code::kInvalidArgument);
  EXPECT_NE(status.error().message().find(mentions), std::string::npos) << status.error().message();
}

template <typename T>
core::Status status_of(const core::Result<T>& result) {
  return result.ok() ? core::ok_status() : core::Status(result.error());
}

const Bytes kAssociatedData = bytes_of("tenant=7;table=prompts;row=42");

TEST(CryptoAead, SealOpenRoundTripAtManySizes) {
  const SecretBytes key = new_key();
  for (std::size_t size : {0, 1, 15, 16, 17, 64, 1000, 65537}) {
    const Bytes plaintext = sample(size);
    auto sealed = seal(key, plaintext, kAssociatedData);
    ASSERT_TRUE(sealed.ok()) << sealed.error().to_string();
    EXPECT_EQ(sealed->size(), size + kAeadOverhead);
    auto opened = open(key, *sealed, kAssociatedData);
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    EXPECT_EQ(*opened, plaintext);
  }
}

TEST(CryptoAead, EmptyAssociatedDataRoundTrips) {
  const SecretBytes key = new_key();
  auto sealed = seal(key, byte_view("hello"), {});
  ASSERT_TRUE(sealed.ok());
  auto opened = open(key, *sealed, {});
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, bytes_of("hello"));
}

TEST(CryptoAead, SealingTwiceUsesFreshNonces) {
  const SecretBytes key = new_key();
  auto a = seal(key, byte_view("same plaintext"), kAssociatedData);
  auto b = seal(key, byte_view("same plaintext"), kAssociatedData);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_FALSE(std::equal(a->begin(), a->begin() + kAeadNonceSize, b->begin()));
}

TEST(CryptoAead, FlippingAnyBitOfNonceCiphertextOrTagFailsToOpen) {
  const SecretBytes key = new_key();
  auto sealed = seal(key, sample(20), kAssociatedData);
  ASSERT_TRUE(sealed.ok());
  for (std::size_t i = 0; i < sealed->size(); ++i) {
    for (std::uint8_t bit : {0x01, 0x80}) {
      Bytes modified = *sealed;
      modified[i] ^= bit;
      SCOPED_TRACE("byte " + std::to_string(i));
      expect_tampered(open(key, modified, kAssociatedData));
    }
  }
}

TEST(CryptoAead, ChangedAssociatedDataFailsToOpen) {
  const SecretBytes key = new_key();
  auto sealed = seal(key, sample(20), kAssociatedData);
  ASSERT_TRUE(sealed.ok());
  for (std::size_t i = 0; i < kAssociatedData.size(); ++i) {
    Bytes modified = kAssociatedData;
    modified[i] ^= 0x01;
    expect_tampered(open(key, *sealed, modified));
  }
  expect_tampered(open(key, *sealed, {}));
  Bytes longer = kAssociatedData;
  longer.push_back(0);
  expect_tampered(open(key, *sealed, longer));
}

TEST(CryptoAead, WrongKeyFailsToOpen) {
  auto sealed = seal(new_key(), sample(20), kAssociatedData);
  ASSERT_TRUE(sealed.ok());
  expect_tampered(open(new_key(), *sealed, kAssociatedData));
}

TEST(CryptoAead, TruncatedOrExtendedSealedDataFailsToOpen) {
  const SecretBytes key = new_key();
  auto sealed = seal(key, sample(20), kAssociatedData);
  ASSERT_TRUE(sealed.ok());
  for (std::size_t size : {std::size_t{0}, kAeadOverhead - 1, kAeadOverhead, sealed->size() - 1}) {
    auto opened = open(key, std::span(*sealed).first(size), kAssociatedData);
    ASSERT_FALSE(opened.ok()) << size;
    EXPECT_EQ(opened.error().code(), core::Code::kDataLoss);
  }
  Bytes extended = *sealed;
  extended.push_back(0);
  expect_tampered(open(key, extended, kAssociatedData));
}

TEST(CryptoAead, WrongKeySizeIsInvalidArgument) {
  for (std::size_t size : {0, 16, 24, 31, 33}) {
    const SecretBytes key(size);
    SCOPED_TRACE(size);
    expect_invalid(status_of(seal(key, sample(4), {})), "exactly 32 bytes");
    expect_invalid(status_of(open(key, sample(40), {})), "exactly 32 bytes");
  }
}

TEST(CryptoAead, DetachedRefusesOtherNonceAndTagSizes) {
  const SecretBytes key = new_key();
  for (std::size_t size : {0, 8, 11, 13, 16}) {
    SCOPED_TRACE(size);
    expect_invalid(status_of(seal_detached(key, Bytes(size), sample(4), {})), "12-byte");
    expect_invalid(status_of(open_detached(key, Bytes(size), sample(4), {}, Bytes(16))), "12-byte");
  }
  for (std::size_t size : {0, 4, 8, 12, 15, 17}) {
    SCOPED_TRACE(size);
    expect_invalid(status_of(open_detached(key, Bytes(12), sample(4), {}, Bytes(size))), "16-byte");
  }
}

// McGrew and Viega's GCM specification, test case 14 (zero key, zero IV, one zero block).
TEST(CryptoAead, DetachedKnownAnswer) {
  const SecretBytes key(32);
  auto sealed = seal_detached(key, Bytes(12), Bytes(16), {});
  ASSERT_TRUE(sealed.ok()) << sealed.error().to_string();
  EXPECT_EQ(to_hex(sealed->ciphertext), "cea7403d4d606b6e074ec5d3baf39d18");
  EXPECT_EQ(to_hex(sealed->tag), "d0d1c8a799996bf0265b98b5d48ab919");
  auto opened = open_detached(key, Bytes(12), sealed->ciphertext, {}, sealed->tag);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, Bytes(16));
}

TEST(CryptoAead, SealedLayoutIsNonceCiphertextTag) {
  const SecretBytes key = new_key();
  auto sealed = seal(key, sample(5), kAssociatedData);
  ASSERT_TRUE(sealed.ok());
  const std::span<const std::uint8_t> all(*sealed);
  auto opened = open_detached(key, all.first(kAeadNonceSize), all.subspan(kAeadNonceSize, 5),
                              kAssociatedData, all.last(kAeadTagSize));
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, sample(5));
}

}  // namespace
}  // namespace ward::crypto
