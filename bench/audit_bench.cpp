// The audit log's append (hash chain, canonical encoding, commit with synchronous=FULL) against
// the peer that bounds it from below: the raw sqlite3 C API inserting one row per transaction
// with the same pragmas (WAL, synchronous=FULL), in the same run. Both pay one fsync per commit
// when single-threaded; with several threads the audit log groups concurrent appends into one
// commit, which the raw single-row peer does not. Run it on a quiet machine, e.g.
//   build/bench/audit_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "crypto/sign.h"
#include "gov/audit/audit_log.h"
#include "gov/schema.h"
#include "store/sqlite_store.h"

namespace {

namespace fs = std::filesystem;

fs::path scratch_dir() {
  std::string pattern = (fs::temp_directory_path() / "ward-audit-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

ward::gov::AuditEvent sample_event(std::int64_t i) {
  ward::gov::AuditEvent event;
  event.tenant = "acme";
  event.actor = {"alice", "token", "tok-1", "192.0.2.7", "ward-vscode/1.0"};
  event.action = "ward:Complete";
  event.resource = "ward:eu-west:acme:workspace/ws-1";
  event.params.set("attempt", i);
  event.params.digest("prompt", "prompt number " + std::to_string(i));
  event.latency_ms = 12;
  event.region = "eu-west";
  return event;
}

// One audit log shared by the benchmark's threads.
struct AuditFixture {
  fs::path dir = scratch_dir();
  std::unique_ptr<ward::store::Database> db;
  ward::crypto::Ed25519KeyPair key = ward::crypto::Ed25519KeyPair::generate().value();
  std::unique_ptr<ward::gov::AuditLog> log;

  AuditFixture() {
    db = std::move(ward::store::open_sqlite(dir / "ward.db", {}).value());
    if (!ward::gov::migrate(*db)) throw std::runtime_error("migration failed");
    ward::gov::AuditLogOptions options;
    options.background_checkpoints = false;
    log = std::move(ward::gov::AuditLog::open(*db, key, ward::core::system_clock(), options).value());
  }
  ~AuditFixture() {
    log.reset();
    db.reset();
    fs::remove_all(dir);
  }
};

AuditFixture* audit_fixture = nullptr;

void audit_append(benchmark::State& state) {
  if (state.thread_index() == 0) audit_fixture = new AuditFixture();
  std::int64_t i = state.thread_index() * 1'000'000;
  for (auto _ : state) {
    if (!audit_fixture->log->append(sample_event(i++))) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    delete audit_fixture;
    audit_fixture = nullptr;
  }
}
BENCHMARK(audit_append)->Threads(1)->Threads(8)->UseRealTime()->Iterations(300);

void raw_sqlite_insert_full(benchmark::State& state) {
  const fs::path dir = scratch_dir();
  sqlite3* db = nullptr;
  sqlite3_open((dir / "raw.db").c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
               "CREATE TABLE events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL, hash BLOB)",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO events (body, hash) VALUES (?, zeroblob(32))", -1, &insert,
                     nullptr);
  const std::string body(400, 'x');  // about the size of a canonical audit event
  for (auto _ : state) {
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    sqlite3_bind_text(insert, 1, body.c_str(), static_cast<int>(body.size()), SQLITE_STATIC);
    sqlite3_step(insert);
    sqlite3_reset(insert);
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  state.SetItemsProcessed(state.iterations());
  sqlite3_finalize(insert);
  sqlite3_close(db);
  fs::remove_all(dir);
}
BENCHMARK(raw_sqlite_insert_full)->UseRealTime()->Iterations(300);

}  // namespace

BENCHMARK_MAIN();
