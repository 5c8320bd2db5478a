#pragma once
// SecretBytes: the owner of key material (keys, seeds, derived secrets) in memory; and Bytes, for
// byte strings that are not secret (ciphertexts, digests, public keys).
//
// A SecretBytes overwrites its buffer (OPENSSL_cleanse, which the compiler cannot optimise away)
// before releasing it, so a key does not linger in freed heap memory. It cannot be copied by
// accident: copies are explicit (clone()), and moving hands over the one buffer, leaving the
// moved-from object empty rather than holding a second copy. The buffer never grows, because a
// reallocation would leave an uncleansed copy behind.
//
// Thread-safety: like std::vector — concurrent reads of one object are safe; a write needs
// exclusive access.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace ward::crypto {

using Bytes = std::vector<std::uint8_t>;

// The bytes of a string, for the functions here that take bytes (hash, sign, seal).
inline std::span<const std::uint8_t> byte_view(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

class SecretBytes {
 public:
  SecretBytes() = default;
  // `size` zero bytes, to be filled in place through writable().
  explicit SecretBytes(std::size_t size);
  // A copy of `bytes`; the caller remains responsible for cleansing the original.
  explicit SecretBytes(std::span<const std::uint8_t> bytes);
  ~SecretBytes();

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  SecretBytes clone() const { return SecretBytes(view()); }

  std::span<const std::uint8_t> view() const { return {data_.get(), size_}; }
  std::span<std::uint8_t> writable() { return {data_.get(), size_}; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Cleanses and releases the buffer now, leaving this object empty.
  void wipe() noexcept;

 private:
  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t size_ = 0;
};

}  // namespace ward::crypto
