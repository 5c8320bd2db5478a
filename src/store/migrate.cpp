// Database::migrate, written against the Transaction interface only, so every engine shares it.

#include <map>

#include "core/clock.h"
#include "store/store.h"

namespace ward::store {

using core::Code;
using core::Error;
using core::Result;
using core::Status;

namespace {

constexpr std::string_view kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " component TEXT NOT NULL,"
    " version BIGINT NOT NULL,"
    " name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL,"
    " PRIMARY KEY (component, version))";

constexpr TransactionOptions kMigrationTx{Access::kReadWrite, Durability::kFull};

// version -> name of what the database has applied for one component.
using Applied = std::map<std::int64_t, std::string>;

std::string where(std::string_view component) {
  return "schema migrations of " + std::string(component);
}

std::string describe(std::string_view component, const Migration& m) {
  return std::string(component) + " " + std::to_string(m.version) + " (" + m.name + ")";
}

Status validate(std::string_view component, std::span<const Migration> migrations) {
  if (component.empty()) {
    return Error(Code::kInvalidArgument, "schema migrations", "the component name is empty");
  }
  int previous = 0;
  for (const Migration& m : migrations) {
    if (m.version <= previous) {
      return Error(Code::kInvalidArgument, where(component),
                   "migration versions must be positive and strictly increasing, but " +
                       describe(component, m) + " follows version " + std::to_string(previous));
    }
    previous = m.version;
  }
  return {};
}

Result<Applied> read_applied(Transaction& tx, std::string_view component) {
  auto rows = tx.query("SELECT version, name FROM schema_migrations WHERE component = ?",
                       {std::string(component)});
  if (!rows) return std::move(rows).error();
  Applied applied;
  for (const Row& row : *rows) {
    auto version = row.get_int(0);
    auto name = row.get_text(1);
    if (!version) return std::move(version).error();
    if (!name) return std::move(name).error();
    applied.emplace(*version, std::move(*name));
  }
  return applied;
}

// Refuses a database this build cannot safely migrate: one from a newer Ward, or one that skipped
// a migration which was inserted below already-applied ones.
Status check_applied(std::string_view component, const Applied& applied,
                     std::span<const Migration> migrations) {
  if (applied.empty()) return {};
  std::int64_t newest = applied.rbegin()->first;
  int known = migrations.empty() ? 0 : migrations.back().version;
  if (newest > known) {
    return Error(Code::kFailedPrecondition, where(component),
                 "the database schema for " + std::string(component) + " is at version " +
                     std::to_string(newest) + " but this ward knows only up to " +
                     std::to_string(known) + "; upgrade ward");
  }
  for (const Migration& m : migrations) {
    if (m.version < newest && !applied.contains(m.version)) {
      return Error(Code::kFailedPrecondition, where(component),
                   "migration " + describe(component, m) +
                       " was never applied but the database is already at version " +
                       std::to_string(newest) +
                       "; new migrations must take versions above all released ones");
    }
  }
  return {};
}

Status apply(Transaction& tx, std::string_view component, const Migration& m) {
  // Another process may have applied it since we looked; the version row decides.
  auto done = tx.query_one("SELECT 1 FROM schema_migrations WHERE component = ? AND version = ?",
                           {std::string(component), std::int64_t{m.version}});
  if (!done) return std::move(done).error();
  if (done->has_value()) return {};
  if (Status s = tx.execute_script(m.sql); !s) {
    return s.error().with_context("applying migration " + describe(component, m) + ": ");
  }
  auto recorded = tx.execute(
      "INSERT INTO schema_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)",
      {std::string(component), std::int64_t{m.version}, m.name, core::format_rfc3339(core::system_clock().now())});
  if (!recorded) return std::move(recorded).error();
  return {};
}

}  // namespace

Status Database::migrate(std::string_view component, std::span<const Migration> migrations) {
  if (Status s = validate(component, migrations); !s) return s;
  Applied applied;
  Status prepared = with_transaction(kMigrationTx, [&](Transaction& tx) -> Status {
    auto created = tx.execute(kCreateVersionTable);
    if (!created) return std::move(created).error();
    auto read = read_applied(tx, component);
    if (!read) return std::move(read).error();
    applied = std::move(*read);
    return check_applied(component, applied, migrations);
  });
  if (!prepared) return prepared;
  for (const Migration& m : migrations) {
    if (applied.contains(m.version)) continue;
    Status s =
        with_transaction(kMigrationTx, [&](Transaction& tx) { return apply(tx, component, m); });
    if (!s) return s;
  }
  return {};
}

}  // namespace ward::store
