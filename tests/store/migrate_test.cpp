#include <gtest/gtest.h>

#include <regex>

#include "store/store_test_util.h"
#include "support/test_support.h"

namespace ward::store {
namespace {

using core::Code;
using core::Status;
using testing::open_or_fail;

// Plain CREATE TABLE (no IF NOT EXISTS) so that running a migration twice would fail loudly.
const std::vector<Migration> kGov = {
    {1, "users", "CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT NOT NULL);"},
    {2, "policies",
     "CREATE TABLE policies (id TEXT PRIMARY KEY, owner TEXT NOT NULL REFERENCES users (id));\n"
     "CREATE INDEX policies_owner ON policies (owner);"},
    {3, "user email", "ALTER TABLE users ADD COLUMN email TEXT;"},
};

std::span<const Migration> first(std::size_t n) {
  return std::span(kGov).first(n);
}

class StoreMigrateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = open_or_fail(file_);
    ASSERT_NE(db_, nullptr);
  }

  // version -> name recorded for `component`.
  std::map<std::int64_t, std::string> recorded(const std::string& component) {
    std::map<std::int64_t, std::string> versions;
    auto tx = db_->begin({.access = Access::kReadOnly});
    EXPECT_TRUE(tx.ok());
    auto rows = (*tx)->query(
        "SELECT version, name, applied_at FROM schema_migrations WHERE component = ?", {component});
    EXPECT_TRUE(rows.ok()) << rows.error().to_string();
    for (const Row& row : *rows) {
      EXPECT_TRUE(std::regex_match(*row.get_text("applied_at"),
                                   std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
      versions[*row.get_int("version")] = *row.get_text("name");
    }
    return versions;
  }

  bool table_exists(const std::string& name) {
    auto tx = db_->begin({.access = Access::kReadOnly});
    EXPECT_TRUE(tx.ok());
    auto row =
        (*tx)->query_one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", {name});
    EXPECT_TRUE(row.ok()) << row.error().to_string();
    return row.ok() && row->has_value();
  }

  test::TempDir dir_;
  std::filesystem::path file_ = dir_ / "ward.db";
  std::unique_ptr<Database> db_;
};

TEST_F(StoreMigrateTest, AppliesOnceAndIsIdempotentAcrossReopen) {
  WARD_ASSERT_OK(db_->migrate("gov", first(2)));
  EXPECT_TRUE(table_exists("users"));
  EXPECT_TRUE(table_exists("policies"));
  EXPECT_EQ(recorded("gov"), (std::map<std::int64_t, std::string>{{1, "users"}, {2, "policies"}}));

  WARD_ASSERT_OK(db_->migrate("gov", first(2)));
  db_ = open_or_fail(file_);
  ASSERT_NE(db_, nullptr);
  WARD_ASSERT_OK(db_->migrate("gov", first(2)));
  WARD_ASSERT_OK(db_->migrate("gov", kGov));  // only version 3 is new
  EXPECT_EQ(recorded("gov").size(), 3u);

  auto tx = db_->begin();
  WARD_ASSERT_OK(tx);
  WARD_ASSERT_OK((*tx)->execute("INSERT INTO users (id, name, email) VALUES (?, ?, ?)",
                                {"u1", "Alice", "alice@example.org"}));
}

TEST_F(StoreMigrateTest, ComponentsHaveTheirOwnVersions) {
  const std::vector<Migration> audit = {
      {1, "events", "CREATE TABLE audit_events (seq BIGINT PRIMARY KEY, body BLOB NOT NULL)"}};
  WARD_ASSERT_OK(db_->migrate("gov", first(1)));
  WARD_ASSERT_OK(db_->migrate("audit", audit));
  EXPECT_EQ(recorded("gov"), (std::map<std::int64_t, std::string>{{1, "users"}}));
  EXPECT_EQ(recorded("audit"), (std::map<std::int64_t, std::string>{{1, "events"}}));
}

TEST_F(StoreMigrateTest, NewerDatabaseIsRefused) {
  WARD_ASSERT_OK(db_->migrate("gov", kGov));
  Status older = db_->migrate("gov", first(2));
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(older.error().message(),
            "the database schema for gov is at version 3 but this ward knows only up to 2; "
            "upgrade ward");

  Status none = db_->migrate("gov", {});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message(),
            "the database schema for gov is at version 3 but this ward knows only up to 0; "
            "upgrade ward");
}

TEST_F(StoreMigrateTest, VersionsMustBePositiveAndStrictlyIncreasing) {
  const std::vector<std::vector<Migration>> bad = {
      {{1, "a", "CREATE TABLE a (x BIGINT)"}, {1, "b", "CREATE TABLE b (x BIGINT)"}},
      {{2, "a", "CREATE TABLE a (x BIGINT)"}, {1, "b", "CREATE TABLE b (x BIGINT)"}},
      {{0, "a", "CREATE TABLE a (x BIGINT)"}},
  };
  for (const auto& migrations : bad) {
    Status s = db_->migrate("gov", migrations);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code(), Code::kInvalidArgument);
    EXPECT_NE(s.error().message().find("strictly increasing"), std::string::npos);
  }
  EXPECT_FALSE(table_exists("a"));
  EXPECT_FALSE(table_exists("schema_migrations"));
  EXPECT_EQ(db_->migrate("", kGov).error().code(), Code::kInvalidArgument);
}

TEST_F(StoreMigrateTest, FailingMigrationRollsBackCompletely) {
  std::vector<Migration> migrations(kGov.begin(), kGov.begin() + 1);
  migrations.push_back({2, "broken",
                        "CREATE TABLE half (x BIGINT);\n"
                        "INSERT INTO half VALUES (1);\n"
                        "INSERT INTO no_such_table VALUES (1);"});
  Status s = db_->migrate("gov", migrations);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), Code::kInternal);
  EXPECT_NE(s.error().message().find("applying migration gov 2 (broken)"), std::string::npos)
      << s.error().message();
  EXPECT_NE(s.error().message().find("no such table: no_such_table"), std::string::npos);
  EXPECT_TRUE(table_exists("users"));
  EXPECT_FALSE(table_exists("half"));
  EXPECT_EQ(recorded("gov"), (std::map<std::int64_t, std::string>{{1, "users"}}));

  migrations[1] = kGov[1];
  WARD_ASSERT_OK(db_->migrate("gov", migrations));
  EXPECT_EQ(recorded("gov").size(), 2u);
}

TEST_F(StoreMigrateTest, MigrationInsertedBelowAppliedOnesIsRefused) {
  const std::vector<Migration> skipping = {kGov[0], kGov[2]};
  WARD_ASSERT_OK(db_->migrate("gov", skipping));
  Status s = db_->migrate("gov", kGov);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(s.error().message().find("gov 2 (policies) was never applied"), std::string::npos)
      << s.error().message();
  EXPECT_FALSE(table_exists("policies"));
}

}  // namespace
}  // namespace ward::store
