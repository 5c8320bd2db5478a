#pragma once
// Internals of the SQLite store, shared by sqlite_store.cpp and nothing else: the connection with
// its lock and prepared-statement cache, and the mapping of SQLite result codes to Ward errors.
//
// Threads: everything here except ConnectionLock is used only by the thread that holds the lock.

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "core/error.h"
#include "store/store.h"

namespace ward::store::sqlite {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;
using StmtHandle = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// The Ward error for SQLite result code `rc` on `db` (which may be null when opening failed).
// It quotes SQLite's message, which names tables and columns but never bound values.
core::Error to_error(int rc, sqlite3* db, const std::string& file);

// The start of `sql` for an error message.
std::string excerpt(std::string_view sql);

// Exclusive use of a connection. Unlike std::mutex it may be released by another thread than the
// one that acquired it (a Transaction may be handed over) and it knows its owner, so that a thread
// asking for a second transaction gets an error instead of a deadlock.
class ConnectionLock {
 public:
  bool try_acquire_for(std::chrono::milliseconds timeout);
  void release();
  bool held_by_this_thread();

 private:
  std::mutex mutex_;
  std::condition_variable free_;
  bool held_ = false;
  std::thread::id owner_;
};

struct CachedStatement {
  StmtHandle stmt;
  bool read_only = false;
  Row::Columns columns;  // of the last result, shared by its rows and reused while unchanged
};

// Prepared statements by SQL text, least recently used dropped first. Preparing costs about as
// much as running a point query, and Ward runs the same few statements over and over.
class StatementCache {
 public:
  CachedStatement* find(std::string_view sql);
  CachedStatement* insert(std::string sql, CachedStatement statement);

 private:
  static constexpr std::size_t kCapacity = 64;
  using Entry = std::pair<std::string, CachedStatement>;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;
};

// One open SQLite connection. Apart from lock(), every member function requires the lock to be
// held, or the connection not to be shared yet (while opening).
class Connection {
 public:
  Connection(DbHandle db, std::string file, std::chrono::milliseconds busy_timeout);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Applies Ward's settings (WAL, foreign keys, synchronous=NORMAL), checks that they took, and
  // from then on refuses any commit but commit()'s.
  core::Status configure();

  sqlite3* db() const { return db_.get(); }
  const std::string& file() const { return file_; }
  std::chrono::milliseconds busy_timeout() const { return busy_timeout_; }
  ConnectionLock& lock() { return lock_; }

  // A prepared statement for exactly one statement of `sql` with only `?` parameter markers, reset
  // and with no bindings, owned by the cache.
  core::Result<CachedStatement*> prepare(std::string_view sql);

  // Runs SQL of Ward's own (BEGIN, PRAGMA …) that needs no parameters and yields no rows we need.
  core::Status run(std::string_view sql);

  // The first column of the first row of a PRAGMA, as text.
  core::Result<std::string> pragma(std::string_view sql);

  core::Status set_durability(Durability durability);

  // COMMIT, the only way this connection lets a transaction commit: the commit hook turns any
  // other commit (a COMMIT inside caller SQL) into a rollback.
  core::Status commit();

  core::Error error(int rc) const { return to_error(rc, db_.get(), file_); }

 private:
  static int commit_hook(void* self);

  DbHandle db_;  // declared first so that it is closed after the cached statements are finalized
  StatementCache cache_;
  std::string file_;
  std::chrono::milliseconds busy_timeout_;
  ConnectionLock lock_;
  Durability durability_ = Durability::kNormal;
  bool committing_ = false;
};

// Resets a statement and clears its bindings when a use of it ends, however it ends, so that a
// cached statement neither holds a read lock nor points at freed parameter memory.
class StatementUse {
 public:
  explicit StatementUse(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~StatementUse() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

}  // namespace ward::store::sqlite
