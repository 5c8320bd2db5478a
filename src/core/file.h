#pragma once
// Durable file operations. A file that matters (configuration, certificates, keys) is never
// half-written: it is written to a temporary file in the same directory, fsynced, renamed over
// the target, and the directory is fsynced so the rename itself survives a crash.
// Thread-safe: each call works on its own temporary file.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.h"

namespace ward::core {

// Atomically replaces `path` with `contents`; the file gets exactly `mode`, whatever the umask, and
// is never wider than 0600 while being written. On failure the old file, if any, is untouched.
// A path naming a device, FIFO or socket (/dev/null, /dev/stdout, a shell's process substitution)
// is written into as it is, never replaced.
Status write_file_atomic(const std::filesystem::path& path, std::string_view contents,
                         mode_t mode = 0600);

// Reads a whole file; the error names the path and says how to fix it.
Result<std::string> read_file(const std::filesystem::path& path);

// Reads a file holding a secret (a client secret, an API token), with white space around it
// removed. Refused (kInvalidArgument, naming `what`, e.g. "the token file", and the fix) when it
// is not a regular file, when its mode lets the group or others access it, when it is larger
// than `max_bytes` or when it is empty; kNotFound when missing. The read buffer is wiped; the
// caller owns (and should wipe) the result.
Result<std::string> read_private_file(const std::filesystem::path& path, std::string_view what,
                                      std::size_t max_bytes = 4096);

// Creates `dir` (and parents) with `mode` if missing, then checks that it is a directory this
// process can create files in.
Status ensure_writable_directory(const std::filesystem::path& dir, mode_t mode = 0700);

// A sentence for an errno value, e.g. "permission denied".
std::string errno_text(int error_number);

}  // namespace ward::core
