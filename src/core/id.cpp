#include "core/id.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "core/text.h"

namespace ward::core {

void fill_random(std::uint8_t* out, std::size_t size) {
  while (size > 0) {
    ssize_t got = getrandom(out, size, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      std::fputs("ward: the kernel random number generator failed; cannot continue\n", stderr);
      std::abort();
    }
    out += got;
    size -= static_cast<std::size_t>(got);
  }
}

std::string Uuid::to_string() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (std::size_t i = 0; i < bytes_.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
    text.push_back(kHex[bytes_[i] >> 4]);
    text.push_back(kHex[bytes_[i] & 0x0f]);
  }
  return text;
}

Result<Uuid> Uuid::parse(std::string_view text) {
  auto invalid = [&] {
    return Error(Code::kInvalidArgument, std::string(text),
                 "not a UUID; expected 36 characters like 01932c07-a7d8-7f3e-8b1c-3a2f9d4e5b6c");
  };
  if (text.size() != 36) return invalid();
  std::array<std::uint8_t, 16> bytes{};
  std::size_t out = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return invalid();
      ++i;
      continue;
    }
    int high = hex_digit_value(text[i]), low = hex_digit_value(text[i + 1]);
    if (high < 0 || low < 0) return invalid();
    bytes[out++] = static_cast<std::uint8_t>(high << 4 | low);
    i += 2;
  }
  return Uuid(bytes);
}

Uuid IdGenerator::next() {
  std::array<std::uint8_t, 16> bytes{};
  fill_random(bytes.data(), bytes.size());
  std::int64_t millis = unix_millis(clock_.now());
  std::uint16_t counter = 0;
  {
    std::lock_guard lock(mutex_);
    if (millis <= last_millis_) {
      millis = last_millis_;
      if (++counter_ > 0x0fff) {  // counter exhausted: borrow the next millisecond
        ++millis;
        counter_ = 0;
      }
    } else {
      // Start each millisecond at a random point in the lower half so the counter rarely overflows.
      counter_ = static_cast<std::uint16_t>((bytes[6] << 8 | bytes[7]) & 0x07ff);
    }
    last_millis_ = millis;
    counter = counter_;
  }
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<std::uint8_t>(millis >> (40 - 8 * i));
  bytes[6] = static_cast<std::uint8_t>(0x70 | (counter >> 8));
  bytes[7] = static_cast<std::uint8_t>(counter & 0xff);
  bytes[8] = static_cast<std::uint8_t>(0x80 | (bytes[8] & 0x3f));
  return Uuid(bytes);
}

Uuid new_id() {
  static IdGenerator generator;
  return generator.next();
}

}  // namespace ward::core
