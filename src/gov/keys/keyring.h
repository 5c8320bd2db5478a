#pragma once
// The keyring: envelope encryption of tenant data at rest, and the keys behind it.
//
// Hierarchy (docs/keys.md has the whole story):
//   master secret (WARD_MASTER_KEY or the master key file)
//     └─ HKDF-SHA-256 → keyring sealing key → the keyring file, which holds
//          ├─ per tenant, versioned key-encryption keys (KEKs): Ward-managed (random) or
//          │  imported by the tenant (BYOK); the newest version is active, older ones only unwrap
//          └─ the audit log's Ed25519 signing seed
//   per tenant and purpose, data keys (DEKs, AES-256-GCM), stored in the database wrapped by a
//   KEK version; each ciphertext names its DEK (see envelope.h).
//
// KEK material lives only in the keyring file, never in the database: a copy of the database
// holds nothing but DEKs wrapped by KEKs, so destroying a tenant's KEKs (destroy_tenant_keys)
// makes its data unreadable in every copy of the database too (crypto-shredding), and revoking an
// imported KEK leaves Ward unable to decrypt until the tenant supplies the same key again.
//
// Nonces (NIST SP 800-38D): every encryption draws a random 96-bit nonce; a DEK is used for at
// most `data_key_usage_limit` encryptions (default 2^30, far below the 2^32 bound for random
// nonces), counted in the database across processes, after which a new DEK (the next generation)
// replaces it. Encryptions are reserved from the counter in blocks, so the count is an upper
// bound; a block not used before the process exits is simply skipped.
//
// Errors: a ciphertext that was altered or is opened in another context is kDataLoss; a revoked
// KEK or a destroyed tenant is kFailedPrecondition with what to do; a wrong master secret is
// kFailedPrecondition at open() and never yields garbage.
//
// Threads: a Keyring may be shared by all threads (one mutex inside). Several processes may open
// the same data directory: the keyring file is changed under a file lock, and each encryption and
// decryption reads the key state from the database, so a revocation by `ward admin keys revoke`
// takes effect at once in a running server. Call encrypt() and decrypt() outside your own
// transaction on the same Database (they begin transactions of their own): encrypt, then write;
// read, then decrypt. The Database must outlive the Keyring.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "crypto/secret.h"
#include "crypto/sign.h"
#include "gov/keys/envelope.h"
#include "gov/keys/master_key.h"
#include "store/store.h"

namespace ward::gov {

inline constexpr std::uint64_t kDefaultDataKeyUsageLimit = std::uint64_t{1} << 30;
// The largest limit accepted: 2^32 random 96-bit nonces keep the chance of a repeat below 2^-32.
inline constexpr std::uint64_t kMaxDataKeyUsageLimit = std::uint64_t{1} << 32;

struct KeyringOptions {
  std::filesystem::path keyring_file;  // required; the lock file is <keyring_file>.lock
  std::uint64_t data_key_usage_limit = kDefaultDataKeyUsageLimit;  // 1 to kMaxDataKeyUsageLimit
  std::chrono::milliseconds lock_timeout{10000};  // waiting for another process's key change
};

enum class KekOrigin { kWardManaged, kImported };
enum class KekState { kEnabled, kRevoked };

// "ward-managed" / "imported"; "enabled" / "revoked".
std::string_view origin_name(KekOrigin origin);
std::string_view state_name(KekState state);

struct KekVersionStatus {
  std::uint32_t version = 0;
  KekOrigin origin = KekOrigin::kWardManaged;
  KekState state = KekState::kEnabled;
  // False for a revoked imported key (Ward keeps only its check value).
  bool material_present = false;
  std::string created_at;  // RFC 3339
  std::optional<std::string> revoked_at;
  std::int64_t data_keys = 0;  // data keys wrapped by this version
};

struct KeyStatus {
  std::string tenant;
  std::optional<std::string> destroyed_at;  // set once the tenant's keys were destroyed
  std::vector<KekVersionStatus> versions;   // oldest first; the last one is active
  std::int64_t data_keys = 0;               // all data keys of the tenant
  std::int64_t active_data_keys = 0;        // those new encryptions use (one per purpose)
};

struct RewrapReport {
  std::string tenant;
  std::uint32_t kek_version = 0;     // the active version, which now wraps the data keys
  std::int64_t data_keys = 0;        // all data keys of the tenant
  std::int64_t rewrapped = 0;        // moved to kek_version now
  std::int64_t already_current = 0;  // were wrapped by kek_version already
  std::int64_t unavailable = 0;      // wrapped by a revoked version: left as they were
};

// What a key operation changed, in words and ids only (never key material): the seam for the
// audit log, which records one event per change.
struct KeyChange {
  std::string operation;  // "import", "rotate", "revoke", "restore", "destroy"
  std::string tenant;
  std::uint32_t kek_version = 0;  // the version created, revoked or restored (0 for destroy)
  std::string description;        // one sentence for an operator
};

class Keyring {
 public:
  // Opens (or, in a fresh directory, creates) the keyring of `db` whose file is
  // options.keyring_file. `db` must have had migrate_keys (gov::migrate) applied. Fails with
  // kFailedPrecondition when `master` is not the secret the keyring was created with, and with
  // kDataLoss when the keyring file is missing or damaged although the database holds keys.
  static core::Result<Keyring> open(store::Database& db, MasterKey master, const core::Clock& clock,
                                    KeyringOptions options);

  Keyring(Keyring&& other) noexcept;
  Keyring& operator=(Keyring&& other) noexcept;
  ~Keyring();

  // Seals `plaintext` for `context` with the tenant's current data key for the purpose (creating
  // the tenant's first, Ward-managed KEK and the data key on first use). Returns the envelope.
  core::Result<crypto::Bytes> encrypt(const EncryptionContext& context,
                                      std::span<const std::uint8_t> plaintext);

  // Opens an envelope made by encrypt() with the same context.
  core::Result<crypto::Bytes> decrypt(const EncryptionContext& context,
                                      std::span<const std::uint8_t> envelope);

  // BYOK: makes `kek` (32 bytes, e.g. from read_key_file) the tenant's new active KEK version.
  // Importing a key the tenant already has is kAlreadyExists.
  core::Result<KeyChange> import_kek(const std::string& tenant, const crypto::SecretBytes& kek);

  // A new Ward-managed KEK version. Refused (kFailedPrecondition) when the active version was
  // imported (a BYOK tenant rotates by importing new material) or is revoked.
  core::Result<KeyChange> rotate_kek(const std::string& tenant);

  // Revokes a BYOK tenant's key: every KEK version of the tenant becomes unusable, and Ward erases
  // the material of the imported versions (keeping their key check values). Decryption and
  // encryption fail with kFailedPrecondition until restore_kek. Refused when the active version is
  // Ward-managed (only the tenant's own key can be revoked and restored).
  core::Result<KeyChange> revoke_kek(const std::string& tenant);

  // Restores a revoked imported version from the same key material, recognised by its key check
  // value (any other key is kInvalidArgument). Restoring the active version re-enables the
  // tenant's older Ward-managed versions too.
  core::Result<KeyChange> restore_kek(const std::string& tenant, const crypto::SecretBytes& kek);

  // Re-wraps every data key of the tenant under the active KEK version and reports the counts.
  // Safe to interrupt and repeat: older versions stay available until the tenant is destroyed.
  core::Result<RewrapReport> rewrap(const std::string& tenant);

  // Crypto-shredding: erases all KEK versions and data keys of the tenant. Afterwards nothing the
  // tenant's keys sealed can be decrypted, from this database or any copy of it, and the tenant id
  // cannot be given keys again. Repeating it is harmless (it completes an interrupted run).
  core::Result<KeyChange> destroy_tenant_keys(const std::string& tenant);

  // The tenant's keys (an empty version list when it has none yet).
  core::Result<KeyStatus> status(const std::string& tenant);
  // Every tenant that has or had keys, ordered by tenant id.
  core::Result<std::vector<KeyStatus>> status_all();

  // The audit log's Ed25519 signing key, created on first use and kept in the keyring file.
  core::Result<crypto::Ed25519KeyPair> audit_signing_key();
  // Its public key, for verifying exported audit logs offline.
  core::Result<crypto::Ed25519PublicKey> audit_public_key();

 private:
  struct State;
  explicit Keyring(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Opens the keyring of a data directory as the CLI and the server do: the master secret from
// `environment` (WARD_MASTER_KEY) or from config.keys.master_key_file (default
// <data dir>/keys/master.key), which is created with random bytes only when the data directory
// holds no keys yet; the keyring file is <data dir>/keys/keyring.
core::Result<Keyring> open_keyring(const core::Config& config,
                                   const std::map<std::string, std::string>& environment,
                                   store::Database& db, const core::Clock& clock,
                                   std::uint64_t data_key_usage_limit = kDefaultDataKeyUsageLimit);

}  // namespace ward::gov
