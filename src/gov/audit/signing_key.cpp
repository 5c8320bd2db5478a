#include "gov/audit/signing_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/file.h"
#include "crypto/hash.h"
#include "crypto/random.h"

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

void wipe(std::string& text) {
  volatile char* p = text.data();
  for (std::size_t i = 0; i < text.size(); ++i) p[i] = 0;
  text.clear();
}

core::Status fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error(Code::kFailedPrecondition, dir.string(), core::errno_text(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Error(Code::kFailedPrecondition, dir.string(), core::errno_text(err));
  return {};
}

core::Result<crypto::Ed25519KeyPair> read_private_key(const fs::path& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) {
    return Error(Code::kFailedPrecondition, file.string(),
                 "cannot read the audit signing key: " + core::errno_text(errno));
  }
  if ((info.st_mode & 077) != 0) {
    return Error(
        Code::kFailedPrecondition, file.string(),
        "the audit signing key is accessible to other users; run chmod 600 " + file.string());
  }
  auto text = core::read_file(file);
  if (!text) return std::move(text).error();
  auto seed = crypto::from_hex(trim(*text));
  wipe(*text);
  if (!seed || seed->size() != crypto::kEd25519SeedSize) {
    if (seed) std::fill(seed->begin(), seed->end(), 0);
    return Error(Code::kDataLoss, file.string(),
                 "the audit signing key is not 64 hex digits; restore it from a backup");
  }
  crypto::SecretBytes secret(*seed);
  std::fill(seed->begin(), seed->end(), 0);
  return crypto::Ed25519KeyPair::from_seed(secret);
}

core::Status write_public_key(const fs::path& file, const crypto::Ed25519PublicKey& key) {
  const std::string text = crypto::to_hex(key) + "\n";
  auto existing = core::read_file(file);
  if (existing && *existing == text) return {};
  return core::write_file_atomic(file, text, 0644);
}

}  // namespace

fs::path audit_private_key_file(const fs::path& data_dir) {
  return data_dir / "keys" / "audit-signing.key";
}

fs::path audit_public_key_file(const fs::path& data_dir) {
  return data_dir / "keys" / "audit-signing.pub";
}

core::Result<crypto::Ed25519KeyPair> load_or_create_audit_signing_key(const fs::path& data_dir) {
  const fs::path file = audit_private_key_file(data_dir);
  const fs::path dir = file.parent_path();
  if (auto s = core::ensure_writable_directory(dir, 0700); !s) return std::move(s).error();
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    auto created = crypto::Ed25519KeyPair::generate();
    if (!created) return std::move(created).error();
    auto seed = created->seed();
    if (!seed) return std::move(seed).error();
    std::string text = crypto::to_hex(seed->view()) + "\n";
    std::uint8_t suffix[8];
    if (auto s = crypto::random_bytes(suffix); !s) return std::move(s).error();
    const fs::path temporary = dir / ("audit-signing.key." + crypto::to_hex(suffix) + ".new");
    core::Status written = core::write_file_atomic(temporary, text, 0600);
    wipe(text);
    if (!written) return std::move(written).error();
    // link() never replaces: when another process created the key meanwhile, keep theirs.
    if (::link(temporary.c_str(), file.c_str()) != 0 && errno != EEXIST) {
      int err = errno;
      ::unlink(temporary.c_str());
      return Error(Code::kFailedPrecondition, file.string(),
                   "cannot create the audit signing key: " + core::errno_text(err));
    }
    ::unlink(temporary.c_str());
    if (auto s = fsync_dir(dir); !s) return std::move(s).error();
  }
  auto key = read_private_key(file);
  if (!key) return key;
  if (auto s = write_public_key(audit_public_key_file(data_dir), key->public_key()); !s) {
    return std::move(s).error();
  }
  return key;
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
