#pragma once
// The master secret and key files.
//
// The master secret is the root of Ward's key hierarchy (docs/keys.md): 32 bytes from which
// HKDF-SHA-256 derives, with a distinct `info` label per purpose, the key that seals the keyring
// file and the check value that recognises the right master secret. It comes from the environment
// (WARD_MASTER_KEY, hex or base64) or from a file (keys.master_key_file, default
// <data dir>/keys/master.key), which Ward creates with fresh random bytes (mode 0600, directory
// 0700) on first use when neither exists.
//
// Key files (the master key file, a tenant's key for `ward admin keys import`) hold 32 raw bytes,
// 64 hex digits or base64 of 32 bytes, and must not be accessible to the group or to others: a
// key file that other users could read is refused rather than used. Key material never appears
// in an error message or a log line.
//
// Thread-safety: MasterKey is immutable after construction; the functions are safe from any
// thread (creating the master key file is atomic and never replaces an existing file).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/error.h"
#include "crypto/secret.h"

namespace ward::gov {

// Every key Ward keeps (master secret, KEKs, DEKs) is 256 bits.
inline constexpr std::size_t kKeySize = 32;

// The environment variable that carries the master secret.
inline constexpr std::string_view kMasterKeyVariable = "WARD_MASTER_KEY";

class MasterKey {
 public:
  // Exactly kKeySize bytes, not all zero.
  static core::Result<MasterKey> from_bytes(crypto::SecretBytes secret);

  // HKDF-SHA-256 of the master secret with `salt` and `info` (a label such as
  // "ward/keys/keyring-file/v1"): keys derived for different labels are independent.
  core::Result<crypto::SecretBytes> derive(std::string_view info,
                                           std::span<const std::uint8_t> salt,
                                           std::size_t size) const;

  // A 16-byte value that identifies this master secret without revealing it (an HKDF output
  // under its own label), stored beside what it sealed so that a wrong master secret is
  // recognised as such instead of looking like corruption.
  core::Result<crypto::Bytes> check_value() const;

 private:
  explicit MasterKey(crypto::SecretBytes secret) : secret_(std::move(secret)) {}
  crypto::SecretBytes secret_;
};

// Parses key material: exactly 32 raw bytes, or (surrounding whitespace ignored) 64 hex digits or
// the base64 encoding (standard alphabet, padding optional) of 32 bytes. Anything else is
// kInvalidArgument naming `where` (a file or variable), never echoing the data. All-zero keys are
// refused.
core::Result<crypto::SecretBytes> parse_key_material(std::span<const std::uint8_t> data,
                                                     std::string_view where);

// Reads a key file (see parse_key_material). Refused with kInvalidArgument when it is not a
// regular file or when its mode grants the group or others any access (the message says how to
// fix the mode); kNotFound when missing.
core::Result<crypto::SecretBytes> read_key_file(const std::filesystem::path& path);

// Where the master secret comes from.
struct MasterKeySource {
  std::optional<std::string> environment;  // the value of WARD_MASTER_KEY when set
  std::filesystem::path file;              // keys.master_key_file or its default
  bool file_configured = false;            // keys.master_key_file was set explicitly
  bool create_if_missing = false;          // create `file` with fresh random bytes if absent
};

// The environment wins; setting both WARD_MASTER_KEY and keys.master_key_file is an error (one
// of them would be silently ignored). A missing file is created (0600, its directory 0700) only
// when `create_if_missing`; otherwise kNotFound says which secret is missing.
core::Result<MasterKey> load_master_key(const MasterKeySource& source);

// Where a data directory keeps its keys.
struct KeyPaths {
  std::filesystem::path directory;        // <data dir>/keys, mode 0700
  std::filesystem::path master_key_file;  // keys.master_key_file, default <directory>/master.key
  std::filesystem::path keyring_file;     // <directory>/keyring
};
KeyPaths key_paths(const core::Config& config);

}  // namespace ward::gov
