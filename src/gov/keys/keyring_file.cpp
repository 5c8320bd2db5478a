#include "gov/keys/keyring_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <thread>

#include "core/file.h"
#include "crypto/aead.h"
#include "crypto/compare.h"
#include "crypto/random.h"
#include "gov/keys/wire.h"

namespace ward::gov::keys_detail {
namespace {

namespace fs = std::filesystem;
using core::Code;
using core::Error;

// File layout (all integers big-endian):
//   magic "WARDKEYS" (8) | format 1 (1) | master check value (16) | salt (16) | sealed
// where sealed = nonce (12) || AES-256-GCM ciphertext || tag (16), under
// HKDF-SHA-256(master, salt, "ward/keys/keyring-file/v1"), with the 41 header bytes as
// associated data. The plaintext is
//   entry count (u32), then per entry: kind (u8) and
//     kind 1 (KEK):        tenant length (u16) | tenant | version (u32) | key (32)
//     kind 2 (audit seed): seed (32)
constexpr std::array<std::uint8_t, 8> kMagic = {'W', 'A', 'R', 'D', 'K', 'E', 'Y', 'S'};
constexpr std::uint8_t kFormat = 1;
constexpr std::size_t kCheckSize = 16;
constexpr std::size_t kSaltSize = std::tuple_size_v<FileStamp>;
constexpr std::size_t kHeaderSize = kMagic.size() + 1 + kCheckSize + kSaltSize;
constexpr std::string_view kSealInfo = "ward/keys/keyring-file/v1";
constexpr std::uint8_t kKindKek = 1;
constexpr std::uint8_t kKindAuditSeed = 2;

Error corrupt(const fs::path& path, std::string_view what) {
  return Error(Code::kDataLoss, path.string(),
               fmt::format("the keyring file {}; it is damaged or was altered: restore it from "
                           "your backup of the keys directory",
                           what));
}

core::Result<crypto::SecretBytes> sealing_key(const MasterKey& master,
                                              std::span<const std::uint8_t> salt) {
  return master.derive(kSealInfo, salt, crypto::kAeadKeySize);
}

// Parses the opened plaintext.
core::Result<KeyringContents> parse(std::span<const std::uint8_t> plain, const fs::path& path) {
  Reader in(plain);
  auto count = in.u32();
  if (!count) return corrupt(path, "is truncated");
  KeyringContents contents;
  for (std::uint32_t i = 0; i < *count; ++i) {
    auto kind = in.u8();
    if (kind == kKindKek) {
      auto tenant_size = in.u16();
      auto tenant = tenant_size ? in.bytes(*tenant_size) : std::nullopt;
      auto version = in.u32();
      auto key = in.bytes(kKeySize);
      if (!tenant || !version || !key) return corrupt(path, "has a truncated entry");
      contents.keks.emplace(KekId{std::string(tenant->begin(), tenant->end()), *version},
                            crypto::SecretBytes(*key));
    } else if (kind == kKindAuditSeed) {
      auto seed = in.bytes(kKeySize);
      if (!seed) return corrupt(path, "has a truncated entry");
      contents.audit_seed = crypto::SecretBytes(*seed);
    } else {
      return corrupt(path, "has an entry of an unknown kind");
    }
  }
  if (in.remaining() != 0) return corrupt(path, "has trailing bytes");
  return contents;
}

}  // namespace

std::optional<FileStamp> stamp_of(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::array<std::uint8_t, kHeaderSize> header{};
  std::size_t size = 0;
  while (size < header.size()) {
    ssize_t got = ::read(fd, header.data() + size, header.size() - size);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    size += static_cast<std::size_t>(got);
  }
  ::close(fd);
  if (size < header.size()) return std::nullopt;
  FileStamp stamp{};
  std::copy_n(header.begin() + kMagic.size() + 1 + kCheckSize, kSaltSize, stamp.begin());
  return stamp;
}

core::Result<KeyringContents> load_keyring(const fs::path& path, const MasterKey& master) {
  auto file = core::read_file(path);
  if (!file) return file.error();
  std::span<const std::uint8_t> data = crypto::byte_view(*file);
  if (data.size() < kHeaderSize + crypto::kAeadOverhead ||
      !std::equal(kMagic.begin(), kMagic.end(), data.begin())) {
    return corrupt(path, "is not a Ward keyring");
  }
  if (data[kMagic.size()] != kFormat) {
    return Error(Code::kFailedPrecondition, path.string(),
                 fmt::format("the keyring file has format {}, which this version of Ward does not "
                             "know; upgrade Ward",
                             data[kMagic.size()]));
  }
  auto expected = master.check_value();
  if (!expected) return expected.error();
  if (!crypto::constant_time_equal(*expected, data.subspan(kMagic.size() + 1, kCheckSize))) {
    return Error(Code::kFailedPrecondition, path.string(),
                 "the keyring was sealed with a different master secret; supply the original "
                 "one through WARD_MASTER_KEY or keys.master_key_file (a wrong master secret "
                 "can never open it, and Ward will not replace it)");
  }
  auto key = sealing_key(master, data.subspan(kMagic.size() + 1 + kCheckSize, kSaltSize));
  if (!key) return key.error();
  auto plain = crypto::open(*key, data.subspan(kHeaderSize), data.first(kHeaderSize));
  if (!plain) return corrupt(path, "does not authenticate");
  crypto::SecretBytes secret = to_secret(std::move(*plain));
  return parse(secret.view(), path);
}

core::Status save_keyring(const fs::path& path, const MasterKey& master,
                          const KeyringContents& contents) {
  crypto::Bytes file(kMagic.begin(), kMagic.end());
  put_u8(file, kFormat);
  auto check = master.check_value();
  if (!check) return check.error();
  put_bytes(file, *check);
  std::array<std::uint8_t, kSaltSize> salt{};
  if (auto status = crypto::random_bytes(salt); !status) return status;
  put_bytes(file, salt);
  auto key = sealing_key(master, salt);
  if (!key) return key.error();

  std::size_t size = 4;
  for (const auto& [id, kek] : contents.keks) size += 1 + 2 + id.first.size() + 4 + kek.size();
  if (contents.audit_seed) size += 1 + kKeySize;
  crypto::Bytes plain;
  plain.reserve(size);  // exact: no reallocation leaves an uncleansed copy behind
  put_u32(plain, static_cast<std::uint32_t>(contents.keks.size() + (contents.audit_seed ? 1 : 0)));
  for (const auto& [id, kek] : contents.keks) {
    put_u8(plain, kKindKek);
    put_u16(plain, static_cast<std::uint16_t>(id.first.size()));
    put_bytes(plain, crypto::byte_view(id.first));
    put_u32(plain, id.second);
    put_bytes(plain, kek.view());
  }
  if (contents.audit_seed) {
    put_u8(plain, kKindAuditSeed);
    put_bytes(plain, contents.audit_seed->view());
  }
  auto sealed = crypto::seal(*key, plain, file);
  cleanse(plain.data(), plain.size());
  if (!sealed) return sealed.error();
  put_bytes(file, *sealed);
  return core::write_file_atomic(
      path, std::string_view(reinterpret_cast<const char*>(file.data()), file.size()), 0600);
}

core::Result<FileLock> FileLock::acquire(const fs::path& path, bool exclusive,
                                         std::chrono::milliseconds timeout) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error(Code::kFailedPrecondition, path.string(),
                 "cannot open the keyring lock file: " + core::errno_text(errno) +
                     "; give the ward user write access to the keys directory");
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (::flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int saved = errno;
      ::close(fd);
      return Error(Code::kUnavailable, path.string(),
                   "cannot lock the keyring: " + core::errno_text(saved));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      return Error(Code::kUnavailable, path.string(),
                   "another Ward process has held the keyring lock for too long; try again");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  return FileLock(fd);
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the lock
}

}  // namespace ward::gov::keys_detail
