#include "gov/audit/signing_key.h"

#include <algorithm>

#include "core/file.h"
#include "crypto/hash.h"

namespace ward::gov {
namespace {

namespace fs = std::filesystem;
using core::Code;
using core::Error;

std::string_view trim(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

fs::path audit_public_key_file(const fs::path& data_dir) {
  return data_dir / "keys" / "audit-signing.pub";
}

core::Status publish_audit_public_key(const fs::path& data_dir,
                                      const crypto::Ed25519PublicKey& key) {
  const fs::path file = audit_public_key_file(data_dir);
  const std::string text = crypto::to_hex(key) + "\n";
  auto existing = core::read_file(file);
  if (existing && *existing == text) return {};
  if (auto s = core::ensure_writable_directory(file.parent_path(), 0700); !s) return s;
  return core::write_file_atomic(file, text, 0644);
}

core::Result<crypto::Ed25519PublicKey> read_audit_public_key(const fs::path& file) {
  auto text = core::read_file(file);
  if (!text) return std::move(text).error();
  auto bytes = crypto::from_hex(trim(*text));
  crypto::Ed25519PublicKey key{};
  if (!bytes || bytes->size() != key.size()) {
    return Error(Code::kInvalidArgument, file.string(),
                 "an audit public key file holds 64 hex digits (the Ed25519 public key)");
  }
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

}  // namespace ward::gov
