#include "gov/keys/keyring.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <utility>

#include "crypto/aead.h"
#include "crypto/compare.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "gov/keys/keyring_file.h"
#include "gov/keys/wire.h"

namespace ward::gov {
namespace {

namespace fs = std::filesystem;
using core::Code;
using core::Error;
using core::Result;
using core::Status;
using crypto::Bytes;
using crypto::SecretBytes;
using store::Blob;
using store::Row;
using store::Transaction;
using store::Value;
using namespace keys_detail;

constexpr std::string_view kWardManaged = "ward-managed";
constexpr std::string_view kImported = "imported";
constexpr std::string_view kEnabled = "enabled";
constexpr std::string_view kRevoked = "revoked";
constexpr std::string_view kKekCheckLabel = "ward/keys/kek-check/v1";
constexpr std::string_view kWrapLabel = "ward/keys/dek/v1";
constexpr std::size_t kKekCheckSize = 16;
// Encryptions reserved from a data key's counter per database write.
constexpr std::uint64_t kReservationBlock = 1024;
// Unwrapped data keys kept in memory; the cache is emptied when it grows past this.
constexpr std::size_t kMaxCachedDataKeys = 4096;
constexpr std::int64_t kRewrapBatch = 256;
constexpr int kMaxAttempts = 4;

const store::TransactionOptions kRead{store::Access::kReadOnly, store::Durability::kNormal};
const store::TransactionOptions kWrite{store::Access::kReadWrite, store::Durability::kNormal};
// Key changes must survive power loss: a lost KEK row would orphan data keys.
const store::TransactionOptions kWriteDurable{store::Access::kReadWrite, store::Durability::kFull};

std::string where(const std::string& tenant) {
  return "tenant " + tenant;
}

Error revoked_error(const std::string& tenant, std::uint32_t version) {
  return Error(Code::kFailedPrecondition, where(tenant),
               fmt::format("the tenant's key-encryption key (version {}) is revoked, so its data "
                           "can be neither decrypted nor encrypted; the tenant can restore it "
                           "with `ward admin keys restore --tenant {} --key-file FILE` and the "
                           "same key",
                           version, tenant));
}

Error destroyed_error(const std::string& tenant, const std::string& at) {
  return Error(Code::kFailedPrecondition, where(tenant),
               fmt::format("the tenant's keys were destroyed at {} (crypto-shredding); its data "
                           "can never be decrypted again and the tenant id cannot get new keys",
                           at));
}

Error missing_material(const std::string& tenant, std::uint32_t version) {
  return Error(Code::kDataLoss, where(tenant),
               fmt::format("version {} of the tenant's key-encryption key is enabled in the "
                           "database but missing from the keyring file; restore the keyring file "
                           "from backup (or, if the tenant's keys were being destroyed, run the "
                           "destruction again)",
                           version));
}

Error wrong_context() {
  return Error(Code::kDataLoss, "",
               "the ciphertext does not open in this context: it belongs to another tenant, "
               "purpose or record, or it was altered");
}

Blob blob(std::span<const std::uint8_t> bytes) {
  return Blob{Bytes(bytes.begin(), bytes.end())};
}

Result<Bytes> kek_check_value(const std::string& tenant, const SecretBytes& kek) {
  Bytes data(kKekCheckLabel.begin(), kKekCheckLabel.end());
  put_field(data, tenant);
  auto mac = crypto::hmac_sha256(kek.view(), data);
  if (!mac) return mac.error();
  return Bytes(mac->begin(), mac->begin() + kKekCheckSize);
}

Bytes wrap_associated_data(const std::string& tenant, const std::string& purpose,
                           const DataKeyId& id, std::uint32_t generation,
                           std::uint32_t kek_version) {
  Bytes out(kWrapLabel.begin(), kWrapLabel.end());
  put_field(out, tenant);
  put_field(out, purpose);
  put_bytes(out, id);
  put_u32(out, generation);
  put_u32(out, kek_version);
  return out;
}

Result<DataKeyId> parse_id(const std::string& hex) {
  auto bytes = crypto::from_hex(hex);
  if (!bytes || bytes->size() != kDataKeyIdSize) {
    return Error(Code::kDataLoss, "keys_dek", "a data key id in the database is malformed");
  }
  DataKeyId id{};
  std::copy(bytes->begin(), bytes->end(), id.begin());
  return id;
}

struct KekRow {
  std::uint32_t version = 0;
  KekOrigin origin = KekOrigin::kWardManaged;
  KekState state = KekState::kEnabled;
  Bytes check_value;
  std::string created_at;
  std::optional<std::string> revoked_at;
  std::int64_t data_keys = 0;
};

struct TenantKeys {
  std::optional<std::string> destroyed_at;
  std::vector<KekRow> versions;  // oldest first
  const KekRow* newest() const { return versions.empty() ? nullptr : &versions.back(); }
};

Result<KekRow> to_kek_row(const Row& row) {
  auto version = row.get_int("version");
  auto origin = row.get_text("origin");
  auto state = row.get_text("state");
  auto check = row.get_blob("check_value");
  auto created = row.get_text("created_at");
  auto revoked = row.get_optional_text("revoked_at");
  auto data_keys = row.get_int("data_keys");
  if (!version) return version.error();
  if (!origin) return origin.error();
  if (!state) return state.error();
  if (!check) return check.error();
  if (!created) return created.error();
  if (!revoked) return revoked.error();
  if (!data_keys) return data_keys.error();
  KekRow out;
  out.version = static_cast<std::uint32_t>(*version);
  out.origin = *origin == kImported ? KekOrigin::kImported : KekOrigin::kWardManaged;
  out.state = *state == kRevoked ? KekState::kRevoked : KekState::kEnabled;
  out.check_value = std::move(check->bytes);
  out.created_at = std::move(*created);
  out.revoked_at = std::move(*revoked);
  out.data_keys = *data_keys;
  return out;
}

Result<TenantKeys> read_tenant(Transaction& tx, const std::string& tenant) {
  TenantKeys keys;
  auto destroyed =
      tx.query_one("SELECT destroyed_at FROM keys_destroyed WHERE tenant = ?", {tenant});
  if (!destroyed) return destroyed.error();
  if (*destroyed) {
    auto at = (*destroyed)->get_text("destroyed_at");
    if (!at) return at.error();
    keys.destroyed_at = std::move(*at);
  }
  auto rows = tx.query(
      "SELECT k.version, k.origin, k.state, k.check_value, k.created_at, k.revoked_at, "
      "(SELECT COUNT(*) FROM keys_dek d WHERE d.tenant = k.tenant AND d.kek_version = k.version) "
      "AS data_keys FROM keys_kek k WHERE k.tenant = ? ORDER BY k.version",
      {tenant});
  if (!rows) return rows.error();
  for (const auto& row : *rows) {
    auto kek = to_kek_row(row);
    if (!kek) return kek.error();
    keys.versions.push_back(std::move(*kek));
  }
  return keys;
}

struct ActiveDataKey {
  DataKeyId id{};
  std::uint32_t generation = 0;
  std::uint64_t remaining = 0;  // encryptions reserved in the database and not used yet
};

// A data key row as decrypt() and rewrap() need it.
struct DataKeyRow {
  DataKeyId id{};
  std::string tenant;
  std::string purpose;
  std::uint32_t generation = 0;
  std::uint32_t kek_version = 0;
  Bytes wrapped;
  KekState kek_state = KekState::kEnabled;
};

Result<DataKeyRow> to_data_key_row(const Row& row) {
  auto id = row.get_text("id");
  auto tenant = row.get_text("tenant");
  auto purpose = row.get_text("purpose");
  auto generation = row.get_int("generation");
  auto kek_version = row.get_int("kek_version");
  auto wrapped = row.get_blob("wrapped");
  auto state = row.get_text("state");
  if (!id) return id.error();
  if (!tenant) return tenant.error();
  if (!purpose) return purpose.error();
  if (!generation) return generation.error();
  if (!kek_version) return kek_version.error();
  if (!wrapped) return wrapped.error();
  if (!state) return state.error();
  auto parsed = parse_id(*id);
  if (!parsed) return parsed.error();
  DataKeyRow out;
  out.id = *parsed;
  out.tenant = std::move(*tenant);
  out.purpose = std::move(*purpose);
  out.generation = static_cast<std::uint32_t>(*generation);
  out.kek_version = static_cast<std::uint32_t>(*kek_version);
  out.wrapped = std::move(wrapped->bytes);
  out.kek_state = *state == kRevoked ? KekState::kRevoked : KekState::kEnabled;
  return out;
}

constexpr std::string_view kDataKeyColumns =
    "SELECT d.id, d.tenant, d.purpose, d.generation, d.kek_version, d.wrapped, k.state "
    "FROM keys_dek d JOIN keys_kek k ON k.tenant = d.tenant AND k.version = d.kek_version ";

Result<SecretBytes> unwrap(const SecretBytes& kek, const DataKeyRow& row) {
  auto ad = wrap_associated_data(row.tenant, row.purpose, row.id, row.generation, row.kek_version);
  auto plain = crypto::open(kek, row.wrapped, ad);
  if (!plain) {
    return Error(Code::kDataLoss, where(row.tenant),
                 fmt::format("data key {} does not authenticate under version {} of the tenant's "
                             "key-encryption key; the database or the keyring file was altered",
                             crypto::to_hex(row.id), row.kek_version));
  }
  return to_secret(std::move(*plain));
}

// The argument check of a key change that takes only the tenant id.
Status no_arguments() {
  return {};
}

}  // namespace

std::string_view origin_name(KekOrigin origin) {
  return origin == KekOrigin::kImported ? kImported : kWardManaged;
}

std::string_view state_name(KekState state) {
  return state == KekState::kRevoked ? kRevoked : kEnabled;
}

struct Keyring::State {
  State(store::Database& database, MasterKey master_key, const core::Clock& clock_ref,
        KeyringOptions keyring_options)
      : db(database),
        master(std::move(master_key)),
        clock(clock_ref),
        options(std::move(keyring_options)),
        lock_file(options.keyring_file.string() + ".lock"),
        block(std::min(kReservationBlock, options.data_key_usage_limit)) {}

  store::Database& db;
  const MasterKey master;
  const core::Clock& clock;
  const KeyringOptions options;
  const fs::path lock_file;
  const std::uint64_t block;

  std::mutex mutex;
  // Guarded by mutex: the keyring file's contents as of `stamp`, unwrapped data keys (by id, with
  // their tenant), and the data key each (tenant, purpose) encrypts with.
  KeyringContents contents;
  std::optional<FileStamp> stamp;
  std::map<DataKeyId, std::pair<std::string, SecretBytes>> data_keys;
  std::map<std::pair<std::string, std::string>, ActiveDataKey> active;

  std::string now() const { return core::format_rfc3339(clock.now()); }

  Result<FileLock> lock(bool exclusive) const {
    return FileLock::acquire(lock_file, exclusive, options.lock_timeout);
  }

  // Re-reads the keyring file when another process replaced it. `locked`: the caller holds the
  // file lock already (taking it again from this process would wait for ourselves).
  Status refresh(bool locked) {
    std::optional<FileLock> guard;
    if (!locked) {
      auto shared = lock(false);
      if (!shared) return shared.error();
      guard.emplace(std::move(*shared));
    }
    auto current = stamp_of(options.keyring_file);
    if (current && stamp && *current == *stamp) return {};
    auto loaded = load_keyring(options.keyring_file, master);
    if (!loaded) return loaded.error();
    contents = std::move(*loaded);
    stamp = current;
    return {};
  }

  // Writes `contents` (the caller holds the exclusive lock). On failure the file is unchanged, and
  // so, after re-reading it, is `contents`.
  Status save() {
    Status saved = save_keyring(options.keyring_file, master, contents);
    if (!saved) {
      stamp.reset();
      (void)refresh(true);
      return saved;
    }
    stamp = stamp_of(options.keyring_file);
    return {};
  }

  // An exclusive file lock with `contents` brought up to date: the start of every key change.
  Result<FileLock> begin_change() {
    auto guard = lock(true);
    if (!guard) return guard.error();
    if (auto status = refresh(true); !status) return status.error();
    return guard;
  }

  // The tenant's keys, refused once destroyed: they can never be used or changed again.
  Result<TenantKeys> read_live(const std::string& tenant) {
    TenantKeys keys;
    Status status = db.with_transaction(kRead, [&](Transaction& tx) -> Status {
      auto read_keys = read_tenant(tx, tenant);
      if (!read_keys) return read_keys.error();
      keys = std::move(*read_keys);
      return {};
    });
    if (!status) return status.error();
    if (keys.destroyed_at) return destroyed_error(tenant, *keys.destroyed_at);
    return keys;
  }

  // How every key change starts. The tenant id, then the operation's own arguments (`check`,
  // () -> Status), are checked before anything is locked; `change` (() -> Result<KeyChange>) runs
  // holding the mutex and the exclusive file lock, with `contents` current.
  template <typename Check, typename Change>
  Result<KeyChange> change_keys(const std::string& tenant, Check&& check, Change&& change) {
    if (auto status = check_tenant(tenant); !status) return status.error();
    if (auto status = check(); !status) return status.error();
    std::lock_guard lock(mutex);
    auto guard = begin_change();
    if (!guard) return guard.error();
    return change();
  }

  // The same for a change that starts from the tenant's keys as they are now (`change`:
  // const TenantKeys& -> Result<KeyChange>).
  template <typename Check, typename Change>
  Result<KeyChange> change_tenant_keys(const std::string& tenant, Check&& check, Change&& change) {
    return change_keys(tenant, check, [&]() -> Result<KeyChange> {
      auto keys = read_live(tenant);
      if (!keys) return keys.error();
      return change(*keys);
    });
  }

  // The material of a KEK version, re-reading the file once if it is not known; nullptr when the
  // file does not hold it.
  Result<const SecretBytes*> kek(const std::string& tenant, std::uint32_t version) {
    auto it = contents.keks.find(KekId{tenant, version});
    if (it != contents.keks.end()) return &it->second;
    if (auto status = refresh(false); !status) return status.error();
    it = contents.keks.find(KekId{tenant, version});
    return it == contents.keks.end() ? nullptr : &it->second;
  }

  void forget(const std::string& tenant) {
    std::erase_if(data_keys, [&](const auto& entry) { return entry.second.first == tenant; });
    std::erase_if(active, [&](const auto& entry) { return entry.first.first == tenant; });
  }

  void cache(const DataKeyId& id, const std::string& tenant, SecretBytes key) {
    if (data_keys.size() >= kMaxCachedDataKeys) data_keys.clear();
    data_keys.insert_or_assign(id, std::make_pair(tenant, std::move(key)));
  }

  // Appends a KEK version (the caller holds the exclusive lock, and `keys` is current): first to
  // the keyring file, then to the database, so the database never names material the file lacks.
  Result<std::uint32_t> append_version(const std::string& tenant, const TenantKeys& keys,
                                       KekOrigin origin, SecretBytes material) {
    auto check = kek_check_value(tenant, material);
    if (!check) return check.error();
    for (const auto& version : keys.versions) {
      if (crypto::constant_time_equal(version.check_value, *check)) {
        return Error(Code::kAlreadyExists, where(tenant),
                     fmt::format("this key is already version {} of the tenant's key-encryption "
                                 "key; import a new key",
                                 version.version));
      }
    }
    const std::uint32_t version = keys.newest() ? keys.newest()->version + 1 : 1;
    contents.keks.insert_or_assign(KekId{tenant, version}, std::move(material));
    if (auto status = save(); !status) return status.error();
    Status inserted = db.with_transaction(kWriteDurable, [&](Transaction& tx) -> Status {
      auto done = tx.execute(
          "INSERT INTO keys_kek (tenant, version, origin, check_value, state, created_at, "
          "revoked_at) VALUES (?, ?, ?, ?, ?, ?, NULL)",
          {tenant, std::int64_t{version}, std::string(origin_name(origin)), blob(*check),
           std::string(kEnabled), now()});
      return done ? Status() : Status(done.error());
    });
    if (!inserted) return inserted.error();
    // New encryptions move to the new version (old data keys are retired on next use).
    std::erase_if(active, [&](const auto& entry) { return entry.first.first == tenant; });
    return version;
  }

  // Gives a tenant with no KEK its first, Ward-managed one.
  Status create_first_kek(const std::string& tenant) {
    auto guard = begin_change();
    if (!guard) return guard.error();
    auto keys = read_live(tenant);
    if (!keys) return keys.error();
    if (!keys->versions.empty()) return {};  // another process was quicker
    auto material = crypto::random_secret(kKeySize);
    if (!material) return material.error();
    auto version = append_version(tenant, *keys, KekOrigin::kWardManaged, std::move(*material));
    return version ? Status() : Status(version.error());
  }

  // Reserves encryptions on the tenant's current data key for `purpose`, replacing it by a new
  // one (the next generation) when it is used up or wrapped by an older KEK version.
  Result<ActiveDataKey> renew(const std::string& tenant, const std::string& purpose) {
    const std::uint64_t limit = options.data_key_usage_limit;
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      auto keys = read_live(tenant);
      if (!keys) return keys.error();
      const KekRow* newest = keys->newest();
      if (newest == nullptr) {
        if (auto status = create_first_kek(tenant); !status) return status.error();
        continue;
      }
      if (newest->state == KekState::kRevoked) return revoked_error(tenant, newest->version);
      auto material = kek(tenant, newest->version);  // read outside any transaction
      if (!material) return material.error();
      if (*material == nullptr) return missing_material(tenant, newest->version);
      const SecretBytes kek_material = (*material)->clone();
      const std::uint32_t kek_version = newest->version;

      bool stale = false;
      ActiveDataKey result;
      SecretBytes unwrapped;
      Status done = db.with_transaction(kWrite, [&](Transaction& tx) -> Status {
        stale = false;
        unwrapped.wipe();
        auto current = tx.query_one(
            "SELECT version, state FROM keys_kek WHERE tenant = ? ORDER BY version DESC LIMIT 1",
            {tenant});
        if (!current) return current.error();
        if (*current) {
          auto version = (*current)->get_int("version");
          auto state = (*current)->get_text("state");
          if (!version) return version.error();
          if (!state) return state.error();
          stale = *version != kek_version || *state != kEnabled;
        }
        if (!*current || stale) {
          stale = true;  // the keys changed since they were read: start over
          return Error(Code::kFailedPrecondition, "", "the tenant's keys changed");
        }
        auto row = tx.query_one(
            "SELECT d.id, d.tenant, d.purpose, d.generation, d.kek_version, d.wrapped, d.uses, "
            "'enabled' AS state FROM keys_dek d WHERE d.tenant = ? AND d.purpose = ? AND "
            "d.active = 1",
            {tenant, purpose});
        if (!row) return row.error();
        if (*row) {
          auto dek = to_data_key_row(**row);
          if (!dek) return dek.error();
          auto uses = (*row)->get_int("uses");
          if (!uses) return uses.error();
          const auto used = static_cast<std::uint64_t>(std::max<std::int64_t>(*uses, 0));
          if (used < limit && dek->kek_version == kek_version) {
            const std::uint64_t reserve = std::min(block, limit - used);
            auto updated =
                tx.execute("UPDATE keys_dek SET uses = uses + ? WHERE id = ?",
                           {static_cast<std::int64_t>(reserve), crypto::to_hex(dek->id)});
            if (!updated) return updated.error();
            result = ActiveDataKey{dek->id, dek->generation, reserve};
            if (!data_keys.contains(dek->id)) {
              auto key = unwrap(kek_material, *dek);
              if (!key) return key.error();
              unwrapped = std::move(*key);
            }
            return {};
          }
          auto retired = tx.execute("UPDATE keys_dek SET active = 0, retired_at = ? WHERE id = ?",
                                    {now(), crypto::to_hex(dek->id)});
          if (!retired) return retired.error();
        }
        auto last = tx.query_one(
            "SELECT COALESCE(MAX(generation), 0) AS generation FROM keys_dek WHERE tenant = ? AND "
            "purpose = ?",
            {tenant, purpose});
        if (!last) return last.error();
        auto generation = (*last)->get_int("generation");
        if (!generation) return generation.error();
        DataKeyRow fresh;
        if (auto status = crypto::random_bytes(fresh.id); !status) return status;
        fresh.tenant = tenant;
        fresh.purpose = purpose;
        fresh.generation = static_cast<std::uint32_t>(*generation + 1);
        fresh.kek_version = kek_version;
        auto key = crypto::random_secret(kKeySize);
        if (!key) return key.error();
        auto wrapped = crypto::seal(
            kek_material, key->view(),
            wrap_associated_data(tenant, purpose, fresh.id, fresh.generation, kek_version));
        if (!wrapped) return wrapped.error();
        const std::uint64_t reserve = std::min(block, limit);
        auto inserted = tx.execute(
            "INSERT INTO keys_dek (id, tenant, purpose, generation, kek_version, wrapped, uses, "
            "active, created_at, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, NULL)",
            {crypto::to_hex(fresh.id), tenant, purpose, std::int64_t{fresh.generation},
             std::int64_t{kek_version}, Blob{std::move(*wrapped)},
             static_cast<std::int64_t>(reserve), now()});
        if (!inserted) return inserted.error();
        result = ActiveDataKey{fresh.id, fresh.generation, reserve};
        unwrapped = std::move(*key);
        return {};
      });
      if (stale) continue;
      if (!done) return done.error();
      if (!unwrapped.empty()) cache(result.id, tenant, std::move(unwrapped));
      return result;
    }
    return Error(Code::kUnavailable, where(tenant),
                 "the tenant's keys kept changing while a data key was being chosen; try again");
  }

  // The data key to encrypt with: the reserved one while the database confirms it is still the
  // active key under the active, enabled KEK version (so a rotation or revocation by another
  // process is seen at once); a renewed one otherwise.
  Result<std::pair<DataKeyId, std::uint32_t>> data_key_for(const std::string& tenant,
                                                           const std::string& purpose) {
    const auto slot = std::make_pair(tenant, purpose);
    auto it = active.find(slot);
    if (it != active.end() && it->second.remaining > 0 && data_keys.contains(it->second.id)) {
      bool current = false;
      Status checked = db.with_transaction(kRead, [&](Transaction& tx) -> Status {
        auto row = tx.query_one(
            "SELECT d.active, d.kek_version, k.state, (SELECT MAX(version) FROM keys_kek n WHERE "
            "n.tenant = d.tenant) AS newest FROM keys_dek d JOIN keys_kek k ON k.tenant = "
            "d.tenant AND k.version = d.kek_version WHERE d.id = ?",
            {crypto::to_hex(it->second.id)});
        if (!row) return row.error();
        if (!*row) return {};  // destroyed meanwhile
        auto is_active = (*row)->get_int("active");
        auto version = (*row)->get_int("kek_version");
        auto state = (*row)->get_text("state");
        auto newest = (*row)->get_int("newest");
        if (!is_active || !version || !state || !newest) {
          return Error(Code::kDataLoss, "keys_dek", "a data key row is malformed");
        }
        current = *is_active == 1 && *state == kEnabled && *version == *newest;
        return {};
      });
      if (!checked) return checked.error();
      if (current) {
        --it->second.remaining;
        return std::make_pair(it->second.id, it->second.generation);
      }
      active.erase(it);  // renew() says why if the tenant cannot encrypt any more
    }
    auto renewed = renew(tenant, purpose);
    if (!renewed) return renewed.error();
    ActiveDataKey& slot_key = active[slot] = *renewed;
    --slot_key.remaining;
    return std::make_pair(slot_key.id, slot_key.generation);
  }
};

Keyring::Keyring(std::unique_ptr<State> state) : state_(std::move(state)) {}
Keyring::Keyring(Keyring&& other) noexcept = default;
Keyring& Keyring::operator=(Keyring&& other) noexcept = default;
Keyring::~Keyring() = default;

Result<Keyring> Keyring::open(store::Database& db, MasterKey master, const core::Clock& clock,
                              KeyringOptions options) {
  if (options.keyring_file.empty()) {
    return Error(Code::kInvalidArgument, "keyring_file", "the keyring needs a file path");
  }
  if (options.data_key_usage_limit < 1 || options.data_key_usage_limit > kMaxDataKeyUsageLimit) {
    return Error(Code::kInvalidArgument, "data_key_usage_limit",
                 "a data key's usage limit must be between 1 and 2^32 encryptions");
  }
  if (auto status = ensure_key_directory(options.keyring_file.parent_path()); !status) {
    return status.error();
  }
  auto state = std::make_unique<State>(db, std::move(master), clock, std::move(options));
  const fs::path& file = state->options.keyring_file;

  auto guard = state->lock(true);
  if (!guard) return guard.error();
  auto ours = state->master.check_value();
  if (!ours) return ours.error();
  std::optional<Bytes> recorded;
  std::int64_t kek_rows = 0;
  Status read = db.with_transaction(kRead, [&](Transaction& tx) -> Status {
    auto row = tx.query_one("SELECT value FROM keys_meta WHERE name = 'master_check'");
    if (!row) return row.error();
    if (*row) {
      auto value = (*row)->get_blob("value");
      if (!value) return value.error();
      recorded = std::move(value->bytes);
    }
    auto count = tx.query_one("SELECT COUNT(*) AS n FROM keys_kek");
    if (!count) return count.error();
    auto n = (*count)->get_int("n");
    if (!n) return n.error();
    kek_rows = *n;
    return {};
  });
  if (!read) return read.error();
  if (recorded && !crypto::constant_time_equal(*recorded, *ours)) {
    return Error(Code::kFailedPrecondition, "master secret",
                 "the master secret is not the one this data directory's keys were created "
                 "with; supply the original through WARD_MASTER_KEY or keys.master_key_file "
                 "(Ward never opens or replaces keys with a different master secret)");
  }
  std::error_code ec;
  if (fs::exists(file, ec)) {
    if (auto status = state->refresh(true); !status) return status.error();
  } else if (kek_rows > 0) {
    return Error(Code::kDataLoss, file.string(),
                 fmt::format("the keyring file is missing, but the database holds {} "
                             "key-encryption key versions that live only in it; restore the "
                             "keyring file from your backup of the keys directory (a new "
                             "keyring could not decrypt any existing data)",
                             kek_rows));
  } else if (auto status = state->save(); !status) {
    return status.error();
  }
  if (!recorded) {
    Status stored = db.with_transaction(kWriteDurable, [&](Transaction& tx) -> Status {
      auto done = tx.execute(
          "INSERT INTO keys_meta (name, value) VALUES ('master_check', ?) ON CONFLICT (name) DO "
          "NOTHING",
          {blob(*ours)});
      return done ? Status() : Status(done.error());
    });
    if (!stored) return stored.error();
  }
  return Keyring(std::move(state));
}

Result<Bytes> Keyring::encrypt(const EncryptionContext& context,
                               std::span<const std::uint8_t> plaintext) {
  if (auto status = check_context(context); !status) return status.error();
  std::lock_guard lock(state_->mutex);
  auto chosen = state_->data_key_for(context.tenant, context.purpose);
  if (!chosen) return chosen.error();
  const auto& [id, generation] = *chosen;
  Bytes envelope = encode_envelope_header(EnvelopeHeader{id, generation});
  auto sealed = crypto::seal(state_->data_keys.at(id).second, plaintext,
                             envelope_associated_data(envelope, context));
  if (!sealed) return sealed.error();
  envelope.insert(envelope.end(), sealed->begin(), sealed->end());
  return envelope;
}

Result<Bytes> Keyring::decrypt(const EncryptionContext& context,
                               std::span<const std::uint8_t> envelope) {
  if (auto status = check_context(context); !status) return status.error();
  auto header = parse_envelope_header(envelope);
  if (!header) return header.error();
  std::lock_guard lock(state_->mutex);
  State& s = *state_;

  std::optional<DataKeyRow> row;
  std::optional<std::string> destroyed_at;
  Status read = s.db.with_transaction(kRead, [&](Transaction& tx) -> Status {
    auto found = tx.query_one(std::string(kDataKeyColumns) + "WHERE d.id = ?",
                              {crypto::to_hex(header->data_key_id)});
    if (!found) return found.error();
    if (*found) {
      auto parsed = to_data_key_row(**found);
      if (!parsed) return parsed.error();
      row = std::move(*parsed);
      return {};
    }
    auto destroyed =
        tx.query_one("SELECT destroyed_at FROM keys_destroyed WHERE tenant = ?", {context.tenant});
    if (!destroyed) return destroyed.error();
    if (*destroyed) {
      auto at = (*destroyed)->get_text("destroyed_at");
      if (!at) return at.error();
      destroyed_at = std::move(*at);
    }
    return {};
  });
  if (!read) return read.error();
  if (!row) {
    if (destroyed_at) return destroyed_error(context.tenant, *destroyed_at);
    return Error(Code::kDataLoss, "",
                 "the ciphertext names a data key that does not exist in this database: it is "
                 "corrupt, or it comes from another installation");
  }
  if (row->tenant != context.tenant || row->purpose != context.purpose ||
      row->generation != header->generation) {
    return wrong_context();
  }
  if (row->kek_state == KekState::kRevoked) {
    s.forget(row->tenant);
    return revoked_error(row->tenant, row->kek_version);
  }
  auto cached = s.data_keys.find(row->id);
  if (cached == s.data_keys.end()) {
    auto kek = s.kek(row->tenant, row->kek_version);
    if (!kek) return kek.error();
    if (*kek == nullptr) return missing_material(row->tenant, row->kek_version);
    auto key = unwrap(**kek, *row);
    if (!key) return key.error();
    s.cache(row->id, row->tenant, std::move(*key));
    cached = s.data_keys.find(row->id);
  }
  const auto header_bytes = envelope.first(kEnvelopeHeaderSize);
  auto plain = crypto::open(cached->second.second, envelope.subspan(kEnvelopeHeaderSize),
                            envelope_associated_data(header_bytes, context));
  if (!plain) return wrong_context();
  return std::move(*plain);
}

Result<KeyChange> Keyring::import_kek(const std::string& tenant, const SecretBytes& kek) {
  SecretBytes material;
  const auto check_kek = [&]() -> Status {
    if (kek.size() != kKeySize) {
      return Error(Code::kInvalidArgument, where(tenant),
                   fmt::format("an imported key-encryption key must be exactly {} bytes (256 bits)",
                               kKeySize));
    }
    auto parsed = parse_key_material(kek.view(), where(tenant));  // refuses an all-zero key
    if (!parsed) return parsed.error();
    material = std::move(*parsed);
    return {};
  };
  State& s = *state_;
  return s.change_tenant_keys(tenant, check_kek, [&](const TenantKeys& keys) -> Result<KeyChange> {
    auto version = s.append_version(tenant, keys, KekOrigin::kImported, std::move(material));
    if (!version) return version.error();
    return KeyChange{"import", tenant, *version,
                     fmt::format("imported the tenant's own key as version {} of its "
                                 "key-encryption key; new data keys are wrapped by it (run rewrap "
                                 "to move existing ones)",
                                 *version)};
  });
}

Result<KeyChange> Keyring::rotate_kek(const std::string& tenant) {
  State& s = *state_;
  const auto rotate = [&](const TenantKeys& keys) -> Result<KeyChange> {
    if (const KekRow* newest = keys.newest()) {
      if (newest->state == KekState::kRevoked) return revoked_error(tenant, newest->version);
      if (newest->origin == KekOrigin::kImported) {
        return Error(
            Code::kFailedPrecondition, where(tenant),
            fmt::format("the tenant's active key-encryption key (version {}) is its own, "
                        "imported key; rotate it by importing new key material with "
                        "`ward admin keys import --tenant {} --key-file FILE` (a "
                        "Ward-generated key would take the key out of the tenant's control)",
                        newest->version, tenant));
      }
    }
    auto material = crypto::random_secret(kKeySize);
    if (!material) return material.error();
    auto version = s.append_version(tenant, keys, KekOrigin::kWardManaged, std::move(*material));
    if (!version) return version.error();
    if (*version == 1) {
      return KeyChange{"rotate", tenant, *version,
                       "created the tenant's first key-encryption key (version 1, Ward-managed)"};
    }
    return KeyChange{"rotate", tenant, *version,
                     fmt::format("created version {} of the tenant's Ward-managed key-encryption "
                                 "key; older versions now only unwrap (run rewrap to move existing "
                                 "data keys)",
                                 *version)};
  };
  return s.change_tenant_keys(tenant, no_arguments, rotate);
}

Result<KeyChange> Keyring::revoke_kek(const std::string& tenant) {
  State& s = *state_;
  const auto revoke = [&](const TenantKeys& keys) -> Result<KeyChange> {
    const KekRow* newest = keys.newest();
    if (newest == nullptr) {
      return Error(Code::kNotFound, where(tenant), "the tenant has no keys to revoke");
    }
    if (newest->state == KekState::kRevoked) {
      return Error(
          Code::kFailedPrecondition, where(tenant),
          fmt::format("the tenant's key (version {}) is revoked already", newest->version));
    }
    if (newest->origin != KekOrigin::kImported) {
      return Error(Code::kFailedPrecondition, where(tenant),
                   "the tenant's active key-encryption key is Ward-managed; only a key the tenant "
                   "imported (BYOK) can be revoked and later restored from the tenant's copy. To "
                   "make the data unreadable for good, the tenant's keys are destroyed at "
                   "termination instead");
    }
    int erased = 0;
    for (const auto& version : keys.versions) {
      if (version.origin == KekOrigin::kImported) {
        erased += static_cast<int>(s.contents.keks.erase(KekId{tenant, version.version}));
      }
    }
    if (auto status = s.save(); !status) return status.error();
    std::int64_t disabled = 0;
    Status updated = s.db.with_transaction(kWriteDurable, [&](Transaction& tx) -> Status {
      auto done =
          tx.execute("UPDATE keys_kek SET state = ?, revoked_at = ? WHERE tenant = ? AND state = ?",
                     {std::string(kRevoked), s.now(), tenant, std::string(kEnabled)});
      if (!done) return done.error();
      disabled = *done;
      return {};
    });
    if (!updated) return updated.error();
    s.forget(tenant);
    return KeyChange{"revoke", tenant, newest->version,
                     fmt::format("revoked the tenant's key-encryption key: {} version(s) disabled, "
                                 "the material of {} imported version(s) erased from the keyring "
                                 "(only check values kept); the tenant's data stays unreadable "
                                 "until restore",
                                 disabled, erased)};
  };
  return s.change_tenant_keys(tenant, no_arguments, revoke);
}

Result<KeyChange> Keyring::restore_kek(const std::string& tenant, const SecretBytes& kek) {
  const auto check_kek = [&]() -> Status {
    if (kek.size() != kKeySize) {
      return Error(Code::kInvalidArgument, where(tenant),
                   fmt::format("a key-encryption key is exactly {} bytes (256 bits)", kKeySize));
    }
    return {};
  };
  State& s = *state_;
  return s.change_tenant_keys(tenant, check_kek, [&](const TenantKeys& keys) -> Result<KeyChange> {
    auto check = kek_check_value(tenant, kek);
    if (!check) return check.error();
    const KekRow* match = nullptr;
    bool any_revoked = false;
    for (const auto& version : keys.versions) {
      any_revoked = any_revoked || version.state == KekState::kRevoked;
      if (version.origin == KekOrigin::kImported &&
          crypto::constant_time_equal(version.check_value, *check)) {
        match = &version;
      }
    }
    if (!any_revoked) {
      return Error(
          Code::kFailedPrecondition, where(tenant),
          "none of the tenant's key-encryption key versions is revoked; nothing to restore");
    }
    if (match == nullptr) {
      return Error(Code::kInvalidArgument, where(tenant),
                   "this key is not the tenant's revoked key (its key check value differs); supply "
                   "exactly the key material that was imported");
    }
    if (match->state != KekState::kRevoked) {
      return Error(Code::kFailedPrecondition, where(tenant),
                   fmt::format("version {} of the tenant's key is not revoked", match->version));
    }
    const bool newest = match == keys.newest();
    s.contents.keks.insert_or_assign(KekId{tenant, match->version}, kek.clone());
    if (auto status = s.save(); !status) return status.error();
    std::int64_t enabled = 0;
    Status updated = s.db.with_transaction(kWriteDurable, [&](Transaction& tx) -> Status {
      enabled = 0;
      auto done = tx.execute(
          "UPDATE keys_kek SET state = ?, revoked_at = NULL WHERE tenant = ? AND version = ?",
          {std::string(kEnabled), tenant, std::int64_t{match->version}});
      if (!done) return done.error();
      enabled += *done;
      if (newest) {
        // The Ward-managed versions were disabled by the tenant's revocation; they come back with
        // the tenant's active key.
        auto managed = tx.execute(
            "UPDATE keys_kek SET state = ?, revoked_at = NULL WHERE tenant = ? AND origin = ? AND "
            "state = ?",
            {std::string(kEnabled), tenant, std::string(kWardManaged), std::string(kRevoked)});
        if (!managed) return managed.error();
        enabled += *managed;
      }
      return {};
    });
    if (!updated) return updated.error();
    return KeyChange{"restore", tenant, match->version,
                     fmt::format("restored version {} of the tenant's key-encryption key from the "
                                 "tenant's key ({} version(s) enabled again)",
                                 match->version, enabled)};
  });
}

Result<RewrapReport> Keyring::rewrap(const std::string& tenant) {
  if (auto status = check_tenant(tenant); !status) return status.error();
  std::lock_guard lock(state_->mutex);
  State& s = *state_;
  auto keys = s.read_live(tenant);
  if (!keys) return keys.error();
  const KekRow* newest = keys->newest();
  if (newest == nullptr) {
    return Error(Code::kNotFound, where(tenant), "the tenant has no keys to re-wrap");
  }
  if (newest->state == KekState::kRevoked) return revoked_error(tenant, newest->version);
  const std::uint32_t target = newest->version;
  auto target_kek = s.kek(tenant, target);
  if (!target_kek) return target_kek.error();
  if (*target_kek == nullptr) return missing_material(tenant, target);
  // A copy: looking up older versions below may re-read the keyring file.
  const SecretBytes kek_material = (*target_kek)->clone();

  RewrapReport report;
  report.tenant = tenant;
  report.kek_version = target;
  for (const auto& version : keys->versions) {
    report.data_keys += version.data_keys;
    if (version.version == target) report.already_current += version.data_keys;
  }
  std::string after;  // the id the next batch starts after
  for (;;) {
    std::vector<DataKeyRow> batch;
    Status read = s.db.with_transaction(kRead, [&](Transaction& tx) -> Status {
      batch.clear();
      auto rows = tx.query(std::string(kDataKeyColumns) +
                               "WHERE d.tenant = ? AND d.kek_version <> ? AND d.id > ? "
                               "ORDER BY d.id LIMIT ?",
                           {tenant, std::int64_t{target}, after, kRewrapBatch});
      if (!rows) return rows.error();
      for (const auto& row : *rows) {
        auto dek = to_data_key_row(row);
        if (!dek) return dek.error();
        batch.push_back(std::move(*dek));
      }
      return {};
    });
    if (!read) return read.error();
    if (batch.empty()) break;
    after = crypto::to_hex(batch.back().id);

    struct Rewrapped {
      std::string id;
      std::uint32_t from = 0;
      Bytes wrapped;
    };
    std::vector<Rewrapped> updates;
    for (const auto& dek : batch) {
      auto old_kek = dek.kek_state == KekState::kRevoked ? Result<const SecretBytes*>(nullptr)
                                                         : s.kek(tenant, dek.kek_version);
      if (!old_kek) return old_kek.error();
      if (*old_kek == nullptr) {
        ++report.unavailable;
        continue;
      }
      auto key = unwrap(**old_kek, dek);
      if (!key) return key.error();
      auto wrapped =
          crypto::seal(kek_material, key->view(),
                       wrap_associated_data(tenant, dek.purpose, dek.id, dek.generation, target));
      if (!wrapped) return wrapped.error();
      updates.push_back({crypto::to_hex(dek.id), dek.kek_version, std::move(*wrapped)});
    }
    std::int64_t changed = 0;
    Status written = s.db.with_transaction(kWrite, [&](Transaction& tx) -> Status {
      changed = 0;
      for (const auto& update : updates) {
        // Only if nothing changed the row meanwhile (another rewrap, a destruction).
        auto done = tx.execute(
            "UPDATE keys_dek SET kek_version = ?, wrapped = ? WHERE id = ? AND kek_version = ?",
            {std::int64_t{target}, Blob{update.wrapped}, update.id, std::int64_t{update.from}});
        if (!done) return done.error();
        changed += *done;
      }
      return {};
    });
    if (!written) return written.error();
    report.rewrapped += changed;
  }
  return report;
}

Result<KeyChange> Keyring::destroy_tenant_keys(const std::string& tenant) {
  State& s = *state_;
  return s.change_keys(tenant, no_arguments, [&]() -> Result<KeyChange> {
    // The keyring file first: once the KEK material is gone, the data is unreadable whatever
    // happens next; the database rows only describe what was there.
    std::size_t erased = std::erase_if(
        s.contents.keks, [&](const auto& entry) { return entry.first.first == tenant; });
    s.forget(tenant);
    if (erased > 0) {
      if (auto status = s.save(); !status) return status.error();
    }
    std::int64_t versions = 0, data_keys = 0;
    Status deleted = s.db.with_transaction(kWriteDurable, [&](Transaction& tx) -> Status {
      auto deks = tx.execute("DELETE FROM keys_dek WHERE tenant = ?", {tenant});
      if (!deks) return deks.error();
      auto keks = tx.execute("DELETE FROM keys_kek WHERE tenant = ?", {tenant});
      if (!keks) return keks.error();
      auto tombstone = tx.execute(
          "INSERT INTO keys_destroyed (tenant, destroyed_at) VALUES (?, ?) ON CONFLICT (tenant) DO "
          "NOTHING",
          {tenant, s.now()});
      if (!tombstone) return tombstone.error();
      data_keys = *deks;
      versions = *keks;
      return {};
    });
    if (!deleted) {
      return deleted.error().with_context(
          "the tenant's key-encryption keys were erased, but recording it failed; run the "
          "destruction again: ");
    }
    return KeyChange{
        "destroy", tenant, 0,
        fmt::format("destroyed the tenant's keys ({} key-encryption key version(s), {} "
                    "data key(s)); its data can no longer be decrypted, from this "
                    "database or any copy of it",
                    std::max<std::int64_t>(versions, static_cast<std::int64_t>(erased)),
                    data_keys)};
  });
}

Result<KeyStatus> Keyring::status(const std::string& tenant) {
  if (auto status = check_tenant(tenant); !status) return status.error();
  std::lock_guard lock(state_->mutex);
  State& s = *state_;
  if (auto status = s.refresh(false); !status) return status.error();
  KeyStatus out;
  out.tenant = tenant;
  Status read = s.db.with_transaction(kRead, [&](Transaction& tx) -> Status {
    auto keys = read_tenant(tx, tenant);
    if (!keys) return keys.error();
    out.destroyed_at = keys->destroyed_at;
    out.versions.clear();
    out.data_keys = 0;
    for (const auto& row : keys->versions) {
      KekVersionStatus version;
      version.version = row.version;
      version.origin = row.origin;
      version.state = row.state;
      version.material_present = s.contents.keks.contains(KekId{tenant, row.version});
      version.created_at = row.created_at;
      version.revoked_at = row.revoked_at;
      version.data_keys = row.data_keys;
      out.data_keys += row.data_keys;
      out.versions.push_back(std::move(version));
    }
    auto active_count = tx.query_one(
        "SELECT COUNT(*) AS n FROM keys_dek WHERE tenant = ? AND active = 1", {tenant});
    if (!active_count) return active_count.error();
    auto n = (*active_count)->get_int("n");
    if (!n) return n.error();
    out.active_data_keys = *n;
    return {};
  });
  if (!read) return read.error();
  return out;
}

Result<std::vector<KeyStatus>> Keyring::status_all() {
  std::vector<std::string> tenants;
  {
    std::lock_guard lock(state_->mutex);
    Status read = state_->db.with_transaction(kRead, [&](Transaction& tx) -> Status {
      tenants.clear();
      auto rows = tx.query(
          "SELECT tenant FROM keys_kek UNION SELECT tenant FROM keys_destroyed ORDER BY tenant");
      if (!rows) return rows.error();
      for (const auto& row : *rows) {
        auto tenant = row.get_text("tenant");
        if (!tenant) return tenant.error();
        tenants.push_back(std::move(*tenant));
      }
      return {};
    });
    if (!read) return read.error();
  }
  std::vector<KeyStatus> out;
  for (const auto& tenant : tenants) {
    auto one = status(tenant);
    if (!one) return one.error();
    out.push_back(std::move(*one));
  }
  return out;
}

Result<crypto::Ed25519KeyPair> Keyring::audit_signing_key() {
  std::lock_guard lock(state_->mutex);
  State& s = *state_;
  if (!s.contents.audit_seed) {
    if (auto status = s.refresh(false); !status) return status.error();
  }
  if (!s.contents.audit_seed) {
    auto guard = s.begin_change();
    if (!guard) return guard.error();
    if (!s.contents.audit_seed) {  // no other process created it meanwhile
      auto pair = crypto::Ed25519KeyPair::generate();
      if (!pair) return pair.error();
      auto seed = pair->seed();
      if (!seed) return seed.error();
      s.contents.audit_seed = std::move(*seed);
      if (auto status = s.save(); !status) return status.error();
    }
  }
  return crypto::Ed25519KeyPair::from_seed(*s.contents.audit_seed);
}

Result<crypto::Ed25519PublicKey> Keyring::audit_public_key() {
  auto pair = audit_signing_key();
  if (!pair) return pair.error();
  return pair->public_key();
}

Result<Keyring> open_keyring(const core::Config& config,
                             const std::map<std::string, std::string>& environment,
                             store::Database& db, const core::Clock& clock,
                             std::uint64_t data_key_usage_limit) {
  const KeyPaths paths = key_paths(config);
  bool in_use = false;
  std::error_code ec;
  if (fs::exists(paths.keyring_file, ec)) {
    in_use = true;
  } else {
    Status read = db.with_transaction(kRead, [&](Transaction& tx) -> Status {
      auto row = tx.query_one(
          "SELECT (SELECT COUNT(*) FROM keys_meta) + (SELECT COUNT(*) FROM keys_kek) AS n");
      if (!row) return row.error();
      auto n = (*row)->get_int("n");
      if (!n) return n.error();
      in_use = *n > 0;
      return {};
    });
    if (!read) return read.error();
  }
  MasterKeySource source;
  if (auto it = environment.find(std::string(kMasterKeyVariable)); it != environment.end()) {
    source.environment = it->second;
  }
  source.file = paths.master_key_file;
  source.file_configured = !config.keys.master_key_file.empty();
  source.create_if_missing = !in_use;
  auto master = load_master_key(source);
  if (!master) return master.error();
  KeyringOptions options;
  options.keyring_file = paths.keyring_file;
  options.data_key_usage_limit = data_key_usage_limit;
  return Keyring::open(db, std::move(*master), clock, std::move(options));
}

}  // namespace ward::gov
