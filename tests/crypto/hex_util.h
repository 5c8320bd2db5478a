#pragma once
// Test-only shorthands for writing byte strings as hex literals. Single-threaded test use.

#include <gtest/gtest.h>

#include <string_view>

#include "crypto/hash.h"
#include "crypto/secret.h"

namespace ward::crypto::testing {

// The bytes spelled by `text`; fails the test (and returns nothing) if it is not valid hex.
inline Bytes hex(std::string_view text) {
  auto bytes = from_hex(text);
  EXPECT_TRUE(bytes.ok()) << "bad hex in a test: " << text;
  return bytes.ok() ? *bytes : Bytes{};
}

inline SecretBytes secret_hex(std::string_view text) {
  return SecretBytes(hex(text));
}

}  // namespace ward::crypto::testing
