#pragma once
// std::unique_ptr owners for objects of C libraries (OpenSSL, libcurl) that are released with
// their own free function: `core::Owned<EVP_PKEY, EVP_PKEY_free>`. Each owner is as thread-safe
// as the object it owns.

#include <memory>

namespace ward::core {

template <auto Free>
struct FreeWith {
  template <typename T>
  void operator()(T* object) const {
    Free(object);
  }
};

template <typename T, auto Free>
using Owned = std::unique_ptr<T, FreeWith<Free>>;

}  // namespace ward::core
