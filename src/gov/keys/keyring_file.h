#pragma once
// Internal to gov/keys: the keyring file, which holds every key-encryption key (KEK) version of
// every tenant and the audit log's signing seed, sealed as a whole under a key derived from the
// master secret. It lives outside the database on purpose: a copy of the database (a backup)
// holds only data keys wrapped by KEKs, so erasing a tenant's KEKs from this file makes every
// copy of its data unreadable (crypto-shredding). The format is described in docs/keys.md.
//
// Processes coordinate through an advisory lock (flock) on a lock file beside it: writers hold it
// exclusively across read-modify-write (and across the matching database change), readers hold it
// shared while reading. The file itself is replaced atomically (core::write_file_atomic).
//
// Thread-safety: KeyringContents is a plain value; the functions may be called from any thread;
// a FileLock is owned by one thread.

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "core/error.h"
#include "crypto/secret.h"
#include "gov/keys/master_key.h"

namespace ward::gov::keys_detail {

using KekId = std::pair<std::string, std::uint32_t>;  // tenant, version

struct KeyringContents {
  std::map<KekId, crypto::SecretBytes> keks;
  std::optional<crypto::SecretBytes> audit_seed;
};

// Identifies one version of the file on disk: the random salt in its header, fresh on every
// save, so a reader can tell cheaply whether another process replaced the file.
using FileStamp = std::array<std::uint8_t, 16>;

// The stamp of the file, or nullopt when it does not exist or is too short to have one.
std::optional<FileStamp> stamp_of(const std::filesystem::path& path);

// Reads and opens the keyring file. A file sealed under another master secret is
// kFailedPrecondition (the message names WARD_MASTER_KEY and keys.master_key_file); a file that
// fails to authenticate or parse is kDataLoss; a missing file is kNotFound.
core::Result<KeyringContents> load_keyring(const std::filesystem::path& path,
                                           const MasterKey& master);

// Seals `contents` under a key derived from `master` with a fresh random salt and replaces the
// file atomically (mode 0600).
core::Status save_keyring(const std::filesystem::path& path, const MasterKey& master,
                          const KeyringContents& contents);

// An advisory lock on `path` (created 0600 if missing), released on destruction.
class FileLock {
 public:
  // Waits up to `timeout` (then kUnavailable).
  static core::Result<FileLock> acquire(const std::filesystem::path& path, bool exclusive,
                                        std::chrono::milliseconds timeout);
  FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace ward::gov::keys_detail
