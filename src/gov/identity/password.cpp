#include "gov/identity/password.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>

namespace ward::gov {
namespace {

using core::Code;
using core::Error;

// libsodium must be initialised once before use; sodium_init is itself thread-safe and idempotent.
void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) std::abort();  // no CSPRNG: there is no safe way to go on
}

std::size_t code_points(std::string_view text) {
  std::size_t count = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++count;  // count every byte that is not a UTF-8 continuation byte
  }
  return count;
}

// crypto_pwhash_str_* read a NUL-terminated string of at most crypto_pwhash_STRBYTES bytes.
bool usable_hash(std::string_view hash) {
  return !hash.empty() && hash.size() < crypto_pwhash_STRBYTES &&
         hash.find('\0') == std::string_view::npos;
}

}  // namespace

PasswordParams PasswordParams::interactive() {
  return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

PasswordParams PasswordParams::minimum_for_tests() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

core::Status check_password_rules(std::string_view password) {
  if (password.size() > kMaxPasswordBytes) {
    return Error(Code::kInvalidArgument, "password",
                 "the password is longer than " + std::to_string(kMaxPasswordBytes) +
                     " bytes; choose a shorter one");
  }
  if (code_points(password) < kMinPasswordLength) {
    return Error(Code::kInvalidArgument, "password",
                 "the password is shorter than " + std::to_string(kMinPasswordLength) +
                     " characters; choose a longer one (a passphrase of several words works well)");
  }
  return {};
}

core::Result<std::string> hash_password(std::string_view password, const PasswordParams& params) {
  if (auto rules = check_password_rules(password); !rules) return rules.error();
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), params.opslimit, params.memlimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error(Code::kResourceExhausted, "password",
                 "hashing the password failed because memory ran out; try again later");
  }
  return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) {
  if (!usable_hash(hash) || password.size() > kMaxPasswordBytes) return false;
  ensure_sodium();
  const std::string terminated(hash);
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

bool password_needs_rehash(std::string_view hash, const PasswordParams& params) {
  if (!usable_hash(hash)) return true;
  ensure_sodium();
  const std::string terminated(hash);
  // 1: other parameters; -1: not an Argon2id hash at all. Either way, hash again.
  return crypto_pwhash_str_needs_rehash(terminated.c_str(), params.opslimit, params.memlimit) != 0;
}

}  // namespace ward::gov
