#include "store/sqlite_connection.h"

#include <cctype>
#include <cstring>

namespace ward::store::sqlite {

using core::Code;
using core::Error;
using core::Result;
using core::Status;

namespace {

std::string system_error(sqlite3* db) {
  int err = db ? sqlite3_system_errno(db) : 0;
  return err ? std::string(" (") + std::strerror(err) + ")" : std::string();
}

Code code_for(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Code::kUnavailable;
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY ||
          rc == SQLITE_CONSTRAINT_ROWID) {
        return Code::kAlreadyExists;
      }
      return Code::kInvalidArgument;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Code::kDataLoss;
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return Code::kFailedPrecondition;
    case SQLITE_FULL:
    case SQLITE_NOMEM:
    case SQLITE_TOOBIG:
      return Code::kResourceExhausted;
    default:
      return Code::kInternal;
  }
}

std::string describe(int rc, sqlite3* db, const std::string& file) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "the database is busy: another connection (usually another Ward process) held its "
             "lock for longer than the busy timeout; try again";
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_COMMITHOOK) {
        return "the SQL tried to commit the transaction, which is now rolled back; commit with "
               "Transaction::commit()";
      }
      if (code_for(rc) == Code::kAlreadyExists) return "a row with the same key exists already";
      return "the change violates a constraint of the schema";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return "the database file " + file +
             " is corrupt or not a Ward database; restore it from a backup";
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return "cannot open or write the database file " + file + system_error(db) +
             "; check that the user Ward runs as may read and write it and its directory";
    case SQLITE_FULL:
      return "the disk holding the database is full; free some space and try again";
    case SQLITE_IOERR:
      return "reading or writing the database file failed" + system_error(db) + "; check the disk";
    case SQLITE_NOMEM:
      return "out of memory";
    case SQLITE_TOOBIG:
      return "a value or statement is larger than the database allows";
    default:
      return "the statement failed";
  }
}

bool is_blank(std::string_view text) {
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c)) && c != ';') return false;
  }
  return true;
}

// Whether SQL after the first statement holds another statement, not just comments.
bool has_more_statements(sqlite3* db, std::string_view rest) {
  if (is_blank(rest)) return false;
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, rest.data(), static_cast<int>(rest.size()), &raw, nullptr);
  StmtHandle next(raw);
  return rc != SQLITE_OK || next != nullptr;
}

}  // namespace

std::string excerpt(std::string_view sql) {
  constexpr std::size_t kMax = 120;
  if (sql.size() <= kMax) return std::string(sql);
  return std::string(sql.substr(0, kMax)) + "…";
}

Error to_error(int rc, sqlite3* db, const std::string& file) {
  const char* message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return Error(code_for(rc), file, describe(rc, db, file) + " (SQLite: " + message + ")");
}

bool ConnectionLock::try_acquire_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!free_.wait_for(lock, timeout, [this] { return !held_; })) return false;
  held_ = true;
  owner_ = std::this_thread::get_id();
  return true;
}

void ConnectionLock::release() {
  {
    std::lock_guard lock(mutex_);
    held_ = false;
    owner_ = {};
  }
  free_.notify_one();
}

bool ConnectionLock::held_by_this_thread() {
  std::lock_guard lock(mutex_);
  return held_ && owner_ == std::this_thread::get_id();
}

CachedStatement* StatementCache::find(std::string_view sql) {
  auto it = index_.find(sql);
  if (it == index_.end()) return nullptr;
  entries_.splice(entries_.begin(), entries_, it->second);
  return &it->second->second;
}

CachedStatement* StatementCache::insert(std::string sql, CachedStatement statement) {
  if (entries_.size() >= kCapacity) {
    index_.erase(entries_.back().first);
    entries_.pop_back();
  }
  entries_.emplace_front(std::move(sql), std::move(statement));
  index_.emplace(entries_.front().first, entries_.begin());
  return &entries_.front().second;
}

Connection::Connection(DbHandle db, std::string file, std::chrono::milliseconds busy_timeout)
    : db_(std::move(db)), file_(std::move(file)), busy_timeout_(busy_timeout) {}

Status Connection::configure() {
  if (Status s = run("PRAGMA foreign_keys=ON"); !s) return s;
  auto foreign_keys = pragma("PRAGMA foreign_keys");
  if (!foreign_keys) return std::move(foreign_keys).error();
  if (*foreign_keys != "1") {
    return Error(
        Code::kFailedPrecondition, file_,
        "this SQLite library cannot enforce foreign keys; build Ward against one that can");
  }
  auto mode = pragma("PRAGMA journal_mode=WAL");
  if (!mode) return std::move(mode).error();
  if (*mode != "wal") {
    return Error(Code::kFailedPrecondition, file_,
                 "the database stays in journal mode '" + *mode +
                     "' instead of WAL; put it on a local file system that supports shared memory");
  }
  if (Status s = run("PRAGMA synchronous=NORMAL"); !s) return s;
  sqlite3_commit_hook(db_.get(), &Connection::commit_hook, this);
  return {};
}

int Connection::commit_hook(void* self) {
  return static_cast<Connection*>(self)->committing_ ? 0 : 1;
}

Result<CachedStatement*> Connection::prepare(std::string_view sql) {
  if (CachedStatement* cached = cache_.find(sql)) return cached;
  if (is_blank(sql)) return Error(Code::kInvalidArgument, file_, "the SQL has no statement");
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &raw, &tail);
  StmtHandle stmt(raw);
  if (rc != SQLITE_OK) {
    // Name the statement for SQL mistakes; a busy or corrupt database is no fault of the SQL.
    if (rc != SQLITE_ERROR) return error(rc);
    return error(rc).with_context("preparing `" + excerpt(sql) + "`: ");
  }
  if (!stmt) return Error(Code::kInvalidArgument, file_, "the SQL has no statement");
  std::string_view rest(tail, sql.data() + sql.size() - tail);
  if (has_more_statements(db_.get(), rest)) {
    return Error(Code::kInvalidArgument, file_,
                 "`" + excerpt(sql) +
                     "` holds more than one statement; run each on its own, or a migration "
                     "body with execute_script");
  }
  for (int i = 1; i <= sqlite3_bind_parameter_count(stmt.get()); ++i) {
    if (sqlite3_bind_parameter_name(stmt.get(), i) != nullptr) {
      return Error(Code::kInvalidArgument, file_,
                   "`" + excerpt(sql) + "` uses the parameter marker " +
                       sqlite3_bind_parameter_name(stmt.get(), i) + "; use plain `?` only");
    }
  }
  bool read_only = sqlite3_stmt_readonly(stmt.get()) != 0;
  return cache_.insert(std::string(sql), CachedStatement{std::move(stmt), read_only, nullptr});
}

Status Connection::run(std::string_view sql) {
  auto prepared = prepare(sql);
  if (!prepared) return std::move(prepared).error();
  sqlite3_stmt* stmt = (*prepared)->stmt.get();
  StatementUse use(stmt);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) return error(rc);
  return {};
}

Result<std::string> Connection::pragma(std::string_view sql) {
  auto prepared = prepare(sql);
  if (!prepared) return std::move(prepared).error();
  sqlite3_stmt* stmt = (*prepared)->stmt.get();
  StatementUse use(stmt);
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE) return std::string();
  if (rc != SQLITE_ROW) return error(rc);
  const unsigned char* text = sqlite3_column_text(stmt, 0);
  return std::string(text ? reinterpret_cast<const char*>(text) : "");
}

Status Connection::set_durability(Durability durability) {
  if (durability == durability_) return {};
  Status s = run(durability == Durability::kFull ? "PRAGMA synchronous=FULL"
                                                 : "PRAGMA synchronous=NORMAL");
  if (s) durability_ = durability;
  return s;
}

Status Connection::commit() {
  committing_ = true;
  Status s = run("COMMIT");
  committing_ = false;
  return s;
}

}  // namespace ward::store::sqlite
