#pragma once
// A small persistent thread pool for the engine's data-parallel work: every matrix product of a
// forward pass is split into contiguous row ranges, one per thread, and attention into heads.
//
// The pool starts threads - 1 workers once; the thread that calls run() is the last participant,
// so a pool of 1 runs everything on the caller and starts no thread. A call publishes one job,
// wakes the workers and returns when every task of it has run exactly once. Between jobs the
// workers spin for a short while (kSpinTime) before sleeping on a condition variable: a token's
// forward pass issues a few hundred jobs back to back, and a futex wake-up per job (tens of
// microseconds) would dominate generation, while a pool left idle must not burn its cores.
//
// Threads: run() and for_rows() may be called by one thread at a time (the owner, typically one
// Session); jobs do not nest. The task function must not throw (Ward uses no exceptions); it runs
// on the workers and the caller at once, so it may only write disjoint data per task.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ward::infer::threads {

// The number of physical cores: distinct (physical_package_id, core_id) pairs under
// /sys/devices/system/cpu/cpu*/topology, or std::thread::hardware_concurrency() (at least 1)
// where that is unreadable.
int physical_cores();

class ThreadPool {
 public:
  // How long an idle worker spins before it sleeps.
  static constexpr std::chrono::microseconds kSpinTime{200};

  // `threads` participants in each job (the caller included); values below 1 mean 1.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return threads_; }

  // Runs task(i) for every i in [0, tasks), spread over the workers and the calling thread (task
  // i goes to participant i % size(), so equal tasks balance), and returns when all are done.
  void run(int64_t tasks, const std::function<void(int64_t task)>& task);

  // Splits [0, rows) into size() contiguous ranges, the boundaries rounded to multiples of
  // `granule` (the last range takes the rest), and calls body(begin, end) for each non-empty one
  // in parallel. Returns when all are done.
  void for_rows(int64_t rows, int64_t granule,
                const std::function<void(int64_t begin, int64_t end)>& body);

 private:
  void worker_loop(int participant);
  void run_share(int participant);
  bool wait_for_job(uint64_t seen);

  const int threads_;
  std::vector<std::thread> workers_;

  // The current job, written by the caller before it bumps generation_ (release) and read by the
  // workers after they see the new generation (acquire).
  const std::function<void(int64_t)>* job_ = nullptr;
  int64_t job_tasks_ = 0;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> unfinished_{0};  // participants still working on the current job
  std::atomic<bool> stopping_{false};

  // Sleeping workers wait on wake_; sleepers_ (guarded by mutex_) says whether run() must notify.
  std::mutex mutex_;
  std::condition_variable wake_;
  int sleepers_ = 0;
};

}  // namespace ward::infer::threads
