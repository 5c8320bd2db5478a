#pragma once
// SHA-256 for the scanner's content keys (cache entries, rule-set digests, fingerprints). Not a
// security boundary here, only a collision-free name for bytes; src/crypto is not a dependency
// the scanner may take (DESIGN.md), so this calls OpenSSL directly.

#include <string>
#include <string_view>

namespace ward::scan {

std::string sha256_hex(std::string_view data);  // 64 lower-case hex digits

}  // namespace ward::scan
