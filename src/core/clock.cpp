#include "core/clock.h"

#include <fmt/format.h>

namespace ward::core {

const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

std::int64_t unix_millis(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

std::string format_rfc3339(TimePoint time) {
  using namespace std::chrono;
  const auto millis = floor<milliseconds>(time);
  const auto day = floor<days>(millis);
  const year_month_day date(day);
  const hh_mm_ss clock_time(millis - day);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock_time.hours().count(), clock_time.minutes().count(),
                     clock_time.seconds().count(), clock_time.subseconds().count());
}

}  // namespace ward::core
