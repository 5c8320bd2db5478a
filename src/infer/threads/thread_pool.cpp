#include "infer/threads/thread_pool.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace ward::infer::threads {
namespace {

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// Reads one integer from a sysfs file; nullopt-like -1 when unreadable.
long read_sysfs_number(const std::filesystem::path& path) {
  std::ifstream in(path);
  long value = -1;
  if (!(in >> value)) return -1;
  return value;
}

int hardware_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

}  // namespace

int physical_cores() {
  std::error_code ec;
  std::set<std::pair<long, long>> cores;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/devices/system/cpu", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= 3 || name.compare(0, 3, "cpu") != 0 ||
        name.find_first_not_of("0123456789", 3) != std::string::npos) {
      continue;
    }
    const long package = read_sysfs_number(entry.path() / "topology" / "physical_package_id");
    const long core = read_sysfs_number(entry.path() / "topology" / "core_id");
    if (package < 0 || core < 0) return hardware_threads();
    cores.emplace(package, core);
  }
  if (ec || cores.empty()) return hardware_threads();
  // A cgroup or affinity mask may allow fewer CPUs than the machine has.
  return std::min(static_cast<int>(cores.size()), hardware_threads());
}

ThreadPool::ThreadPool(int threads) : threads_(std::max(1, threads)) {
  workers_.reserve(static_cast<size_t>(threads_ - 1));
  for (int participant = 1; participant < threads_; ++participant) {
    workers_.emplace_back([this, participant] { worker_loop(participant); });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::run(int64_t tasks, const std::function<void(int64_t)>& task) {
  if (tasks <= 0) return;
  if (threads_ == 1 || tasks == 1) {
    for (int64_t i = 0; i < tasks; ++i) task(i);
    return;
  }
  job_ = &task;
  job_tasks_ = tasks;
  unfinished_.store(threads_, std::memory_order_relaxed);
  {
    // Under the mutex, so that a worker about to sleep either sees the new generation or is
    // already waiting when notify_all() runs.
    std::lock_guard lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
    if (sleepers_ > 0) wake_.notify_all();
  }
  run_share(0);
  // The workers finish at about the same time as the caller; spin, yielding now and then in
  // case a worker was descheduled on a busy machine.
  for (int spins = 0; unfinished_.load(std::memory_order_acquire) != 0; ++spins) {
    if (spins < 4096) {
      cpu_relax();
    } else {
      std::this_thread::yield();
    }
  }
  job_ = nullptr;
}

void ThreadPool::for_rows(int64_t rows, int64_t granule,
                          const std::function<void(int64_t, int64_t)>& body) {
  if (rows <= 0) return;
  granule = std::max<int64_t>(1, granule);
  const int64_t granules = (rows + granule - 1) / granule;
  const int64_t parts = std::min<int64_t>(threads_, granules);
  run(parts, [&](int64_t part) {
    const int64_t begin = std::min(rows, granules * part / parts * granule);
    const int64_t end = part + 1 == parts ? rows : std::min(rows, granules * (part + 1) / parts * granule);
    if (begin < end) body(begin, end);
  });
}

void ThreadPool::run_share(int participant) {
  const auto& task = *job_;
  for (int64_t i = participant; i < job_tasks_; i += threads_) task(i);
  unfinished_.fetch_sub(1, std::memory_order_acq_rel);
}

// Waits until the generation moves past `seen` (true) or the pool stops (false).
bool ThreadPool::wait_for_job(uint64_t seen) {
  const auto spin_until = std::chrono::steady_clock::now() + kSpinTime;
  for (int spins = 0;; ++spins) {
    if (generation_.load(std::memory_order_acquire) != seen) return true;
    if (stopping_.load(std::memory_order_acquire)) return false;
    cpu_relax();
    if ((spins & 255) == 255 && std::chrono::steady_clock::now() >= spin_until) break;
  }
  std::unique_lock lock(mutex_);
  ++sleepers_;
  wake_.wait(lock, [&] {
    return generation_.load(std::memory_order_acquire) != seen ||
           stopping_.load(std::memory_order_acquire);
  });
  --sleepers_;
  return generation_.load(std::memory_order_acquire) != seen;
}

void ThreadPool::worker_loop(int participant) {
  uint64_t seen = 0;
  while (wait_for_job(seen)) {
    seen = generation_.load(std::memory_order_acquire);
    run_share(participant);
  }
}

}  // namespace ward::infer::threads
