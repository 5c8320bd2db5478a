#pragma once
// Internal to gov/keys: the byte-level helpers that the keyring file and the ciphertext format
// share (big-endian integers, length-prefixed fields, a bounds-checked reader) and the one way a
// decrypted secret leaves a plain byte vector. Not part of the module's interface.
//
// Thread-safety: plain values and pure functions.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"
#include "crypto/secret.h"

namespace ward::gov::keys_detail {

inline void put_u8(crypto::Bytes& out, std::uint8_t value) {
  out.push_back(value);
}

inline void put_u16(crypto::Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

inline void put_u32(crypto::Bytes& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(value >> shift));
}

inline void put_bytes(crypto::Bytes& out, std::span<const std::uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// A field with a 32-bit length in front, so that two different tuples never encode alike.
inline void put_field(crypto::Bytes& out, std::string_view text) {
  put_u32(out, static_cast<std::uint32_t>(text.size()));
  put_bytes(out, crypto::byte_view(text));
}

// Reads fields front to back; every read checks the bounds and fails (nullopt) past the end.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> data) : data_(data) {}

  std::size_t remaining() const { return data_.size() - offset_; }
  std::size_t offset() const { return offset_; }

  std::optional<std::uint8_t> u8() {
    if (remaining() < 1) return std::nullopt;
    return data_[offset_++];
  }
  std::optional<std::uint16_t> u16() {
    if (remaining() < 2) return std::nullopt;
    auto value = static_cast<std::uint16_t>((data_[offset_] << 8) | data_[offset_ + 1]);
    offset_ += 2;
    return value;
  }
  std::optional<std::uint32_t> u32() {
    if (remaining() < 4) return std::nullopt;
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value = (value << 8) | data_[offset_ + static_cast<std::size_t>(i)];
    offset_ += 4;
    return value;
  }
  std::optional<std::span<const std::uint8_t>> bytes(std::size_t size) {
    if (remaining() < size) return std::nullopt;
    auto view = data_.subspan(offset_, size);
    offset_ += size;
    return view;
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t offset_ = 0;
};

// Moves a decrypted secret out of a plain vector into SecretBytes and cleanses the vector.
crypto::SecretBytes to_secret(crypto::Bytes&& plain);

// Cleanses a buffer that held key material (a hex string, a decoded key).
void cleanse(void* data, std::size_t size);

// Creates the directory that holds key files (mode 0700 when created here) or checks that an
// existing one is a writable directory.
core::Status ensure_key_directory(const std::filesystem::path& dir);

}  // namespace ward::gov::keys_detail
