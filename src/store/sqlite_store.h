#pragma once
// Opens the SQLite implementation of the store: one database file in WAL mode, the default for a
// single machine. The file is created with mode 0600 (and missing parent directories with 0700),
// because it holds users, keys and the audit log; an existing file keeps its mode (SQLite gives
// the -wal and -shm files the same one).
//
// Who may call it: the code that starts Ward (server, cli) opens the database once and hands the
// Database to the modules; they see only store.h. From any thread.
//
// Concurrency: a Database has one SQLite connection, guarded by a lock that a Transaction holds
// from begin() until commit() or its destruction; transactions of one Database (reads included)
// therefore run one after another, which keeps every transaction serialisable and is ample for one
// machine. Other processes (a second `ward` command) may open the same file; SQLite's file locks
// arbitrate, and a write transaction takes the write lock at begin() (BEGIN IMMEDIATE), so a
// conflict shows there as kUnavailable rather than halfway through the work.

#include <chrono>
#include <filesystem>
#include <memory>

#include "store/store.h"

namespace ward::store {

struct SqliteOptions {
  // How long begin() waits for the database before failing with kUnavailable: first for this
  // Database's other transactions, then for another process's writer (so at most twice this).
  std::chrono::milliseconds busy_timeout{5000};
};

// Opens or creates `file`, switches it to WAL (and fails if the file system cannot do WAL), turns
// foreign keys on, and checks that it is a database at all (kDataLoss if not). Errors name the
// path and what to do.
core::Result<std::unique_ptr<Database>> open_sqlite(const std::filesystem::path& file,
                                                    const SqliteOptions& options = {});

}  // namespace ward::store
