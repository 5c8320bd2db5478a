#pragma once
// Test helpers that assemble GGUF bytes by hand (for files the Writer refuses to produce) and
// patch bytes of serialized files. Single-threaded test use.

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "infer/gguf/gguf.h"

namespace ward::infer::gguf::testing {

// Little-endian GGUF fields appended one after another.
class Bytes {
 public:
  Bytes& raw(std::string_view bytes) {
    out_.append(bytes);
    return *this;
  }
  Bytes& u8(uint8_t v) { return put(v); }
  Bytes& u32(uint32_t v) { return put(v); }
  Bytes& i32(int32_t v) { return put(v); }
  Bytes& u64(uint64_t v) { return put(v); }
  Bytes& f32(float v) { return put(v); }
  Bytes& str(std::string_view text) {
    u64(text.size());
    return raw(text);
  }
  // "GGUF", version, tensor count, metadata count.
  Bytes& header(uint64_t tensors, uint64_t entries, uint32_t version = 3) {
    raw("GGUF");
    u32(version);
    u64(tensors);
    return u64(entries);
  }
  // Zero bytes up to the next multiple of `alignment`.
  Bytes& pad(size_t alignment = 32) {
    out_.append((alignment - out_.size() % alignment) % alignment, '\0');
    return *this;
  }
  const std::string& str() const { return out_; }
  size_t size() const { return out_.size(); }

 private:
  template <typename T>
  Bytes& put(T v) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &v, sizeof(T));
    out_.append(bytes, sizeof(T));
    return *this;
  }
  std::string out_;
};

inline std::vector<std::byte> to_bytes(std::string_view text) {
  std::vector<std::byte> bytes(text.size());
  if (!text.empty()) std::memcpy(bytes.data(), text.data(), text.size());
  return bytes;
}

inline core::Result<File> parse(std::string_view text, const std::string& name = "test.gguf") {
  return File::from_bytes(to_bytes(text), name);
}

// The offset of the only occurrence of `needle` in `haystack` (fails the test otherwise).
inline size_t find_unique(const std::string& haystack, std::string_view needle) {
  const size_t at = haystack.find(needle);
  EXPECT_NE(at, std::string::npos) << "marker not found: " << needle;
  EXPECT_EQ(haystack.find(needle, at + 1), std::string::npos) << "marker not unique: " << needle;
  return at;
}

template <typename T>
void poke(std::string& bytes, size_t at, T value) {
  ASSERT_LE(at + sizeof(T), bytes.size());
  std::memcpy(bytes.data() + at, &value, sizeof(T));
}

template <typename T>
T peek(const std::string& bytes, size_t at) {
  T value{};
  if (at + sizeof(T) <= bytes.size()) std::memcpy(&value, bytes.data() + at, sizeof(T));
  return value;
}

}  // namespace ward::infer::gguf::testing
