#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <thread>

#include "store/store_test_util.h"
#include "support/test_support.h"

namespace ward::store {
namespace {

using core::Code;
using core::Status;
using std::chrono::milliseconds;
using testing::open_or_fail;

constexpr std::string_view kCreateItems =
    "CREATE TABLE items (id BIGINT PRIMARY KEY, i BIGINT, r DOUBLE PRECISION, s TEXT, b BLOB, "
    "n TEXT)";

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = open_or_fail(file_);
    ASSERT_NE(db_, nullptr);
    WARD_ASSERT_OK(db_->with_transaction({}, [](Transaction& tx) -> Status {
      auto created = tx.execute(kCreateItems);
      return created ? Status() : Status(created.error());
    }));
  }

  std::unique_ptr<Transaction> begin(TransactionOptions options = {}) {
    auto tx = db_->begin(options);
    EXPECT_TRUE(tx.ok()) << tx.error().to_string();
    return tx.ok() ? std::move(*tx) : nullptr;
  }

  std::int64_t count_items(Database& db) {
    auto tx = db.begin({.access = Access::kReadOnly});
    EXPECT_TRUE(tx.ok()) << tx.error().to_string();
    if (!tx) return -1;
    auto row = (*tx)->query_one("SELECT count(*) AS n FROM items");
    EXPECT_TRUE(row.ok() && row->has_value());
    return *(*row)->get_int("n");
  }

  test::TempDir dir_;
  std::filesystem::path file_ = dir_ / "ward.db";
  std::unique_ptr<Database> db_;
};

TEST_F(SqliteStoreTest, RoundTripsEveryValueType) {
  const std::string text_with_nul("a\0b ünïcode", 13);
  const Blob bytes{{0x00, 0x01, 0x00, 0xff, 0x00}};
  const std::vector<std::vector<Value>> rows = {
      {std::int64_t{1}, std::numeric_limits<std::int64_t>::min(), -1.25, text_with_nul, bytes,
       std::monostate{}},
      {std::int64_t{2}, std::numeric_limits<std::int64_t>::max(), 1e300, std::string(), Blob{},
       std::string("not null")},
  };
  auto tx = begin();
  ASSERT_NE(tx, nullptr);
  for (const auto& values : rows) {
    WARD_ASSERT_OK(
        tx->execute("INSERT INTO items (id, i, r, s, b, n) VALUES (?, ?, ?, ?, ?, ?)", values));
  }
  WARD_ASSERT_OK(tx->commit());

  auto reader = begin({.access = Access::kReadOnly});
  ASSERT_NE(reader, nullptr);
  auto read = reader->query("SELECT id, i, r, s, b, n FROM items ORDER BY id");
  WARD_ASSERT_OK(read);
  ASSERT_EQ(read->size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ((*read)[i].values(), rows[i]);
  EXPECT_EQ((*read)[0].column_names(), (std::vector<std::string>{"id", "i", "r", "s", "b", "n"}));
  // An empty blob and an empty string stay themselves, not NULL.
  EXPECT_EQ(*(*read)[1].get_blob("b"), Blob{});
  EXPECT_EQ(*(*read)[1].get_text("s"), "");
  EXPECT_EQ(*(*read)[0].get_optional_text("n"), std::nullopt);
}

TEST_F(SqliteStoreTest, ExecuteReturnsRowsChanged) {
  auto tx = begin();
  ASSERT_NE(tx, nullptr);
  for (std::int64_t id = 1; id <= 3; ++id) {
    auto inserted = tx->execute("INSERT INTO items (id, i) VALUES (?, ?)", {id, id * 10});
    WARD_ASSERT_OK(inserted);
    EXPECT_EQ(*inserted, 1);
  }
  auto updated = tx->execute("UPDATE items SET s = ? WHERE i >= ?", {"x", std::int64_t{20}});
  WARD_ASSERT_OK(updated);
  EXPECT_EQ(*updated, 2);
  auto ddl = tx->execute("CREATE INDEX items_i ON items (i)");
  WARD_ASSERT_OK(ddl);
  EXPECT_EQ(*ddl, 0);
  auto none = tx->execute("DELETE FROM items WHERE id = ?", {std::int64_t{99}});
  WARD_ASSERT_OK(none);
  EXPECT_EQ(*none, 0);
}

TEST_F(SqliteStoreTest, DestructionWithoutCommitRollsBack) {
  {
    auto tx = begin();
    ASSERT_NE(tx, nullptr);
    WARD_ASSERT_OK(tx->execute("INSERT INTO items (id) VALUES (?)", {std::int64_t{1}}));
  }
  EXPECT_EQ(count_items(*db_), 0);
}

TEST_F(SqliteStoreTest, CommitPersistsAcrossReopen) {
  auto tx = begin({.durability = Durability::kFull});
  ASSERT_NE(tx, nullptr);
  WARD_ASSERT_OK(tx->execute("INSERT INTO items (id, s) VALUES (?, ?)", {std::int64_t{1}, "kept"}));
  WARD_ASSERT_OK(tx->commit());
  tx.reset();
  db_.reset();

  auto reopened = open_or_fail(file_);
  ASSERT_NE(reopened, nullptr);
  auto reader = reopened->begin({.access = Access::kReadOnly});
  WARD_ASSERT_OK(reader);
  auto row = (*reader)->query_one("SELECT s FROM items WHERE id = ?", {std::int64_t{1}});
  WARD_ASSERT_OK(row);
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ(*(*row)->get_text("s"), "kept");
}

TEST_F(SqliteStoreTest, TransactionIsOverAfterCommit) {
  auto tx = begin();
  ASSERT_NE(tx, nullptr);
  WARD_ASSERT_OK(tx->commit());
  auto late = tx->execute("INSERT INTO items (id) VALUES (1)");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code(), Code::kFailedPrecondition);
  Status again = tx->commit();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), Code::kFailedPrecondition);
  // A committed but not yet destroyed transaction does not block the next one on this thread.
  EXPECT_NE(begin(), nullptr);
}

TEST_F(SqliteStoreTest, WrongParameterCountIsAnError) {
  auto tx = begin();
  ASSERT_NE(tx, nullptr);
  auto too_few = tx->execute("INSERT INTO items (id, s) VALUES (?, ?)", {std::int64_t{1}});
  ASSERT_FALSE(too_few.ok());
  EXPECT_EQ(too_few.error().code(), Code::kInvalidArgument);
  EXPECT_NE(too_few.error().message().find("has 2 parameter markers but 1 values were given"),
            std::string::npos);
  auto too_many =
      tx->query("SELECT * FROM items WHERE id = ?", {std::int64_t{1}, std::string("hunter2")});
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(too_many.error().to_string().find("hunter2"), std::string::npos);
  // The transaction is still usable after a refused statement.
  WARD_ASSERT_OK(tx->execute("INSERT INTO items (id) VALUES (?)", {std::int64_t{1}}));
}

TEST_F(SqliteStoreTest, OnlyPlainParameterMarkersAndSingleStatements) {
  auto tx = begin();
  ASSERT_NE(tx, nullptr);
  auto named = tx->query("SELECT * FROM items WHERE id = :id", {std::int64_t{1}});
  ASSERT_FALSE(named.ok());
  EXPECT_EQ(named.error().code(), Code::kInvalidArgument);
  EXPECT_NE(named.error().message().find(":id"), std::string::npos);

  auto two = tx->execute("DELETE FROM items; DELETE FROM items");
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.error().code(), Code::kInvalidArgument);
  WARD_ASSERT_OK(tx->execute("DELETE FROM items; -- a trailing comment is fine"));

  auto empty = tx->execute("  ; ");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code(), Code::kInvalidArgument);
}

TEST_F(SqliteStoreTest, NanIsRefused) {
  auto tx = begin();
  ASSERT_NE(tx, nullptr);
  auto nan =
      tx->execute("INSERT INTO items (id, r) VALUES (?, ?)", {std::int64_t{1}, std::nan("")});
  ASSERT_FALSE(nan.ok());
  EXPECT_EQ(nan.error().code(), Code::kInvalidArgument);
}

TEST_F(SqliteStoreTest, QueryOneWantsAtMostOneRow) {
  auto tx = begin();
  ASSERT_NE(tx, nullptr);
  auto none = tx->query_one("SELECT id FROM items");
  WARD_ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  WARD_ASSERT_OK(
      tx->execute_script("INSERT INTO items (id) VALUES (1); INSERT INTO items (id) "
                         "VALUES (2);"));
  auto two = tx->query_one("SELECT id FROM items");
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.error().code(), Code::kInvalidArgument);
}

TEST_F(SqliteStoreTest, ReadOnlyTransactionRefusesWrites) {
  auto tx = begin({.access = Access::kReadOnly});
  ASSERT_NE(tx, nullptr);
  auto write = tx->execute("INSERT INTO items (id) VALUES (?)", {std::int64_t{1}});
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.error().code(), Code::kInvalidArgument);
  Status script = tx->execute_script("SELECT 1; DELETE FROM items");
  ASSERT_FALSE(script.ok());
  EXPECT_EQ(script.error().code(), Code::kInvalidArgument);
}

TEST_F(SqliteStoreTest, ScriptsTakeNoParameterMarkers) {
  auto tx = begin();
  ASSERT_NE(tx, nullptr);
  Status script = tx->execute_script("DELETE FROM items WHERE id = ?");
  ASSERT_FALSE(script.ok());
  EXPECT_EQ(script.error().code(), Code::kInvalidArgument);
}

TEST_F(SqliteStoreTest, ConstraintViolationsMapToCodesWithoutValues) {
  WARD_ASSERT_OK(db_->with_transaction({}, [](Transaction& tx) -> Status {
    auto r = tx.execute_script(
        "CREATE TABLE users (name TEXT PRIMARY KEY, secret TEXT NOT NULL CHECK (secret <> ''));"
        "CREATE TABLE keys (owner TEXT NOT NULL REFERENCES users (name));");
    return r;
  }));
  auto tx = begin();
  ASSERT_NE(tx, nullptr);
  WARD_ASSERT_OK(tx->execute("INSERT INTO users VALUES (?, ?)", {"alice", "s3cr3t-value"}));
  auto duplicate = tx->execute("INSERT INTO users VALUES (?, ?)", {"alice", "s3cr3t-value"});
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code(), Code::kAlreadyExists);
  EXPECT_NE(duplicate.error().message().find("UNIQUE constraint failed: users.name"),
            std::string::npos);
  EXPECT_EQ(duplicate.error().to_string().find("s3cr3t-value"), std::string::npos);

  auto check = tx->execute("INSERT INTO users VALUES (?, ?)", {"bob", ""});
  ASSERT_FALSE(check.ok());
  EXPECT_EQ(check.error().code(), Code::kInvalidArgument);
  auto null = tx->execute("INSERT INTO users VALUES (?, ?)", {"bob", std::monostate{}});
  ASSERT_FALSE(null.ok());
  EXPECT_EQ(null.error().code(), Code::kInvalidArgument);
  auto orphan = tx->execute("INSERT INTO keys VALUES (?)", {"nobody"});
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code(), Code::kInvalidArgument);
  EXPECT_NE(orphan.error().message().find("FOREIGN KEY"), std::string::npos);
  WARD_ASSERT_OK(tx->commit());
}

TEST_F(SqliteStoreTest, SqlCannotEndTheTransaction) {
  auto tx = begin();
  ASSERT_NE(tx, nullptr);
  WARD_ASSERT_OK(tx->execute("INSERT INTO items (id) VALUES (?)", {std::int64_t{1}}));
  auto commit = tx->execute("COMMIT");
  ASSERT_FALSE(commit.ok());
  EXPECT_EQ(commit.error().code(), Code::kInvalidArgument);
  auto after = tx->execute("INSERT INTO items (id) VALUES (?)", {std::int64_t{2}});
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code(), Code::kFailedPrecondition);
  tx.reset();
  EXPECT_EQ(count_items(*db_), 0);

  tx = begin();
  ASSERT_NE(tx, nullptr);
  auto rollback = tx->execute("ROLLBACK");
  ASSERT_FALSE(rollback.ok());
  EXPECT_EQ(rollback.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(tx->commit().error().code(), Code::kFailedPrecondition);
}

TEST_F(SqliteStoreTest, WalForeignKeysAndDurabilityAreReallyOn) {
  auto normal = begin();
  ASSERT_NE(normal, nullptr);
  auto mode = normal->query_one("PRAGMA journal_mode");
  WARD_ASSERT_OK(mode);
  EXPECT_EQ(*(*mode)->get_text(0), "wal");
  auto fk = normal->query_one("PRAGMA foreign_keys");
  WARD_ASSERT_OK(fk);
  EXPECT_EQ(*(*fk)->get_int(0), 1);
  auto sync = normal->query_one("PRAGMA synchronous");
  WARD_ASSERT_OK(sync);
  EXPECT_EQ(*(*sync)->get_int(0), 1);  // NORMAL
  normal.reset();

  auto full = begin({.durability = Durability::kFull});
  ASSERT_NE(full, nullptr);
  sync = full->query_one("PRAGMA synchronous");
  WARD_ASSERT_OK(sync);
  EXPECT_EQ(*(*sync)->get_int(0), 2);  // FULL
}

TEST(SqliteStoreFileTest, CreatesPrivateFileAndDirectories) {
  test::TempDir dir;
  auto file = dir / "state/ward/ward.db";
  auto db = open_or_fail(file);
  ASSERT_NE(db, nullptr);
  WARD_ASSERT_OK(db->with_transaction({}, [](Transaction& tx) -> Status {
    auto r = tx.execute("CREATE TABLE t (x BIGINT)");
    return r ? Status() : Status(r.error());
  }));
  auto mode = [](const std::filesystem::path& p) {
    struct stat info {};
    EXPECT_EQ(::stat(p.c_str(), &info), 0) << p;
    return info.st_mode & 07777;
  };
  EXPECT_EQ(mode(file), 0600u);
  EXPECT_EQ(mode(file.string() + "-wal"), 0600u);
  EXPECT_EQ(mode(dir / "state/ward"), 0700u);
  EXPECT_EQ(mode(dir / "state"), 0700u);
}

TEST(SqliteStoreFileTest, GarbageFileIsDataLoss) {
  test::TempDir dir;
  auto file = dir / "ward.db";
  std::string garbage(4096, '\0');
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 7 + 3);
  test::write_text(file, garbage);
  auto db = open_sqlite(file);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code(), Code::kDataLoss);
  EXPECT_EQ(db.error().where(), file.string());
  EXPECT_EQ(db.error().message().rfind("the database file " + file.string() +
                                           " is corrupt or not a Ward database; restore it from "
                                           "a backup",
                                       0),
            0u)
      << db.error().message();
}

TEST(SqliteStoreFileTest, BlockedDirectoryIsAClearError) {
  test::TempDir dir;
  test::write_text(dir / "blocker", "a file where a directory should be");
  auto file = dir / "blocker/sub/ward.db";
  auto db = open_sqlite(file);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(db.error().where(), (dir / "blocker/sub").string());
  EXPECT_NE(db.error().message().find("cannot create the database directory"), std::string::npos)
      << db.error().message();
  EXPECT_NE(db.error().message().find("choose another database path"), std::string::npos);
}

TEST(SqliteStoreFileTest, UnwritableDirectoryIsAClearError) {
  test::TempDir dir;
  auto locked = dir / "locked";
  std::filesystem::create_directory(locked);
  test::run_without_root(dir, [&] {
    std::filesystem::permissions(
        locked, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    auto db = open_sqlite(locked / "ward.db");
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.error().code(), Code::kFailedPrecondition);
    EXPECT_EQ(db.error().where(), (locked / "ward.db").string());
    EXPECT_NE(db.error().message().find("Permission denied"), std::string::npos)
        << db.error().message();
  });
}

TEST(SqliteStoreFileTest, ReadOnlyFileIsAClearError) {
  test::TempDir dir;
  auto file = dir / "ward.db";
  ASSERT_NE(open_or_fail(file), nullptr);
  test::run_without_root(dir, [&] {
    std::filesystem::permissions(file, std::filesystem::perms::owner_read);
    auto db = open_sqlite(file);
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.error().code(), Code::kFailedPrecondition);
    EXPECT_EQ(db.error().where(), file.string());
    EXPECT_NE(db.error().message().find("read-only"), std::string::npos) << db.error().message();
  });
}

TEST(SqliteStoreFileTest, TransactionOutlivesItsDatabase) {
  test::TempDir dir;
  auto db = open_or_fail(dir / "ward.db");
  ASSERT_NE(db, nullptr);
  auto tx = db->begin();
  WARD_ASSERT_OK(tx);
  db.reset();
  WARD_ASSERT_OK((*tx)->execute("CREATE TABLE t (x BIGINT)"));
  WARD_ASSERT_OK((*tx)->commit());
}

TEST(SqliteStoreConcurrencyTest, WriterInAnotherConnectionMakesBeginUnavailable) {
  test::TempDir dir;
  auto holder = open_or_fail(dir / "ward.db", milliseconds(100));
  auto waiter = open_or_fail(dir / "ward.db", milliseconds(100));
  ASSERT_NE(holder, nullptr);
  ASSERT_NE(waiter, nullptr);
  auto held = holder->begin();
  WARD_ASSERT_OK(held);

  auto start = std::chrono::steady_clock::now();
  auto blocked = waiter->begin();
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code(), Code::kUnavailable);
  EXPECT_NE(blocked.error().message().find("database is locked"), std::string::npos);
  EXPECT_GE(waited, milliseconds(90));

  // Readers are not blocked by a writer in WAL mode.
  WARD_ASSERT_OK(waiter->begin({.access = Access::kReadOnly}));

  int attempts = 0;
  Status retried = waiter->with_transaction(
      {},
      [&](Transaction&) {
        ++attempts;
        return Status();
      },
      2);
  ASSERT_FALSE(retried.ok());
  EXPECT_EQ(retried.error().code(), Code::kUnavailable);
  EXPECT_EQ(attempts, 0);  // begin itself was busy both times

  WARD_ASSERT_OK((*held)->commit());
  WARD_ASSERT_OK(waiter->begin());
}

// POSIX drops all of a process's locks on a file when the process closes any descriptor of it.
// SQLite keeps a shared lock on the database file while a connection is open, so that no other
// process takes it for the last user and deletes the WAL; opening the file again must keep it.
TEST(SqliteStoreConcurrencyTest, ReopeningInProcessKeepsTheSharedLock) {
  test::TempDir dir;
  auto file = dir / "ward.db";
  auto holder = open_or_fail(file);
  ASSERT_NE(holder, nullptr);
  WARD_ASSERT_OK(holder->with_transaction(
      {}, [](Transaction& tx) { return tx.execute_script("CREATE TABLE t (x BIGINT)"); }));
  auto second = open_or_fail(file);
  ASSERT_NE(second, nullptr);

  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int fd = ::open(file.c_str(), O_RDONLY);
    struct flock probe {};
    probe.l_type = F_WRLCK;
    probe.l_whence = SEEK_SET;
    probe.l_start = 0x40000002;  // SQLite's shared-lock byte range
    probe.l_len = 510;
    bool locked = fd >= 0 && ::fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type != F_UNLCK;
    ::_exit(locked ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the database file lost this process's shared lock";
}

TEST(SqliteStoreConcurrencyTest, OtherThreadsTransactionMakesBeginUnavailable) {
  test::TempDir dir;
  auto db = open_or_fail(dir / "ward.db", milliseconds(50));
  ASSERT_NE(db, nullptr);
  auto held = db->begin();
  WARD_ASSERT_OK(held);
  std::optional<core::Error> error;
  std::thread other([&] {
    auto tx = db->begin({.access = Access::kReadOnly});
    if (!tx) error = tx.error();
  });
  other.join();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), Code::kUnavailable);
  EXPECT_NE(error->message().find("other transactions of this process"), std::string::npos);
}

TEST(SqliteStoreConcurrencyTest, NestedBeginOnOneThreadIsRefused) {
  test::TempDir dir;
  auto db = open_or_fail(dir / "ward.db");
  ASSERT_NE(db, nullptr);
  auto outer = db->begin();
  WARD_ASSERT_OK(outer);
  auto inner = db->begin();
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.error().code(), Code::kFailedPrecondition);
}

TEST(SqliteStoreConcurrencyTest, ConcurrentWritersAllSucceed) {
  test::TempDir dir;
  auto db = open_or_fail(dir / "ward.db");
  ASSERT_NE(db, nullptr);
  WARD_ASSERT_OK(db->with_transaction({}, [](Transaction& tx) -> Status {
    auto r = tx.execute("CREATE TABLE hits (thread BIGINT, n BIGINT, PRIMARY KEY (thread, n))");
    return r ? Status() : Status(r.error());
  }));
  constexpr int kThreads = 8;
  constexpr int kWritesEach = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < kWritesEach; ++n) {
        Status s = db->with_transaction({}, [&](Transaction& tx) -> Status {
          auto r = tx.execute("INSERT INTO hits VALUES (?, ?)", {std::int64_t{t}, std::int64_t{n}});
          return r ? Status() : Status(r.error());
        });
        if (!s) failures.fetch_add(1);
        auto reader = db->begin({.access = Access::kReadOnly});
        if (!reader || !(*reader)->query("SELECT count(*) FROM hits").ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto tx = db->begin({.access = Access::kReadOnly});
  WARD_ASSERT_OK(tx);
  auto total = (*tx)->query_one("SELECT count(*) FROM hits");
  WARD_ASSERT_OK(total);
  EXPECT_EQ(*(*total)->get_int(0), kThreads * kWritesEach);
}

TEST(SqliteStoreTransactionHelperTest, CommitsOnSuccessRollsBackOnError) {
  test::TempDir dir;
  auto db = open_or_fail(dir / "ward.db");
  ASSERT_NE(db, nullptr);
  WARD_ASSERT_OK(db->with_transaction({}, [](Transaction& tx) {
    return tx.execute_script("CREATE TABLE t (x BIGINT); INSERT INTO t VALUES (1);");
  }));
  Status failed = db->with_transaction({}, [](Transaction& tx) -> Status {
    auto r = tx.execute("INSERT INTO t VALUES (2)");
    if (!r) return r.error();
    return core::Error(Code::kNotFound, "", "the work failed");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), Code::kNotFound);
  auto tx = db->begin({.access = Access::kReadOnly});
  WARD_ASSERT_OK(tx);
  auto total = (*tx)->query_one("SELECT sum(x) FROM t");
  WARD_ASSERT_OK(total);
  EXPECT_EQ(*(*total)->get_int(0), 1);
}

}  // namespace
}  // namespace ward::store
