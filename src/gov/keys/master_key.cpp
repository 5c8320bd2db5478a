#include "gov/keys/master_key.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "core/file.h"
#include "core/id.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "gov/keys/wire.h"

namespace ward::gov {

namespace keys_detail {

crypto::SecretBytes to_secret(crypto::Bytes&& plain) {
  crypto::SecretBytes secret(std::span<const std::uint8_t>(plain.data(), plain.size()));
  cleanse(plain.data(), plain.size());
  plain.clear();
  return secret;
}

void cleanse(void* data, std::size_t size) {
  if (data != nullptr && size > 0) OPENSSL_cleanse(data, size);
}

core::Status ensure_key_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  const bool existed = std::filesystem::exists(dir, ec);
  if (auto status = core::ensure_writable_directory(dir, 0700); !status) return status;
  if (!existed && ::chmod(dir.c_str(), 0700) != 0) {
    // create_directories honours the umask; the new directory must be exactly 0700.
    return core::Error(core::Code::kFailedPrecondition, dir.string(),
                       "setting the mode of the key directory failed: " + core::errno_text(errno));
  }
  return {};
}

}  // namespace keys_detail

namespace {

namespace fs = std::filesystem;
using core::Code;
using core::Error;
using keys_detail::cleanse;
using keys_detail::ensure_key_directory;

constexpr std::size_t kMaxKeyFileSize = 4096;
constexpr std::string_view kMasterCheckInfo = "ward/keys/master-check/v1";

bool is_space(std::uint8_t c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

int hex_value(std::uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int base64_value(std::uint8_t c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// 64 hex digits into 32 bytes; false on anything else.
bool decode_hex(std::span<const std::uint8_t> text, crypto::SecretBytes& out) {
  if (text.size() != 2 * kKeySize) return false;
  crypto::SecretBytes key(kKeySize);
  for (std::size_t i = 0; i < kKeySize; ++i) {
    int high = hex_value(text[2 * i]), low = hex_value(text[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    key.writable()[i] = static_cast<std::uint8_t>((high << 4) | low);
  }
  out = std::move(key);
  return true;
}

// Base64 (standard alphabet, padding optional) of exactly 32 bytes: 43 digits, then "=" or
// nothing; the unused low bits of the last digit must be zero (one canonical encoding).
bool decode_base64(std::span<const std::uint8_t> text, crypto::SecretBytes& out) {
  if (text.size() == 44 && text[43] == '=') text = text.first(43);
  if (text.size() != 43) return false;
  crypto::SecretBytes key(kKeySize);
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t written = 0;
  for (std::uint8_t c : text) {
    int value = base64_value(c);
    if (value < 0) return false;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      key.writable()[written++] = static_cast<std::uint8_t>(buffer >> bits);
      buffer &= (1u << bits) - 1;
    }
  }
  if (written != kKeySize || bits != 2) return false;
  // 43 digits carry 258 bits: the last 2 must be zero.
  if ((base64_value(text[42]) & 0x3) != 0) return false;
  out = std::move(key);
  return true;
}

bool all_zero(std::span<const std::uint8_t> bytes) {
  std::uint8_t acc = 0;
  for (auto b : bytes) acc |= b;
  return acc == 0;
}

Error io_error(const fs::path& path, std::string_view doing, int error_number) {
  return Error(error_number == ENOENT ? Code::kNotFound : Code::kFailedPrecondition, path.string(),
               fmt::format("{} failed: {}", doing, core::errno_text(error_number)));
}

// Creates `path` holding `contents` without ever replacing an existing file: the bytes go to a
// private temporary file first, which is then hard-linked into place (link fails if `path`
// exists). Returns kAlreadyExists when another process created it first.
core::Status create_exclusive(const fs::path& path, std::string_view contents) {
  const fs::path dir = path.parent_path();
  const fs::path temp =
      dir / ("." + path.filename().string() + ".new-" + core::new_id().to_string());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return io_error(path, "creating a temporary file beside it", errno);
  core::Status status;
  if (::fchmod(fd, 0600) != 0) status = io_error(path, "setting the mode of", errno);
  for (std::string_view rest = contents; status.ok() && !rest.empty();) {
    ssize_t written = ::write(fd, rest.data(), rest.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      status = io_error(path, "writing", errno);
      break;
    }
    rest.remove_prefix(static_cast<std::size_t>(written));
  }
  if (status.ok() && ::fsync(fd) != 0) status = io_error(path, "syncing", errno);
  if (::close(fd) != 0 && status.ok()) status = io_error(path, "closing", errno);
  if (status.ok() && ::link(temp.c_str(), path.c_str()) != 0) {
    status = errno == EEXIST ? Error(Code::kAlreadyExists, path.string(), "exists already")
                             : io_error(path, "linking the new file into place", errno);
  }
  ::unlink(temp.c_str());
  if (!status.ok()) return status;
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    int rc = ::fsync(dir_fd);
    int saved = errno;
    ::close(dir_fd);
    if (rc != 0) return io_error(dir, "syncing the directory", saved);
  }
  return {};
}

core::Result<MasterKey> create_master_key_file(const fs::path& path) {
  if (auto status = ensure_key_directory(path.parent_path()); !status) return status.error();
  auto secret = crypto::random_secret(kKeySize);
  if (!secret) return secret.error();
  std::string text = crypto::to_hex(secret->view()) + "\n";
  core::Status created = create_exclusive(path, text);
  cleanse(text.data(), text.size());
  if (!created) {
    if (created.error().code() == Code::kAlreadyExists) {
      // Another process created it a moment ago: use theirs.
      auto existing = read_key_file(path);
      if (!existing) return existing.error();
      return MasterKey::from_bytes(std::move(*existing));
    }
    return created.error().with_context("creating the master key file: ");
  }
  return MasterKey::from_bytes(std::move(*secret));
}

}  // namespace

core::Result<MasterKey> MasterKey::from_bytes(crypto::SecretBytes secret) {
  if (secret.size() != kKeySize) {
    return Error(Code::kInvalidArgument, "",
                 fmt::format("the master secret must be exactly {} bytes", kKeySize));
  }
  if (all_zero(secret.view())) {
    return Error(Code::kInvalidArgument, "", "the master secret must not be all zero bytes");
  }
  return MasterKey(std::move(secret));
}

core::Result<crypto::SecretBytes> MasterKey::derive(std::string_view info,
                                                    std::span<const std::uint8_t> salt,
                                                    std::size_t size) const {
  return crypto::hkdf_sha256(secret_.view(), salt, crypto::byte_view(info), size);
}

core::Result<crypto::Bytes> MasterKey::check_value() const {
  auto derived = derive(kMasterCheckInfo, {}, 16);
  if (!derived) return derived.error();
  return crypto::Bytes(derived->view().begin(), derived->view().end());
}

core::Result<crypto::SecretBytes> parse_key_material(std::span<const std::uint8_t> data,
                                                     std::string_view where) {
  crypto::SecretBytes key;
  if (data.size() == kKeySize) {
    key = crypto::SecretBytes(data);
  } else {
    auto first = std::find_if_not(data.begin(), data.end(), is_space);
    auto last = std::find_if_not(data.rbegin(), data.rend(), is_space).base();
    std::span<const std::uint8_t> text =
        first < last ? data.subspan(static_cast<std::size_t>(first - data.begin()),
                                    static_cast<std::size_t>(last - first))
                     : std::span<const std::uint8_t>();
    if (!decode_hex(text, key) && !decode_base64(text, key)) {
      return Error(Code::kInvalidArgument, std::string(where),
                   "not a 256-bit key: expected exactly 32 raw bytes, 64 hex digits or the base64 "
                   "encoding of 32 bytes (generate one with `openssl rand -hex 32`)");
    }
  }
  if (all_zero(key.view())) {
    return Error(Code::kInvalidArgument, std::string(where),
                 "the key is all zero bytes; generate a random one with `openssl rand -hex 32`");
  }
  return key;
}

core::Result<crypto::SecretBytes> read_key_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno == ENOENT) {
      return Error(Code::kNotFound, path.string(), "the key file does not exist; check the path");
    }
    return io_error(path, "opening the key file", errno);
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    int saved = errno;
    ::close(fd);
    return io_error(path, "reading the mode of the key file", saved);
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    return Error(Code::kInvalidArgument, path.string(), "a key file must be a regular file");
  }
  if ((info.st_mode & 077) != 0) {
    ::close(fd);
    return Error(Code::kInvalidArgument, path.string(),
                 fmt::format("the key file is accessible to other users (mode {:04o}); run "
                             "`chmod 600 {}` and keep it readable only by its owner",
                             info.st_mode & 07777, path.string()));
  }
  if (info.st_size > static_cast<off_t>(kMaxKeyFileSize)) {
    ::close(fd);
    return Error(Code::kInvalidArgument, path.string(),
                 "too large for a key file: it should hold one 256-bit key");
  }
  std::array<std::uint8_t, kMaxKeyFileSize + 1> buffer{};
  std::size_t size = 0;
  while (size < buffer.size()) {
    ssize_t got = ::read(fd, buffer.data() + size, buffer.size() - size);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      int saved = errno;
      ::close(fd);
      cleanse(buffer.data(), buffer.size());
      return io_error(path, "reading the key file", saved);
    }
    if (got == 0) break;
    size += static_cast<std::size_t>(got);
  }
  ::close(fd);
  auto key =
      size > kMaxKeyFileSize
          ? core::Result<crypto::SecretBytes>(
                Error(Code::kInvalidArgument, path.string(),
                      "too large for a key file: it should hold one 256-bit key"))
          : parse_key_material(std::span<const std::uint8_t>(buffer.data(), size), path.string());
  cleanse(buffer.data(), buffer.size());
  return key;
}

core::Result<MasterKey> load_master_key(const MasterKeySource& source) {
  if (source.environment) {
    if (source.file_configured) {
      return Error(Code::kInvalidArgument, std::string(kMasterKeyVariable),
                   "both WARD_MASTER_KEY and keys.master_key_file are set; keep only one source "
                   "of the master secret");
    }
    auto key = parse_key_material(crypto::byte_view(*source.environment), kMasterKeyVariable);
    if (!key) return key.error();
    return MasterKey::from_bytes(std::move(*key));
  }
  auto key = read_key_file(source.file);
  if (key) return MasterKey::from_bytes(std::move(*key));
  if (key.error().code() != Code::kNotFound) {
    return key.error().with_context("reading the master key: ");
  }
  if (!source.create_if_missing) {
    return Error(Code::kNotFound, source.file.string(),
                 "the master key file is missing although this data directory already holds "
                 "keys; restore the file from where you keep it, or set WARD_MASTER_KEY (without "
                 "the original master secret the keyring cannot be opened)");
  }
  return create_master_key_file(source.file);
}

KeyPaths key_paths(const core::Config& config) {
  KeyPaths paths;
  paths.directory = config.data_dir / "keys";
  paths.master_key_file = config.keys.master_key_file.empty() ? paths.directory / "master.key"
                                                              : config.keys.master_key_file;
  paths.keyring_file = paths.directory / "keyring";
  return paths;
}

}  // namespace ward::gov
