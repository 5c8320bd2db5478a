#pragma once
// Identifiers: UUIDv7 (RFC 9562), time-ordered so that ids sort by creation time in an index.
//
// IdGenerator is thread-safe. Ids made by one generator are strictly increasing, even within one
// millisecond and when the clock steps back, because the 12-bit rand_a field is used as a
// counter (RFC 9562 §6.2, method 1) and the timestamp never goes below the last one issued.

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"

namespace ward::core {

class Uuid {
 public:
  Uuid() = default;
  explicit Uuid(std::array<std::uint8_t, 16> bytes) : bytes_(bytes) {}

  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
  int version() const { return bytes_[6] >> 4; }
  // Lower-case canonical form, e.g. "01932c07-a7d8-7f3e-8b1c-3a2f9d4e5b6c".
  std::string to_string() const;
  static Result<Uuid> parse(std::string_view text);

  auto operator<=>(const Uuid&) const = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

class IdGenerator {
 public:
  explicit IdGenerator(const Clock& clock = system_clock()) : clock_(clock) {}
  Uuid next();

 private:
  const Clock& clock_;
  std::mutex mutex_;
  // Guarded by mutex_: the last timestamp issued and the counter within it.
  std::int64_t last_millis_ = 0;
  std::uint16_t counter_ = 0;
};

// A new UUIDv7 from a process-wide generator on the system clock.
Uuid new_id();

// Fills `out` with bytes from the kernel's CSPRNG (getrandom). Aborts only if the kernel cannot
// supply randomness at all, which leaves no safe way to continue.
void fill_random(std::uint8_t* out, std::size_t size);

}  // namespace ward::core
