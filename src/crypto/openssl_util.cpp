#include "crypto/openssl_util.h"

#include <openssl/err.h>

#include <cstdio>
#include <cstdlib>

namespace ward::crypto::detail {
namespace {

// The earliest queued error is the root cause; later ones are usually callers reporting it.
std::string drain_openssl_reason() {
  const unsigned long first = ERR_get_error();
  ERR_clear_error();
  if (first == 0) return {};
  char text[256];
  ERR_error_string_n(first, text, sizeof(text));
  return text;
}

}  // namespace

core::Error openssl_error(core::Code code, std::string where, std::string message) {
  const std::string reason = drain_openssl_reason();
  if (!reason.empty()) message += " (" + reason + ")";
  return core::Error(code, std::move(where), std::move(message));
}

void clear_openssl_errors() {
  ERR_clear_error();
}

void fail_fast(const char* operation) {
  const std::string reason = drain_openssl_reason();
  std::fprintf(stderr,
               "ward: fatal: OpenSSL could not %s (%s); the OpenSSL installation or its "
               "configuration (OPENSSL_CONF) is broken\n",
               operation, reason.c_str());
  std::abort();
}

}  // namespace ward::crypto::detail
