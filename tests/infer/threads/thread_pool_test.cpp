#include "infer/threads/thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace ward::infer::threads {
namespace {

TEST(InferThreadsPool, EveryTaskRunsExactlyOnce) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    for (int64_t tasks : {0, 1, 2, 3, 7, 64, 1000}) {
      std::vector<std::atomic<int>> runs(static_cast<size_t>(tasks));
      pool.run(tasks, [&](int64_t i) { runs[static_cast<size_t>(i)].fetch_add(1); });
      for (int64_t i = 0; i < tasks; ++i) {
        EXPECT_EQ(runs[static_cast<size_t>(i)].load(), 1) << threads << " threads, task " << i;
      }
    }
  }
}

TEST(InferThreadsPool, WorkIsSpreadOverThreads) {
  ThreadPool pool(3);
  std::mutex mutex;
  std::set<std::thread::id> seen;
  std::atomic<int> arrived{0};
  // Each task waits until all three have started, so three distinct threads must run them.
  pool.run(3, [&](int64_t) {
    {
      std::lock_guard lock(mutex);
      seen.insert(std::this_thread::get_id());
    }
    arrived.fetch_add(1);
    while (arrived.load() < 3) std::this_thread::yield();
  });
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_TRUE(seen.count(std::this_thread::get_id())) << "the caller takes part";
}

TEST(InferThreadsPool, ManySmallCallsInARow) {
  ThreadPool pool(2);
  int64_t total = 0;
  std::vector<int64_t> partial(2);
  for (int call = 0; call < 20000; ++call) {
    partial.assign(2, 0);
    pool.run(2, [&](int64_t i) { partial[static_cast<size_t>(i)] += i + 1; });
    total += partial[0] + partial[1];
  }
  EXPECT_EQ(total, 20000 * 3);
}

TEST(InferThreadsPool, WakesAfterSleeping) {
  ThreadPool pool(2);
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(ThreadPool::kSpinTime * 10);  // the worker is asleep by now
    std::atomic<int> runs{0};
    pool.run(8, [&](int64_t) { runs.fetch_add(1); });
    EXPECT_EQ(runs.load(), 8);
  }
}

TEST(InferThreadsPool, ForRowsCoversTheRangeInAlignedPieces) {
  for (int threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    for (int64_t rows : {1, 7, 8, 9, 100, 896, 4864}) {
      for (int64_t granule : {1, 8, 32}) {
        std::vector<std::atomic<int>> covered(static_cast<size_t>(rows));
        std::atomic<int> pieces{0};
        pool.for_rows(rows, granule, [&](int64_t begin, int64_t end) {
          EXPECT_LT(begin, end);
          EXPECT_EQ(begin % granule, 0) << "piece starts on a granule";
          pieces.fetch_add(1);
          for (int64_t r = begin; r < end; ++r) covered[static_cast<size_t>(r)].fetch_add(1);
        });
        EXPECT_LE(pieces.load(), threads);
        for (int64_t r = 0; r < rows; ++r) {
          ASSERT_EQ(covered[static_cast<size_t>(r)].load(), 1) << rows << " rows, row " << r;
        }
      }
    }
  }
}

TEST(InferThreadsPool, SizeIsAtLeastOne) {
  EXPECT_EQ(ThreadPool(0).size(), 1);
  EXPECT_EQ(ThreadPool(-3).size(), 1);
  EXPECT_EQ(ThreadPool(4).size(), 4);
}

TEST(InferThreadsPool, PhysicalCoresIsPlausible) {
  const int cores = physical_cores();
  EXPECT_GE(cores, 1);
  EXPECT_LE(cores, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

}  // namespace
}  // namespace ward::infer::threads
