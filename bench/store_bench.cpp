// Ward's store against the raw sqlite3 C API doing the same work on the same pragmas (WAL,
// synchronous=NORMAL, foreign keys on) in the same run: inserting rows in one transaction, and
// point selects by key in one read transaction. Prints the ratio ward/raw per workload at the end;
// the difference is what the store's safety (binding checks, typed rows, statement cache, lock)
// costs over hand-written SQLite calls. Single-threaded. Run it on a quiet machine, e.g.
//   build/bench/store_bench --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
//       --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/sqlite_store.h"

namespace {

namespace fs = std::filesystem;
using ward::store::Access;
using ward::store::Database;
using ward::store::Transaction;
using ward::store::Value;

constexpr int kInsertRows = 1000;
constexpr int kTableRows = 10000;
constexpr int kLookups = 1000;
constexpr const char* kCreate = "CREATE TABLE kv (k BIGINT PRIMARY KEY, v TEXT NOT NULL)";
constexpr const char* kInsert = "INSERT INTO kv (k, v) VALUES (?, ?)";
constexpr const char* kSelect = "SELECT v FROM kv WHERE k = ?";

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "ward-bench-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot create a scratch directory");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  fs::path operator/(const char* name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::vector<std::string> make_values(int n) {
  std::vector<std::string> values;
  for (int k = 0; k < n; ++k) values.push_back("value number " + std::to_string(k));
  return values;
}

// Spreads lookups over the table in a fixed order, the same for both sides.
std::int64_t lookup_key(int i) {
  return (static_cast<std::int64_t>(i) * 7919) % kTableRows;
}

void check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what);
}

// ---- raw SQLite -------------------------------------------------------------------------------

class RawDb {
 public:
  explicit RawDb(const fs::path& file) {
    // No per-call mutex, as Ward's store, which serialises with its own lock.
    check(sqlite3_open_v2(file.c_str(), &db_,
                          SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                          nullptr) == SQLITE_OK,
          "sqlite3_open_v2");
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
    exec("PRAGMA foreign_keys=ON");
    sqlite3_busy_timeout(db_, 5000);
    exec(kCreate);
  }
  ~RawDb() {
    for (sqlite3_stmt* stmt : statements_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const char* sql) {
    check(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK, sqlite3_errmsg(db_));
  }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    check(sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) == SQLITE_OK, sqlite3_errmsg(db_));
    statements_.push_back(stmt);
    return stmt;
  }

  void insert_all(sqlite3_stmt* insert, const std::vector<std::string>& values) {
    exec("BEGIN IMMEDIATE");
    for (std::size_t k = 0; k < values.size(); ++k) {
      sqlite3_bind_int64(insert, 1, static_cast<sqlite3_int64>(k));
      sqlite3_bind_text(insert, 2, values[k].data(), static_cast<int>(values[k].size()),
                        SQLITE_STATIC);
      check(sqlite3_step(insert) == SQLITE_DONE, sqlite3_errmsg(db_));
      sqlite3_reset(insert);
    }
    exec("COMMIT");
  }

 private:
  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> statements_;
};

void insert_raw(benchmark::State& state) {
  ScratchDir dir;
  RawDb raw(dir / "raw.db");
  sqlite3_stmt* insert = raw.prepare(kInsert);
  auto values = make_values(kInsertRows);
  for (auto _ : state) {
    raw.insert_all(insert, values);
    state.PauseTiming();
    raw.exec("DELETE FROM kv");
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kInsertRows);
}

void point_select_raw(benchmark::State& state) {
  ScratchDir dir;
  RawDb raw(dir / "raw.db");
  raw.insert_all(raw.prepare(kInsert), make_values(kTableRows));
  sqlite3_stmt* select = raw.prepare(kSelect);
  for (auto _ : state) {
    raw.exec("BEGIN");
    for (int i = 0; i < kLookups; ++i) {
      sqlite3_bind_int64(select, 1, lookup_key(i));
      check(sqlite3_step(select) == SQLITE_ROW, "raw lookup found no row");
      // Copied out, as Ward's rows own their values.
      std::string v(reinterpret_cast<const char*>(sqlite3_column_text(select, 0)),
                    static_cast<std::size_t>(sqlite3_column_bytes(select, 0)));
      benchmark::DoNotOptimize(v);
      sqlite3_reset(select);
    }
    raw.exec("COMMIT");
  }
  state.SetItemsProcessed(state.iterations() * kLookups);
}

// ---- Ward's store ------------------------------------------------------------------------------

std::unique_ptr<Database> open_ward(const fs::path& file) {
  auto db = ward::store::open_sqlite(file);
  check(db.ok(), db.ok() ? "" : db.error().to_string());
  std::unique_ptr<Database> opened = std::move(db).value();
  auto tx = opened->begin();
  check(tx.ok() && (*tx)->execute(kCreate).ok() && (*tx)->commit().ok(), "creating the table");
  return opened;
}

void insert_all_ward(Database& db, const std::vector<std::string>& values) {
  auto tx = db.begin();
  check(tx.ok(), "begin");
  for (std::size_t k = 0; k < values.size(); ++k) {
    check((*tx)->execute(kInsert, {static_cast<std::int64_t>(k), values[k]}).ok(), "insert");
  }
  check((*tx)->commit().ok(), "commit");
}

void insert_ward(benchmark::State& state) {
  ScratchDir dir;
  auto db = open_ward(dir / "ward.db");
  auto values = make_values(kInsertRows);
  for (auto _ : state) {
    insert_all_ward(*db, values);
    state.PauseTiming();
    auto tx = db->begin();
    check(tx.ok() && (*tx)->execute("DELETE FROM kv").ok() && (*tx)->commit().ok(), "delete");
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kInsertRows);
}

void point_select_ward(benchmark::State& state) {
  ScratchDir dir;
  auto db = open_ward(dir / "ward.db");
  insert_all_ward(*db, make_values(kTableRows));
  for (auto _ : state) {
    auto tx = db->begin({.access = Access::kReadOnly});
    check(tx.ok(), "begin");
    for (int i = 0; i < kLookups; ++i) {
      auto row = (*tx)->query_one(kSelect, {lookup_key(i)});
      check(row.ok() && row->has_value(), "ward lookup found no row");
      auto v = (*row)->get_text(0);
      benchmark::DoNotOptimize(v);
    }
    check((*tx)->commit().ok(), "commit");
  }
  state.SetItemsProcessed(state.iterations() * kLookups);
}

// ---- ratio report ------------------------------------------------------------------------------

// The console output, plus each benchmark's mean real time per iteration for the summary: the
// "mean" aggregate when repetitions produce one, else the mean of the plain runs.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  using ConsoleReporter::ConsoleReporter;

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const std::string& name = run.run_name.function_name;
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name == "mean") {
        means_[name] = run.GetAdjustedRealTime();
      } else if (run.run_type == Run::RT_Iteration) {
        auto& [sum, count] = iterations_[name];
        sum += run.GetAdjustedRealTime();
        ++count;
      }
    }
  }

  void print_ratios() const {
    std::printf("\nward/raw real-time ratio (1.00 = as fast as raw SQLite, lower is better):\n");
    for (const char* workload : {"insert", "point_select"}) {
      double ward = mean(std::string(workload) + "/ward");
      double raw = mean(std::string(workload) + "/raw");
      if (ward > 0 && raw > 0) std::printf("  %-14s %.2f\n", workload, ward / raw);
    }
  }

 private:
  double mean(const std::string& name) const {
    if (auto it = means_.find(name); it != means_.end()) return it->second;
    auto it = iterations_.find(name);
    return it == iterations_.end() ? 0 : it->second.first / it->second.second;
  }

  std::map<std::string, double> means_;
  std::map<std::string, std::pair<double, int>> iterations_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("insert/raw", insert_raw)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("insert/ward", insert_ward)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("point_select/raw", point_select_raw)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("point_select/ward", point_select_ward)
      ->Unit(benchmark::kMicrosecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter(isatty(STDOUT_FILENO) ? benchmark::ConsoleReporter::OO_ColorTabular
                                               : benchmark::ConsoleReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios();
  benchmark::Shutdown();
  return 0;
}
