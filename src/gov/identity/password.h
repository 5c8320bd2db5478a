#pragma once
// Local passwords: Argon2id hashes (libsodium crypto_pwhash_str), the length rule, and rehashing
// when Ward's cost parameters change.
//
// A stored hash is libsodium's self-describing string ("$argon2id$v=19$m=65536,t=2,p=1$salt$hash"),
// so a hash made under older parameters still verifies, and password_needs_rehash() tells the
// login path to replace it. Passwords are never logged, echoed or put in an error message.
//
// Thread-safety: pure functions; safe from any thread. Each hash or verification takes the
// parameters' memory (64 MiB for PasswordParams::interactive()) for its duration.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.h"
#include "gov/identity/model.h"

namespace ward::gov {

// NIST SP 800-63B asks for at least 8 characters and recommends allowing long passphrases; Ward
// asks for 12 (counted in Unicode code points) and caps the length at 1024 bytes so a request
// cannot make the server hash megabytes.
inline constexpr std::size_t kMinPasswordLength = 12;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

// kInvalidArgument (naming the rule, never the password) when `password` is too short or too long.
core::Status check_password_rules(std::string_view password);

// Checks the rules and returns a fresh Argon2id hash string with a random salt.
core::Result<std::string> hash_password(std::string_view password, const PasswordParams& params);

// True when `password` matches `hash`; false for a wrong password or a malformed hash.
bool verify_password(std::string_view hash, std::string_view password);

// True when `hash` was not made with `params` (or is not an Argon2id hash at all).
bool password_needs_rehash(std::string_view hash, const PasswordParams& params);

}  // namespace ward::gov
