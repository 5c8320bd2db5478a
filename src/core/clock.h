#pragma once
// Time, behind an interface so tests can control it.
//
// Code that records or compares times (token expiry, retention deadlines, audit timestamps, ids)
// takes a Clock& instead of calling std::chrono directly. SystemClock is thread-safe;
// ManualClock is for tests and is thread-safe too.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace ward::core {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

// The real wall clock.
class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// The process-wide SystemClock.
const Clock& system_clock();

// A clock that only moves when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start.time_since_epoch().count()) {}
  TimePoint now() const override { return TimePoint(TimePoint::duration(now_.load())); }
  void advance(std::chrono::nanoseconds by) {
    now_ += std::chrono::duration_cast<TimePoint::duration>(by).count();
  }

 private:
  std::atomic<TimePoint::duration::rep> now_;
};

// RFC 3339 UTC with millisecond precision, e.g. "2026-11-26T13:48:28.123Z".
std::string format_rfc3339(TimePoint time);

// Milliseconds since the Unix epoch.
std::int64_t unix_millis(TimePoint time);

}  // namespace ward::core
