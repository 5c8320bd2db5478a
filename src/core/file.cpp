#include "core/file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/id.h"

namespace ward::core {
namespace fs = std::filesystem;

std::string errno_text(int error_number) {
  std::string text = std::strerror(error_number);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

namespace {

Error io_error(const fs::path& path, std::string_view doing, int error_number) {
  std::string sentence = std::string(doing) + " failed: " + errno_text(error_number);
  switch (error_number) {
    case ENOENT:
    case ENOTDIR:
      return Error(Code::kNotFound, path.string(),
                   sentence + "; create the missing directory or fix the path");
    case EACCES:
    case EPERM:
    case EROFS:
      return Error(Code::kFailedPrecondition, path.string(),
                   sentence + "; give the ward user write access to it or choose another location");
    default:
      return Error(Code::kUnavailable, path.string(), sentence + "; check the disk and try again");
  }
}

Status write_all(int fd, std::string_view contents, const fs::path& path) {
  while (!contents.empty()) {
    ssize_t written = ::write(fd, contents.data(), contents.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return io_error(path, "writing", errno);
    }
    contents.remove_prefix(static_cast<std::size_t>(written));
  }
  return {};
}

Status fsync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error(dir, "opening the directory", errno);
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (rc != 0) return io_error(dir, "syncing the directory", saved);
  return {};
}

// Whether `path` names something that is not a file to replace: a device, a FIFO or a socket.
bool is_special_file(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return false;
  return S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode) || S_ISFIFO(info.st_mode) ||
         S_ISSOCK(info.st_mode);
}

Status write_into(const fs::path& path, std::string_view contents) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return io_error(path, "opening", errno);
  Status status = write_all(fd, contents, path);
  if (::close(fd) != 0 && status.ok()) status = io_error(path, "closing", errno);
  return status;
}

}  // namespace

Status write_file_atomic(const fs::path& path, std::string_view contents, mode_t mode) {
  // `-o /dev/null`, `-o /dev/stdout` or a shell's process substitution: renaming a new file over
  // such a path would replace the device or the pipe (for root, even /dev/null itself), so what
  // is written goes into it as it is.
  if (is_special_file(path)) return write_into(path, contents);
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const fs::path temp = dir / ("." + path.filename().string() + ".tmp-" + new_id().to_string());
  // Created private, then set to exactly `mode` whatever the umask, before any byte is written.
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return io_error(path, "creating a temporary file beside it", errno);
  Status status = ::fchmod(fd, mode) == 0 ? write_all(fd, contents, path)
                                          : Status(io_error(path, "setting the mode of", errno));
  if (status.ok() && ::fsync(fd) != 0) status = io_error(path, "syncing", errno);
  if (::close(fd) != 0 && status.ok()) status = io_error(path, "closing", errno);
  if (status.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
    status = io_error(path, "renaming the new file into place", errno);
  }
  if (!status.ok()) {
    ::unlink(temp.c_str());
    return status;
  }
  return fsync_directory(dir);
}

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!fs::exists(path)) {
      return Error(Code::kNotFound, path.string(), "the file does not exist; check the path");
    }
    return io_error(path, "opening", errno ? errno : EACCES);
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return io_error(path, "reading", errno ? errno : EIO);
  return buffer.str();
}

Result<std::string> read_private_file(const fs::path& path, std::string_view what,
                                      std::size_t max_bytes) {
  const auto refuse = [&](std::string message) {
    return Error(Code::kInvalidArgument, path.string(), std::string(what) + " " + message);
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int saved = errno;
    if (saved == ENOENT) {
      return Error(Code::kNotFound, path.string(), std::string(what) + " does not exist");
    }
    return io_error(path, "opening", saved);
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return refuse("must be a regular file");
  }
  if ((info.st_mode & 077) != 0) {
    ::close(fd);
    return refuse(
        fmt::format("is accessible to other users (mode {:04o}); run `chmod 600 {}` so "
                    "that only its owner can read it",
                    info.st_mode & 07777, path.string()));
  }
  std::string buffer(max_bytes + 1, '\0');
  std::size_t size = 0;
  int read_error = 0;
  while (size < buffer.size()) {
    const ssize_t got = ::read(fd, buffer.data() + size, buffer.size() - size);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) read_error = errno;
    if (got <= 0) break;
    size += static_cast<std::size_t>(got);
  }
  ::close(fd);
  std::string secret;
  if (read_error == 0 && size <= max_bytes) {
    std::size_t begin = 0, end = size;
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (begin < end && space(buffer[begin])) ++begin;
    while (end > begin && space(buffer[end - 1])) --end;
    secret.assign(buffer.data() + begin, end - begin);
  }
  std::fill(buffer.begin(), buffer.end(), '\0');
  if (read_error != 0) return io_error(path, "reading", read_error);
  if (size > max_bytes) {
    const std::string limit = max_bytes % 1024 == 0 ? fmt::format("{} KiB", max_bytes / 1024)
                                                    : fmt::format("{} bytes", max_bytes);
    return refuse("is larger than " + limit + "; it should hold only the secret");
  }
  if (secret.empty()) return refuse("is empty");
  return secret;
}

Status ensure_writable_directory(const fs::path& dir, mode_t mode) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return io_error(dir, "creating the directory", ec.value());
    fs::permissions(dir, static_cast<fs::perms>(mode), ec);
  }
  if (!fs::is_directory(dir, ec)) {
    return Error(Code::kFailedPrecondition, dir.string(),
                 "exists but is not a directory; remove it or choose another data directory");
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return io_error(dir, "checking write access to the directory", errno);
  }
  return {};
}

}  // namespace ward::core
