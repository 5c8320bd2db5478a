#include "store/sqlite_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "store/sqlite_connection.h"

namespace ward::store {

using core::Code;
using core::Error;
using core::Result;
using core::Status;
using sqlite::Connection;
using sqlite::StatementUse;
using sqlite::StmtHandle;

namespace {

namespace fs = std::filesystem;

int bind_one(sqlite3_stmt* stmt, int index, const Value& value) {
  struct Binder {
    sqlite3_stmt* stmt;
    int index;
    int operator()(std::monostate) const { return sqlite3_bind_null(stmt, index); }
    int operator()(std::int64_t v) const { return sqlite3_bind_int64(stmt, index, v); }
    int operator()(double v) const { return sqlite3_bind_double(stmt, index, v); }
    // SQLITE_STATIC is safe: StatementUse clears the bindings before `params` goes away.
    int operator()(const std::string& v) const {
      return sqlite3_bind_text64(stmt, index, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
    }
    int operator()(const Blob& v) const {
      // A null pointer would bind NULL, not an empty blob.
      if (v.bytes.empty()) return sqlite3_bind_zeroblob(stmt, index, 0);
      return sqlite3_bind_blob64(stmt, index, v.bytes.data(), v.bytes.size(), SQLITE_STATIC);
    }
  };
  return std::visit(Binder{stmt, index}, value);
}

Status bind_all(Connection& conn, sqlite3_stmt* stmt, const std::vector<Value>& params) {
  auto expected = static_cast<std::size_t>(sqlite3_bind_parameter_count(stmt));
  if (expected != params.size()) {
    return Error(Code::kInvalidArgument, conn.file(),
                 "`" + sqlite::excerpt(sqlite3_sql(stmt)) + "` has " + std::to_string(expected) +
                     " parameter markers but " + std::to_string(params.size()) +
                     " values were given");
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto* real = std::get_if<double>(&params[i]);
    if (real && std::isnan(*real)) {
      // SQLite would silently store NULL.
      return Error(Code::kInvalidArgument, conn.file(),
                   "value " + std::to_string(i + 1) + " is NaN, which SQL cannot store");
    }
    int rc = bind_one(stmt, static_cast<int>(i + 1), params[i]);
    if (rc != SQLITE_OK) return conn.error(rc);
  }
  return {};
}

Value read_column(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
      return std::int64_t{sqlite3_column_int64(stmt, i)};
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt, i);
    case SQLITE_TEXT: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)))
                  : std::string();
    }
    case SQLITE_BLOB: {
      // Null for an empty blob.
      const auto* bytes = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, i));
      return bytes ? Blob{{bytes, bytes + sqlite3_column_bytes(stmt, i)}} : Blob{};
    }
    default:
      return std::monostate{};
  }
}

const char* column_name(sqlite3_stmt* stmt, std::size_t i) {
  const char* name = sqlite3_column_name(stmt, static_cast<int>(i));
  return name ? name : "";  // null only when out of memory
}

// The column names of `stmt`'s current row. `cached` is reused while the names are unchanged,
// which saves allocations on every query; they change when SQLite re-prepares the statement
// after a schema change, so they are compared each time and read only once a row exists.
Row::Columns current_columns(sqlite3_stmt* stmt, Row::Columns& cached) {
  auto count = static_cast<std::size_t>(sqlite3_column_count(stmt));
  bool same = cached && cached->size() == count;
  for (std::size_t i = 0; same && i < count; ++i) same = (*cached)[i] == column_name(stmt, i);
  if (same) return cached;
  auto names = std::make_shared<std::vector<std::string>>();
  names->reserve(count);
  for (std::size_t i = 0; i < count; ++i) names->emplace_back(column_name(stmt, i));
  cached = std::move(names);
  return cached;
}

// Steps `stmt` to its end, discarding any rows.
Status step_through(Connection& conn, sqlite3_stmt* stmt) {
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
  }
  return rc == SQLITE_DONE ? Status() : Status(conn.error(rc));
}

// Steps `stmt` to its end, appending its rows to `rows`.
Status collect(Connection& conn, sqlite3_stmt* stmt, std::vector<Row>& rows,
               Row::Columns& columns) {
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    Row::Columns names = current_columns(stmt, columns);
    std::vector<Value> values;
    values.reserve(names->size());
    for (std::size_t i = 0; i < names->size(); ++i) {
      values.push_back(read_column(stmt, static_cast<int>(i)));
    }
    rows.emplace_back(std::move(names), std::move(values));
  }
  return rc == SQLITE_DONE ? Status() : Status(conn.error(rc));
}

Status status_of(const Result<std::int64_t>& result) {
  return result ? Status() : Status(result.error());
}

class SqliteTransaction final : public Transaction {
 public:
  SqliteTransaction(std::shared_ptr<Connection> conn, Access access)
      : conn_(std::move(conn)), access_(access) {}
  ~SqliteTransaction() override { finish(); }

  // Called with the connection lock held; from here on this transaction releases it.
  Status start(Durability durability) {
    open_ = true;
    if (access_ == Access::kReadOnly) return conn_->run("BEGIN");
    // synchronous cannot change inside a transaction.
    if (Status s = conn_->set_durability(durability); !s) return s;
    return conn_->run("BEGIN IMMEDIATE");
  }

  Result<std::int64_t> execute(std::string_view sql, const std::vector<Value>& params) override {
    if (Status s = check_open(); !s) return std::move(s).error();
    Result<std::int64_t> changed = run(sql, params, nullptr);
    if (Status s = still_open(status_of(changed)); !s) return std::move(s).error();
    return changed;
  }

  Result<std::vector<Row>> query(std::string_view sql, const std::vector<Value>& params) override {
    if (Status s = check_open(); !s) return std::move(s).error();
    std::vector<Row> rows;
    Result<std::int64_t> ran = run(sql, params, &rows);
    if (Status s = still_open(status_of(ran)); !s) return std::move(s).error();
    return rows;
  }

  Status execute_script(std::string_view sql) override {
    if (Status s = check_open(); !s) return s;
    const char* next = sql.data();
    const char* end = sql.data() + sql.size();
    while (next < end) {
      if (Status s = still_open(run_next(next, end)); !s) return s;
    }
    return {};
  }

  Status commit() override {
    if (Status s = check_open(); !s) return s;
    Status committed = conn_->commit();
    finish();
    return committed;
  }

 private:
  Status check_open() const {
    if (open_) return {};
    return Error(Code::kFailedPrecondition, conn_->file(),
                 "the transaction is over (committed, or rolled back after an error); begin a "
                 "new one");
  }

  Status check_access(bool read_only, std::string_view sql) const {
    if (read_only || access_ == Access::kReadWrite) return {};
    return Error(Code::kInvalidArgument, conn_->file(),
                 "`" + sqlite::excerpt(sql) + "` writes, but the transaction is read-only");
  }

  // Runs one cached statement; the number of rows it changed.
  Result<std::int64_t> run(std::string_view sql, const std::vector<Value>& params,
                           std::vector<Row>* rows) {
    auto cached = conn_->prepare(sql);
    if (!cached) return std::move(cached).error();
    if (Status s = check_access((*cached)->read_only, sql); !s) return std::move(s).error();
    sqlite3_stmt* stmt = (*cached)->stmt.get();
    StatementUse use(stmt);
    if (Status s = bind_all(*conn_, stmt, params); !s) return std::move(s).error();
    sqlite3* db = conn_->db();
    sqlite3_int64 before = sqlite3_total_changes64(db);
    Status stepped =
        rows ? collect(*conn_, stmt, *rows, (*cached)->columns) : step_through(*conn_, stmt);
    if (!stepped) return std::move(stepped).error();
    // changes64() keeps the count of the last INSERT/UPDATE/DELETE, even across DDL.
    return sqlite3_total_changes64(db) == before ? 0 : sqlite3_changes64(db);
  }

  // Prepares and runs the statement at `next` of a script, moving `next` past it.
  Status run_next(const char*& next, const char* end) {
    sqlite3_stmt* raw = nullptr;
    std::string_view text(next, static_cast<std::size_t>(end - next));
    int rc = sqlite3_prepare_v2(conn_->db(), next, static_cast<int>(end - next), &raw, &next);
    StmtHandle stmt(raw);
    if (rc != SQLITE_OK) {
      return conn_->error(rc).with_context("preparing `" + sqlite::excerpt(text) + "`: ");
    }
    if (!stmt) return {};  // only comments or white space
    std::string_view sql = sqlite3_sql(stmt.get());
    if (sqlite3_bind_parameter_count(stmt.get()) != 0) {
      return Error(
          Code::kInvalidArgument, conn_->file(),
          "`" + sqlite::excerpt(sql) + "` has parameter markers, which a script cannot bind");
    }
    if (Status s = check_access(sqlite3_stmt_readonly(stmt.get()) != 0, sql); !s) return s;
    if (Status s = step_through(*conn_, stmt.get()); !s) {
      return s.error().with_context("running `" + sqlite::excerpt(sql) + "`: ");
    }
    return {};
  }

  // SQLite ends a transaction itself after some errors (disk full, I/O) and when the SQL says
  // ROLLBACK; then this transaction is over, and the caller must learn it.
  Status still_open(Status outcome) {
    if (!sqlite3_get_autocommit(conn_->db())) return outcome;
    finish();
    if (!outcome) return outcome;
    return Error(Code::kInvalidArgument, conn_->file(),
                 "the SQL ended the transaction; end it with Transaction::commit() or by "
                 "destroying it");
  }

  void finish() {
    if (!open_) return;
    // ROLLBACK fails only when no transaction is open, which get_autocommit rules out.
    if (!sqlite3_get_autocommit(conn_->db())) (void)conn_->run("ROLLBACK");
    open_ = false;
    conn_->lock().release();
  }

  std::shared_ptr<Connection> conn_;
  Access access_;
  bool open_ = false;
};

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(std::shared_ptr<Connection> conn) : conn_(std::move(conn)) {}

  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<std::unique_ptr<Transaction>> begin(const TransactionOptions& options) override {
    sqlite::ConnectionLock& lock = conn_->lock();
    if (lock.held_by_this_thread()) {
      return Error(Code::kFailedPrecondition, conn_->file(),
                   "this thread already has an open transaction on the database; finish it "
                   "before beginning another");
    }
    auto tx = std::make_unique<SqliteTransaction>(conn_, options.access);
    if (!lock.try_acquire_for(conn_->busy_timeout())) {
      return Error(Code::kUnavailable, conn_->file(),
                   "the database is busy: other transactions of this process held it for longer "
                   "than the busy timeout (" +
                       std::to_string(conn_->busy_timeout().count()) + " ms); try again");
    }
    if (Status s = tx->start(options.durability); !s) return std::move(s).error();
    return std::unique_ptr<Transaction>(std::move(tx));
  }

 private:
  std::shared_ptr<Connection> conn_;
};

Error path_error(const fs::path& path, std::string_view what, int err) {
  return Error(Code::kFailedPrecondition, path.string(),
               "cannot create " + std::string(what) + " (" + std::strerror(err) +
                   "); let the user Ward runs as write there, or choose another database path");
}

// Creates `dir` and its missing parents with mode 0700, leaving existing ones alone.
Status make_private_dirs(const fs::path& dir) {
  if (dir.empty()) return {};
  struct stat info {};
  if (::stat(dir.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) return {};
    return path_error(dir, "the database directory", ENOTDIR);
  }
  if (errno != ENOENT) return path_error(dir, "the database directory", errno);
  if (Status s = make_private_dirs(dir.parent_path()); !s) return s;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return path_error(dir, "the database directory", errno);
  }
  return {};
}

// SQLite would create the file with mode 0644; create it first so that it is born private. An
// existing file is left untouched: closing a descriptor of it would drop every POSIX lock this
// process holds on it, including those of its other open connections.
Status make_private_file(const fs::path& file) {
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return {};
    return path_error(file, "the database file", errno);
  }
  ::close(fd);
  return {};
}

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite(const fs::path& file, const SqliteOptions& options) {
  if (file.empty() || options.busy_timeout.count() < 0) {
    return Error(Code::kInvalidArgument, file.string(),
                 "the database needs a file path and a busy timeout of zero or more");
  }
  if (Status s = make_private_dirs(file.parent_path()); !s) return std::move(s).error();
  if (Status s = make_private_file(file); !s) return std::move(s).error();
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(file.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, nullptr);
  sqlite::DbHandle db(raw);
  if (rc != SQLITE_OK) return sqlite::to_error(rc, raw, file.string());
  // SQLite quietly falls back to reading only when the file is write-protected.
  if (sqlite3_db_readonly(raw, "main") == 1) {
    return Error(Code::kFailedPrecondition, file.string(),
                 "the database file is read-only for the user Ward runs as; let it write the file "
                 "and its directory");
  }
  sqlite3_busy_timeout(raw, static_cast<int>(options.busy_timeout.count()));
  auto conn = std::make_shared<Connection>(std::move(db), file.string(), options.busy_timeout);
  if (Status s = conn->configure(); !s) return std::move(s).error();
  return std::unique_ptr<Database>(std::make_unique<SqliteDatabase>(std::move(conn)));
}

}  // namespace ward::store
