#include "gov/keys/keyring.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "crypto/hash.h"
#include "crypto/random.h"
#include "gov/keys/keyring_file.h"
#include "gov/keys/keyring_sealer.h"
#include "gov/keys/schema.h"
#include "store/sqlite_store.h"
#include "support/test_support.h"

namespace ward::gov {
namespace {

namespace fs = std::filesystem;
using crypto::Bytes;
using crypto::SecretBytes;
using ward::test::TempDir;

std::unique_ptr<store::Database> open_db(const fs::path& file) {
  auto db = store::open_sqlite(file, {});
  EXPECT_TRUE(db.ok()) << db.error().to_string();
  if (!db) return nullptr;
  auto migrated = migrate_keys(**db);
  EXPECT_TRUE(migrated.ok()) << migrated.error().to_string();
  return std::move(*db);
}

SecretBytes random_key() {
  return crypto::random_secret(kKeySize).value();
}

std::string text_of(const Bytes& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

bool file_contains(const fs::path& file, std::span<const std::uint8_t> needle) {
  const std::string haystack = ward::test::read_text(file);
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
         haystack.end();
}

mode_t mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

std::uint32_t generation_of(const Bytes& envelope) {
  auto header = parse_envelope_header(envelope);
  EXPECT_TRUE(header.ok());
  return header ? header->generation : 0;
}

class KeysKeyringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = open_db(db_file());
    ASSERT_NE(db_, nullptr);
    master_ = random_key();
  }

  fs::path db_file() const { return dir_ / "ward.db"; }
  fs::path keyring_file() const { return dir_ / "keys/keyring"; }

  core::Result<Keyring> open(std::uint64_t limit = kDefaultDataKeyUsageLimit,
                             store::Database* db = nullptr, const SecretBytes* master = nullptr,
                             fs::path file = {}) {
    auto key = MasterKey::from_bytes((master ? *master : master_).clone());
    if (!key) return key.error();
    KeyringOptions options;
    options.keyring_file = file.empty() ? keyring_file() : file;
    options.data_key_usage_limit = limit;
    return Keyring::open(db ? *db : *db_, std::move(*key), clock_, options);
  }

  Keyring must_open(std::uint64_t limit = kDefaultDataKeyUsageLimit) {
    auto keyring = open(limit);
    EXPECT_TRUE(keyring.ok()) << keyring.error().to_string();
    return std::move(*keyring);
  }

  static Bytes seal(Keyring& keyring, const EncryptionContext& context, std::string_view text) {
    auto envelope = keyring.encrypt(context, crypto::byte_view(text));
    EXPECT_TRUE(envelope.ok()) << envelope.error().to_string();
    return envelope ? *envelope : Bytes{};
  }

  static std::string open_text(Keyring& keyring, const EncryptionContext& context,
                               const Bytes& envelope) {
    auto plain = keyring.decrypt(context, envelope);
    EXPECT_TRUE(plain.ok()) << plain.error().to_string();
    return plain ? text_of(*plain) : std::string();
  }

  // The KEK material in the keyring file, read as only Ward can (tests only).
  keys_detail::KeyringContents keyring_contents() {
    auto master = MasterKey::from_bytes(master_.clone());
    auto contents = keys_detail::load_keyring(keyring_file(), *master);
    EXPECT_TRUE(contents.ok()) << contents.error().to_string();
    return contents ? std::move(*contents) : keys_detail::KeyringContents{};
  }

  TempDir dir_;
  std::unique_ptr<store::Database> db_;
  SecretBytes master_;
  core::ManualClock clock_{core::TimePoint(std::chrono::seconds(1'800'000'000))};
};

const EncryptionContext kPrompt{"acme", "prompts", "conversation-1/message-1"};

TEST_F(KeysKeyringTest, RoundTripsWithAFreshNonceEachTime) {
  Keyring keyring = must_open();
  Bytes first = seal(keyring, kPrompt, "def hello(): pass");
  Bytes second = seal(keyring, kPrompt, "def hello(): pass");
  EXPECT_NE(first, second);
  EXPECT_EQ(first.size(), std::string_view("def hello(): pass").size() + kEnvelopeOverhead);
  EXPECT_EQ(open_text(keyring, kPrompt, first), "def hello(): pass");
  EXPECT_EQ(open_text(keyring, kPrompt, second), "def hello(): pass");

  Bytes empty = seal(keyring, kPrompt, "");
  EXPECT_EQ(open_text(keyring, kPrompt, empty), "");
  std::string large(1 << 20, 'x');
  EXPECT_EQ(open_text(keyring, kPrompt, seal(keyring, kPrompt, large)), large);

  // Another Keyring on the same files (another process) opens it too.
  Keyring other = must_open();
  EXPECT_EQ(open_text(other, kPrompt, first), "def hello(): pass");
}

TEST_F(KeysKeyringTest, FirstUseCreatesAWardManagedKeyPerTenantAndADataKeyPerPurpose) {
  Keyring keyring = must_open();
  auto none = keyring.status("acme");
  ASSERT_TRUE(none.ok()) << none.error().to_string();
  EXPECT_TRUE(none->versions.empty());

  seal(keyring, {"acme", "prompts", "1"}, "a");
  seal(keyring, {"acme", "prompts", "2"}, "b");
  seal(keyring, {"acme", "scan", "1"}, "c");
  seal(keyring, {"globex", "prompts", "1"}, "d");
  auto acme = keyring.status("acme");
  ASSERT_TRUE(acme.ok()) << acme.error().to_string();
  ASSERT_EQ(acme->versions.size(), 1u);
  EXPECT_EQ(acme->versions[0].version, 1u);
  EXPECT_EQ(acme->versions[0].origin, KekOrigin::kWardManaged);
  EXPECT_EQ(acme->versions[0].state, KekState::kEnabled);
  EXPECT_TRUE(acme->versions[0].material_present);
  EXPECT_EQ(acme->versions[0].created_at, "2027-01-15T08:00:00.000Z");
  EXPECT_EQ(acme->data_keys, 2);
  EXPECT_EQ(acme->active_data_keys, 2);

  auto all = keyring.status_all();
  ASSERT_TRUE(all.ok()) << all.error().to_string();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].tenant, "acme");
  EXPECT_EQ((*all)[1].tenant, "globex");
  EXPECT_EQ(keyring_contents().keks.size(), 2u);
}

TEST_F(KeysKeyringTest, ACiphertextOpensOnlyInItsOwnContext) {
  Keyring keyring = must_open();
  seal(keyring, {"globex", "prompts", "x"}, "globex has keys too");
  Bytes envelope = seal(keyring, kPrompt, "secret code");
  for (const EncryptionContext& other :
       {EncryptionContext{"globex", "prompts", kPrompt.record_id},
        EncryptionContext{"acme", "conversations", kPrompt.record_id},
        EncryptionContext{"acme", "prompts", "conversation-1/message-2"},
        EncryptionContext{"acme", "prompts", ""}, EncryptionContext{"initech", "prompts", "x"}}) {
    auto plain = keyring.decrypt(other, envelope);
    ASSERT_FALSE(plain.ok()) << other.tenant << "/" << other.purpose << "/" << other.record_id;
    EXPECT_EQ(plain.error().code(), core::Code::kDataLoss) << plain.error().to_string();
  }
  EXPECT_EQ(open_text(keyring, kPrompt, envelope), "secret code");
}

TEST_F(KeysKeyringTest, AnyChangeToTheEnvelopeIsDetected) {
  Keyring keyring = must_open();
  const Bytes envelope = seal(keyring, kPrompt, "tamper with me");
  for (std::size_t i = 0; i < envelope.size(); ++i) {
    Bytes changed = envelope;
    changed[i] ^= 0x01;
    auto plain = keyring.decrypt(kPrompt, changed);
    ASSERT_FALSE(plain.ok()) << "byte " << i;
    EXPECT_EQ(plain.error().code(), core::Code::kDataLoss) << "byte " << i;
  }
  for (std::size_t size :
       {std::size_t{0}, std::size_t{10}, kEnvelopeOverhead - 1, envelope.size() - 1}) {
    auto plain = keyring.decrypt(kPrompt, std::span(envelope).first(size));
    ASSERT_FALSE(plain.ok()) << size;
    EXPECT_EQ(plain.error().code(), core::Code::kDataLoss);
  }
  Bytes extended = envelope;
  extended.push_back(0);
  EXPECT_EQ(keyring.decrypt(kPrompt, extended).error().code(), core::Code::kDataLoss);
}

TEST_F(KeysKeyringTest, ADataKeyIsReplacedAtItsUsageLimit) {
  Keyring keyring = must_open(/*limit=*/3);
  std::vector<Bytes> envelopes;
  for (int i = 0; i < 10; ++i) {
    envelopes.push_back(seal(keyring, kPrompt, "message " + std::to_string(i)));
  }
  std::vector<std::uint32_t> generations;
  for (const auto& envelope : envelopes) generations.push_back(generation_of(envelope));
  EXPECT_EQ(generations, (std::vector<std::uint32_t>{1, 1, 1, 2, 2, 2, 3, 3, 3, 4}));
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(open_text(keyring, kPrompt, envelopes[static_cast<std::size_t>(i)]),
              "message " + std::to_string(i));
  }
  auto status = keyring.status("acme");
  EXPECT_EQ(status->data_keys, 4);
  EXPECT_EQ(status->active_data_keys, 1);
}

TEST_F(KeysKeyringTest, TheUsageLimitHoldsAcrossProcesses) {
  // Each Keyring reserves encryptions in the database, so two of them (two processes) never use
  // one data key more often than the limit between them.
  Keyring first = must_open(/*limit=*/4);
  Keyring second = must_open(/*limit=*/4);
  std::map<std::uint32_t, int> uses;
  for (int i = 0; i < 6; ++i) {
    ++uses[generation_of(seal(first, kPrompt, "a"))];
    ++uses[generation_of(seal(second, kPrompt, "b"))];
  }
  for (const auto& [generation, count] : uses) EXPECT_LE(count, 4) << generation;
  EXPECT_GE(uses.size(), 3u);
}

TEST_F(KeysKeyringTest, RotationKeepsOldDataReadableAndRewrapMovesDataKeys) {
  Keyring keyring = must_open();
  Bytes before = seal(keyring, kPrompt, "before rotation");
  Bytes scan = seal(keyring, {"acme", "scan", "r"}, "scan result");

  auto rotated = keyring.rotate_kek("acme");
  ASSERT_TRUE(rotated.ok()) << rotated.error().to_string();
  EXPECT_EQ(rotated->operation, "rotate");
  EXPECT_EQ(rotated->kek_version, 2u);

  Bytes after = seal(keyring, kPrompt, "after rotation");
  EXPECT_EQ(generation_of(after), 2u);  // a new data key, wrapped by version 2
  auto status = keyring.status("acme");
  ASSERT_EQ(status->versions.size(), 2u);
  EXPECT_EQ(status->versions[0].data_keys, 2);
  EXPECT_EQ(status->versions[1].data_keys, 1);

  auto report = keyring.rewrap("acme");
  ASSERT_TRUE(report.ok()) << report.error().to_string();
  EXPECT_EQ(report->kek_version, 2u);
  EXPECT_EQ(report->data_keys, 3);
  EXPECT_EQ(report->rewrapped, 2);
  EXPECT_EQ(report->already_current, 1);
  EXPECT_EQ(report->unavailable, 0);
  status = keyring.status("acme");
  EXPECT_EQ(status->versions[0].data_keys, 0);
  EXPECT_EQ(status->versions[1].data_keys, 3);

  // A fresh Keyring (no cached data keys) unwraps them with version 2.
  Keyring fresh = must_open();
  EXPECT_EQ(open_text(fresh, kPrompt, before), "before rotation");
  EXPECT_EQ(open_text(fresh, {"acme", "scan", "r"}, scan), "scan result");
  EXPECT_EQ(open_text(fresh, kPrompt, after), "after rotation");

  auto again = fresh.rewrap("acme");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->rewrapped, 0);
  EXPECT_EQ(again->already_current, 3);
}

TEST_F(KeysKeyringTest, ImportedKeyBecomesActiveAndIsRotatedByImporting) {
  Keyring keyring = must_open();
  Bytes managed = seal(keyring, kPrompt, "under Ward's key");
  SecretBytes customer = random_key();
  auto imported = keyring.import_kek("acme", customer);
  ASSERT_TRUE(imported.ok()) << imported.error().to_string();
  EXPECT_EQ(imported->kek_version, 2u);
  Bytes byok = seal(keyring, kPrompt, "under the customer's key");
  EXPECT_EQ(open_text(keyring, kPrompt, managed), "under Ward's key");
  EXPECT_EQ(open_text(keyring, kPrompt, byok), "under the customer's key");

  auto status = keyring.status("acme");
  ASSERT_EQ(status->versions.size(), 2u);
  EXPECT_EQ(status->versions[1].origin, KekOrigin::kImported);

  auto twice = keyring.import_kek("acme", customer);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code(), core::Code::kAlreadyExists);

  auto rotate = keyring.rotate_kek("acme");
  ASSERT_FALSE(rotate.ok());
  EXPECT_EQ(rotate.error().code(), core::Code::kFailedPrecondition);
  EXPECT_NE(rotate.error().message().find("ward admin keys import"), std::string::npos);

  auto next = keyring.import_kek("acme", random_key());
  ASSERT_TRUE(next.ok()) << next.error().to_string();
  EXPECT_EQ(next->kek_version, 3u);

  EXPECT_EQ(keyring.import_kek("acme", SecretBytes(16)).error().code(),
            core::Code::kInvalidArgument);
  EXPECT_EQ(keyring.import_kek("acme", SecretBytes(32)).error().code(),  // all zero
            core::Code::kInvalidArgument);
}

TEST_F(KeysKeyringTest, RevokedKeyMakesDataUnreadableUntilRestoredWithTheSameKey) {
  Keyring keyring = must_open();
  Bytes managed = seal(keyring, kPrompt, "old data under Ward's key");
  SecretBytes customer = random_key();
  ASSERT_TRUE(keyring.import_kek("acme", customer).ok());
  Bytes byok = seal(keyring, kPrompt, "customer data");
  Bytes other_tenant = seal(keyring, {"globex", "prompts", "1"}, "globex data");

  auto revoked = keyring.revoke_kek("acme");
  ASSERT_TRUE(revoked.ok()) << revoked.error().to_string();
  EXPECT_EQ(revoked->operation, "revoke");
  EXPECT_EQ(revoked->kek_version, 2u);

  for (const Bytes* envelope : {&byok, &managed}) {
    auto plain = keyring.decrypt(kPrompt, *envelope);
    ASSERT_FALSE(plain.ok());
    EXPECT_EQ(plain.error().code(), core::Code::kFailedPrecondition);
    EXPECT_NE(plain.error().message().find("revoked"), std::string::npos);
    EXPECT_NE(plain.error().message().find("ward admin keys restore"), std::string::npos);
  }
  auto encrypt = keyring.encrypt(kPrompt, crypto::byte_view("new"));
  ASSERT_FALSE(encrypt.ok());
  EXPECT_EQ(encrypt.error().code(), core::Code::kFailedPrecondition);
  EXPECT_EQ(open_text(keyring, {"globex", "prompts", "1"}, other_tenant), "globex data");

  // Ward no longer holds the imported material: not in the keyring file, not in a new process.
  EXPECT_FALSE(keyring_contents().keks.contains({"acme", 2}));
  auto status = keyring.status("acme");
  EXPECT_EQ(status->versions[1].state, KekState::kRevoked);
  EXPECT_FALSE(status->versions[1].material_present);
  EXPECT_TRUE(status->versions[1].revoked_at.has_value());
  Keyring fresh = must_open();
  EXPECT_EQ(fresh.decrypt(kPrompt, byok).error().code(), core::Code::kFailedPrecondition);

  auto again = keyring.revoke_kek("acme");
  EXPECT_EQ(again.error().code(), core::Code::kFailedPrecondition);

  auto wrong = keyring.restore_kek("acme", random_key());
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), core::Code::kInvalidArgument);
  EXPECT_NE(wrong.error().message().find("check value"), std::string::npos);
  EXPECT_EQ(keyring.decrypt(kPrompt, byok).error().code(), core::Code::kFailedPrecondition);

  auto restored = keyring.restore_kek("acme", customer);
  ASSERT_TRUE(restored.ok()) << restored.error().to_string();
  EXPECT_EQ(restored->kek_version, 2u);
  EXPECT_EQ(open_text(keyring, kPrompt, byok), "customer data");
  EXPECT_EQ(open_text(keyring, kPrompt, managed), "old data under Ward's key");
  EXPECT_EQ(open_text(fresh, kPrompt, byok), "customer data");
  seal(keyring, kPrompt, "encrypting works again");

  EXPECT_EQ(keyring.restore_kek("acme", customer).error().code(), core::Code::kFailedPrecondition);
}

TEST_F(KeysKeyringTest, ARevocationByAnotherProcessTakesEffectAtOnce) {
  Keyring server = must_open();
  SecretBytes customer = random_key();
  ASSERT_TRUE(server.import_kek("acme", customer).ok());
  Bytes envelope = seal(server, kPrompt, "cached key");
  EXPECT_EQ(open_text(server, kPrompt, envelope), "cached key");  // the data key is now cached

  Keyring admin = must_open();  // `ward admin keys revoke` in another process
  ASSERT_TRUE(admin.revoke_kek("acme").ok());
  EXPECT_EQ(server.decrypt(kPrompt, envelope).error().code(), core::Code::kFailedPrecondition);
  EXPECT_EQ(server.encrypt(kPrompt, crypto::byte_view("x")).error().code(),
            core::Code::kFailedPrecondition);

  ASSERT_TRUE(admin.restore_kek("acme", customer).ok());
  EXPECT_EQ(open_text(server, kPrompt, envelope), "cached key");
  // A key rotated elsewhere is picked up too.
  ASSERT_TRUE(admin.import_kek("acme", random_key()).ok());
  Bytes newer = seal(server, kPrompt, "under version 3");
  EXPECT_EQ(open_text(admin, kPrompt, newer), "under version 3");
  EXPECT_EQ(admin.status("acme")->versions.back().data_keys, 1);
}

TEST_F(KeysKeyringTest, ANewKeyImportedAfterRevocationServesNewDataOnly) {
  Keyring keyring = must_open();
  ASSERT_TRUE(keyring.import_kek("acme", random_key()).ok());
  Bytes old_data = seal(keyring, kPrompt, "under the revoked key");
  ASSERT_TRUE(keyring.revoke_kek("acme").ok());
  ASSERT_TRUE(keyring.import_kek("acme", random_key()).ok());
  Bytes new_data = seal(keyring, kPrompt, "under the new key");
  EXPECT_EQ(generation_of(new_data), 2u);
  EXPECT_EQ(open_text(keyring, kPrompt, new_data), "under the new key");
  EXPECT_EQ(keyring.decrypt(kPrompt, old_data).error().code(), core::Code::kFailedPrecondition);
  auto report = keyring.rewrap("acme");
  ASSERT_TRUE(report.ok()) << report.error().to_string();
  EXPECT_EQ(report->unavailable, 1);
  EXPECT_EQ(report->already_current, 1);
}

TEST_F(KeysKeyringTest, OnlyAnImportedKeyCanBeRevoked) {
  Keyring keyring = must_open();
  EXPECT_EQ(keyring.revoke_kek("acme").error().code(), core::Code::kNotFound);
  seal(keyring, kPrompt, "x");
  auto revoke = keyring.revoke_kek("acme");
  ASSERT_FALSE(revoke.ok());
  EXPECT_EQ(revoke.error().code(), core::Code::kFailedPrecondition);
  EXPECT_EQ(keyring.restore_kek("acme", random_key()).error().code(),
            core::Code::kFailedPrecondition);
}

TEST_F(KeysKeyringTest, RewrapLeavesDataKeysOfRevokedVersionsAlone) {
  Keyring keyring = must_open();
  SecretBytes first = random_key();
  ASSERT_TRUE(keyring.import_kek("acme", first).ok());
  Bytes old_data = seal(keyring, kPrompt, "under version 1");
  SecretBytes second = random_key();
  ASSERT_TRUE(keyring.import_kek("acme", second).ok());
  ASSERT_TRUE(keyring.revoke_kek("acme").ok());
  ASSERT_TRUE(keyring.restore_kek("acme", second).ok());  // version 1 stays revoked
  auto report = keyring.rewrap("acme");
  ASSERT_TRUE(report.ok()) << report.error().to_string();
  EXPECT_EQ(report->rewrapped, 0);
  EXPECT_EQ(report->unavailable, 1);
  EXPECT_EQ(keyring.decrypt(kPrompt, old_data).error().code(), core::Code::kFailedPrecondition);
  ASSERT_TRUE(keyring.restore_kek("acme", first).ok());
  report = keyring.rewrap("acme");
  EXPECT_EQ(report->rewrapped, 1);
  EXPECT_EQ(open_text(keyring, kPrompt, old_data), "under version 1");
}

TEST_F(KeysKeyringTest, AWrongMasterSecretIsRecognisedNotMistakenForData) {
  {
    Keyring keyring = must_open();
    seal(keyring, kPrompt, "x");
  }
  SecretBytes wrong = random_key();
  auto opened = open(kDefaultDataKeyUsageLimit, nullptr, &wrong);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), core::Code::kFailedPrecondition);
  EXPECT_NE(opened.error().message().find("WARD_MASTER_KEY"), std::string::npos);

  // Also when only the keyring file carries the evidence (a database without the check value).
  TempDir other;
  auto fresh_db = open_db(other / "ward.db");
  auto by_file = open(kDefaultDataKeyUsageLimit, fresh_db.get(), &wrong);
  ASSERT_FALSE(by_file.ok());
  EXPECT_EQ(by_file.error().code(), core::Code::kFailedPrecondition);
  EXPECT_NE(by_file.error().message().find("different master secret"), std::string::npos);

  // The right one still works, and nothing was replaced.
  Keyring keyring = must_open();
  EXPECT_EQ(keyring.status("acme")->versions.size(), 1u);
}

TEST_F(KeysKeyringTest, ADamagedOrMissingKeyringFileIsReportedNotReplaced) {
  Bytes envelope;
  {
    Keyring keyring = must_open();
    envelope = seal(keyring, kPrompt, "x");
  }
  std::string original = ward::test::read_text(keyring_file());
  std::string damaged = original;
  damaged[damaged.size() - 20] ^= 0x40;
  ward::test::write_text(keyring_file(), damaged);
  auto opened = open();
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), core::Code::kDataLoss);
  EXPECT_NE(opened.error().message().find("restore it from"), std::string::npos);

  fs::remove(keyring_file());
  auto missing = open();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), core::Code::kDataLoss);
  EXPECT_FALSE(fs::exists(keyring_file()));

  ward::test::write_text(keyring_file(), original);
  Keyring keyring = must_open();
  EXPECT_EQ(open_text(keyring, kPrompt, envelope), "x");
}

TEST_F(KeysKeyringTest, CryptoShreddingDefeatsCopiesOfTheDatabase) {
  const EncryptionContext kGlobex{"globex", "conversations", "c-1"};
  Keyring keyring = must_open();
  // acme's data: under its first, Ward-managed key and under the key it imported later, in
  // several purposes; globex must be unaffected.
  std::vector<std::pair<EncryptionContext, Bytes>> acme;
  const EncryptionContext kEarly{"acme", "agent", "early"};
  acme.emplace_back(kEarly, seal(keyring, kEarly, "acme secret under Ward's key"));
  SecretBytes customer = random_key();
  ASSERT_TRUE(keyring.import_kek("acme", customer).ok());
  for (int i = 0; i < 5; ++i) {
    EncryptionContext context{"acme", i % 2 ? "prompts" : "scan", "r" + std::to_string(i)};
    acme.emplace_back(context, seal(keyring, context, "acme secret " + std::to_string(i)));
  }
  Bytes globex = seal(keyring, kGlobex, "globex secret");
  // Store the ciphertexts in the database like a feature would.
  ASSERT_TRUE(db_->with_transaction({},
                                    [&](store::Transaction& tx) -> core::Status {
                                      auto created = tx.execute(
                                          "CREATE TABLE notes (id TEXT PRIMARY KEY, body BLOB)");
                                      if (!created) return created.error();
                                      for (const auto& [context, envelope] : acme) {
                                        auto done =
                                            tx.execute("INSERT INTO notes (id, body) VALUES (?, ?)",
                                                       {context.record_id, store::Blob{envelope}});
                                        if (!done) return done.error();
                                      }
                                      return core::Status();
                                    })
                  .ok());
  auto before = keyring_contents();
  SecretBytes acme_v1 = before.keks.at({"acme", 1}).clone();

  // The backup: a copy of the database files taken before the destruction.
  TempDir backup;
  for (const char* suffix : {"", "-wal"}) {
    fs::path source = db_file().string() + suffix;
    if (fs::exists(source)) fs::copy_file(source, backup / ("ward.db" + std::string(suffix)));
  }

  auto destroyed = keyring.destroy_tenant_keys("acme");
  ASSERT_TRUE(destroyed.ok()) << destroyed.error().to_string();
  EXPECT_EQ(destroyed->operation, "destroy");
  EXPECT_NE(destroyed->description.find("2 key-encryption key version(s)"), std::string::npos)
      << destroyed->description;

  // The live keyring can no longer open acme's data, says why, and gives acme no new keys.
  for (const auto& [context, envelope] : acme) {
    auto plain = keyring.decrypt(context, envelope);
    ASSERT_FALSE(plain.ok());
    EXPECT_EQ(plain.error().code(), core::Code::kFailedPrecondition);
    EXPECT_NE(plain.error().message().find("destroyed"), std::string::npos);
  }
  EXPECT_EQ(keyring.encrypt(acme[0].first, crypto::byte_view("x")).error().code(),
            core::Code::kFailedPrecondition);
  EXPECT_EQ(keyring.import_kek("acme", random_key()).error().code(),
            core::Code::kFailedPrecondition);
  EXPECT_EQ(open_text(keyring, kGlobex, globex), "globex secret");
  auto status = keyring.status("acme");
  EXPECT_TRUE(status->destroyed_at.has_value());
  EXPECT_TRUE(status->versions.empty());
  for (const auto& [id, key] : keyring_contents().keks) EXPECT_NE(id.first, "acme");

  // The pre-destruction copy: its ciphertexts do not open with the current keyring...
  auto copy = open_db(backup / "ward.db");
  ASSERT_NE(copy, nullptr);
  std::vector<std::pair<std::string, Bytes>> copied;
  ASSERT_TRUE(copy->with_transaction(
                      {store::Access::kReadOnly},
                      [&](store::Transaction& tx) {
                        auto rows = tx.query("SELECT id, body FROM notes ORDER BY id");
                        if (!rows) return core::Status(rows.error());
                        for (const auto& row : *rows) {
                          copied.emplace_back(*row.get_text("id"), row.get_blob("body")->bytes);
                        }
                        return core::Status();
                      })
                  .ok());
  ASSERT_EQ(copied.size(), acme.size());
  for (const auto& [context, envelope] : acme) {
    auto it = std::find_if(copied.begin(), copied.end(),
                           [&](const auto& row) { return row.first == context.record_id; });
    ASSERT_NE(it, copied.end());
    EXPECT_EQ(it->second, envelope);
    EXPECT_FALSE(keyring.decrypt(context, it->second).ok());
  }
  // ...nor with a keyring opened on the copy with the master secret: the copy still holds the
  // wrapped data keys, but the KEKs that wrap them were never in the database.
  auto on_copy = open(kDefaultDataKeyUsageLimit, copy.get());
  ASSERT_TRUE(on_copy.ok()) << on_copy.error().to_string();
  for (const auto& [context, envelope] : acme) {
    auto plain = on_copy->decrypt(context, envelope);
    ASSERT_FALSE(plain.ok());
    EXPECT_EQ(plain.error().code(), core::Code::kDataLoss) << plain.error().to_string();
    EXPECT_NE(plain.error().message().find("missing from the keyring file"), std::string::npos)
        << plain.error().to_string();
  }
  // ...nor with the master secret alone and a new keyring: Ward refuses to start one.
  TempDir empty_keys;
  auto master_only = open(kDefaultDataKeyUsageLimit, copy.get(), nullptr, empty_keys / "keyring");
  ASSERT_FALSE(master_only.ok());
  EXPECT_EQ(master_only.error().code(), core::Code::kDataLoss);
  // And the copy's files hold no KEK material in any form.
  for (const char* name : {"ward.db", "ward.db-wal"}) {
    if (!fs::exists(backup / name)) continue;
    EXPECT_FALSE(file_contains(backup / name, customer.view())) << name;
    EXPECT_FALSE(file_contains(backup / name, acme_v1.view())) << name;
    EXPECT_FALSE(file_contains(backup / name, crypto::byte_view(crypto::to_hex(customer.view()))));
  }
}

TEST_F(KeysKeyringTest, NoPlaintextOrKeyMaterialReachesTheDatabaseFiles) {
  const std::string marker = "WARD-MARKER-7f3a9c2e-do-not-store-in-clear";
  SecretBytes customer = random_key();
  {
    Keyring keyring = must_open(/*limit=*/8);
    ASSERT_TRUE(keyring.import_kek("acme", customer).ok());
    std::vector<Bytes> envelopes;
    for (int i = 0; i < 40; ++i) {
      envelopes.push_back(seal(keyring, {"acme", "prompts", std::to_string(i)}, marker));
    }
    ASSERT_TRUE(db_->with_transaction(
                       {},
                       [&](store::Transaction& tx) -> core::Status {
                         auto created =
                             tx.execute("CREATE TABLE prompts (id TEXT PRIMARY KEY, body BLOB)");
                         if (!created) return created.error();
                         for (std::size_t i = 0; i < envelopes.size(); ++i) {
                           auto done = tx.execute("INSERT INTO prompts (id, body) VALUES (?, ?)",
                                                  {std::to_string(i), store::Blob{envelopes[i]}});
                           if (!done) return done.error();
                         }
                         return core::Status();
                       })
                    .ok());
    ASSERT_TRUE(keyring.audit_signing_key().ok());
  }
  auto contents = keyring_contents();
  ASSERT_TRUE(contents.audit_seed.has_value());
  std::vector<fs::path> files = {db_file(), db_file().string() + "-wal", keyring_file()};
  int checked = 0;
  for (const auto& file : files) {
    if (!fs::exists(file)) continue;
    ++checked;
    EXPECT_FALSE(file_contains(file, crypto::byte_view(marker))) << file;
    EXPECT_FALSE(file_contains(file, customer.view())) << file;
    EXPECT_FALSE(file_contains(file, crypto::byte_view(crypto::to_hex(customer.view())))) << file;
    EXPECT_FALSE(file_contains(file, master_.view())) << file;
    EXPECT_FALSE(file_contains(file, contents.audit_seed->view())) << file;
    for (const auto& [id, kek] : contents.keks)
      EXPECT_FALSE(file_contains(file, kek.view())) << file;
  }
  EXPECT_GE(checked, 2);
}

TEST_F(KeysKeyringTest, KeyFilesArePrivate) {
  core::Config config;
  config.data_dir = dir_ / "data";
  auto db = open_db(dir_ / "data.db");
  auto keyring = open_keyring(config, {}, *db, clock_);
  ASSERT_TRUE(keyring.ok()) << keyring.error().to_string();
  ASSERT_TRUE(keyring->encrypt(kPrompt, crypto::byte_view("x")).ok());
  ASSERT_TRUE(keyring->audit_public_key().ok());
  const KeyPaths paths = key_paths(config);
  EXPECT_EQ(mode_of(paths.directory), 0700u);
  EXPECT_EQ(mode_of(paths.master_key_file), 0600u);
  EXPECT_EQ(mode_of(paths.keyring_file), 0600u);
  EXPECT_EQ(mode_of(paths.keyring_file.string() + ".lock"), 0600u);
  // Only the expected files are there: no temporary file was left behind.
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(paths.directory)) {
    names.insert(entry.path().filename().string());
  }
  EXPECT_EQ(names, (std::set<std::string>{"keyring", "keyring.lock", "master.key"}));
}

TEST_F(KeysKeyringTest, OpenKeyringUsesTheEnvironmentAndNeverInventsAMasterForExistingKeys) {
  core::Config config;
  config.data_dir = dir_ / "data";
  const std::string hex = crypto::to_hex(master_.view());
  Bytes envelope;
  {
    auto keyring = open_keyring(config, {{"WARD_MASTER_KEY", hex}}, *db_, clock_);
    ASSERT_TRUE(keyring.ok()) << keyring.error().to_string();
    envelope = *keyring->encrypt(kPrompt, crypto::byte_view("env"));
  }
  EXPECT_FALSE(fs::exists(key_paths(config).master_key_file));
  // The same secret from a configured file opens it.
  fs::path file = dir_ / "secrets/master";
  ward::test::write_text(file, hex + "\n");
  ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
  config.keys.master_key_file = file;
  {
    auto keyring = open_keyring(config, {}, *db_, clock_);
    ASSERT_TRUE(keyring.ok()) << keyring.error().to_string();
    EXPECT_EQ(text_of(*keyring->decrypt(kPrompt, envelope)), "env");
    EXPECT_EQ(open_keyring(config, {{"WARD_MASTER_KEY", hex}}, *db_, clock_).error().code(),
              core::Code::kInvalidArgument);  // two sources
  }
  // Without either, the keys in use are not given a new random master secret.
  config.keys.master_key_file.clear();
  auto missing = open_keyring(config, {}, *db_, clock_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), core::Code::kNotFound);
  EXPECT_FALSE(fs::exists(key_paths(config).master_key_file));
}

TEST_F(KeysKeyringTest, AuditSigningKeyIsCreatedOnceAndKeptSealed) {
  crypto::Ed25519PublicKey public_key{};
  {
    Keyring keyring = must_open();
    auto pair = keyring.audit_signing_key();
    ASSERT_TRUE(pair.ok()) << pair.error().to_string();
    public_key = pair->public_key();
    auto signature = crypto::sign(*pair, crypto::byte_view("checkpoint"));
    ASSERT_TRUE(signature.ok());
    EXPECT_TRUE(crypto::verify(public_key, crypto::byte_view("checkpoint"), *signature).ok());
  }
  Keyring other = must_open();
  auto again = other.audit_public_key();
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(*again, public_key);
  // Destroying a tenant leaves it alone.
  seal(other, kPrompt, "x");
  ASSERT_TRUE(other.destroy_tenant_keys("acme").ok());
  EXPECT_EQ(*must_open().audit_public_key(), public_key);
}

TEST_F(KeysKeyringTest, IsSafeToShareBetweenThreads) {
  Keyring keyring = must_open(/*limit=*/16);
  Keyring other = must_open(/*limit=*/16);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Keyring& mine = t % 2 ? keyring : other;
      for (int i = 0; i < 60; ++i) {
        EncryptionContext context{t < 2 ? "acme" : "globex", i % 3 ? "prompts" : "index",
                                  std::to_string(t) + "/" + std::to_string(i)};
        std::string text = "thread " + context.record_id;
        auto envelope = mine.encrypt(context, crypto::byte_view(text));
        if (!envelope) {
          ADD_FAILURE() << envelope.error().to_string();
          ++failures;
          continue;
        }
        Keyring& reader = t % 2 ? other : keyring;
        auto plain = reader.decrypt(context, *envelope);
        if (!plain || text_of(*plain) != text) ++failures;
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 3; ++i) {
      if (!keyring.rotate_kek("globex").ok()) ++failures;
      if (!other.rewrap("globex").ok()) ++failures;
    }
  });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(KeysKeyringTest, SealsIdentitySecretsForTheirOwnerOnly) {
  Keyring keyring = must_open();
  KeyringSealer sealer(keyring);
  const std::string seed = "totp seed bytes";
  auto sealed = sealer.seal("acme", kTotpSealPurpose, "user-1", crypto::byte_view(seed));
  ASSERT_TRUE(sealed.ok()) << sealed.error().to_string();
  auto opened = sealer.open("acme", kTotpSealPurpose, "user-1", *sealed);
  ASSERT_TRUE(opened.ok()) << opened.error().to_string();
  EXPECT_EQ(std::string(opened->view().begin(), opened->view().end()), seed);
  EXPECT_EQ(sealer.open("acme", kTotpSealPurpose, "user-2", *sealed).error().code(),
            core::Code::kDataLoss);
  EXPECT_EQ(sealer.open("globex", kTotpSealPurpose, "user-1", *sealed).error().code(),
            core::Code::kDataLoss);
  EXPECT_EQ(sealer.open("acme", "prompts", "user-1", *sealed).error().code(),
            core::Code::kDataLoss);
}

TEST_F(KeysKeyringTest, RefusesBadOptionsAndTenants) {
  EXPECT_EQ(open(0).error().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(open(kMaxDataKeyUsageLimit + 1).error().code(), core::Code::kInvalidArgument);
  Keyring keyring = must_open();
  EXPECT_EQ(keyring.encrypt({"", "prompts", "x"}, {}).error().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(keyring.rotate_kek("").error().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(keyring.status("a\nb").error().code(), core::Code::kInvalidArgument);
}

}  // namespace
}  // namespace ward::gov
