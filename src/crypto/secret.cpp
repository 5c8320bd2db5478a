#include "crypto/secret.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <utility>

namespace ward::crypto {

SecretBytes::SecretBytes(std::size_t size)
    : data_(size == 0 ? nullptr : new std::uint8_t[size]()), size_(size) {}

SecretBytes::SecretBytes(std::span<const std::uint8_t> bytes) : SecretBytes(bytes.size()) {
  std::copy(bytes.begin(), bytes.end(), data_.get());
}

SecretBytes::~SecretBytes() {
  wipe();
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::move(other.data_)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void SecretBytes::wipe() noexcept {
  if (data_ != nullptr) OPENSSL_cleanse(data_.get(), size_);
  data_.reset();
  size_ = 0;
}

}  // namespace ward::crypto
