#pragma once
// Helpers for the store tests: opening a scratch database and asserting on Status/Result.
// Single-threaded use within one test, except where a test says otherwise.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "store/sqlite_store.h"
#include "store/store.h"

// Fails the test (from a void function) when a Status or Result is an error, printing it.
#define WARD_ASSERT_OK(expr)                                                  \
  do {                                                                        \
    const auto& ward_assert_ok_ = (expr);                                     \
    ASSERT_TRUE(ward_assert_ok_.ok()) << ward_assert_ok_.error().to_string(); \
  } while (0)

namespace ward::store::testing {

inline std::unique_ptr<Database> open_or_fail(
    const std::filesystem::path& file,
    std::chrono::milliseconds busy_timeout = std::chrono::milliseconds(5000)) {
  auto db = open_sqlite(file, SqliteOptions{busy_timeout});
  EXPECT_TRUE(db.ok()) << db.error().to_string();
  return db.ok() ? std::move(*db) : nullptr;
}

}  // namespace ward::store::testing
