#pragma once
// The Language Server Protocol's base protocol over a pair of file descriptors (an editor starts
// `ward lsp` and speaks to it on stdin and stdout): each message is a header part
// ("Content-Length: N\r\n", optionally "Content-Type: …\r\n", then "\r\n") followed by N bytes of
// JSON. The editor is trusted no more than any input: header lines and message bodies are
// bounded, and a body that is not JSON is reported, not thrown.
//
// Threads: a MessageReader belongs to one thread; a MessageWriter may be shared (it locks).

#include <chrono>
#include <cstddef>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>

#include "core/error.h"

namespace ward::lsp {

// The largest message body read: an editor sends whole documents (didOpen), and the scanner and
// the completion API take files of at most 2 MiB and 256 KiB a side.
inline constexpr std::size_t kMaxMessageBytes = 16 * 1024 * 1024;
inline constexpr std::size_t kMaxHeaderLineBytes = 1024;

// What one read gives: a message (its body parsed), nothing before the wait ran out, the end of
// the input, or a message whose body is not JSON (it was read whole, so the next one can follow).
struct Timeout {};
struct EndOfInput {};
struct MalformedBody {
  core::Error error;
};
using ReadOutcome = std::variant<nlohmann::json, Timeout, EndOfInput, MalformedBody>;

class MessageReader {
 public:
  explicit MessageReader(int fd) : fd_(fd) {}

  // The next message. With `wait`, gives Timeout when no byte arrives in that time and no whole
  // message is buffered (a partial one stays buffered for the next call); without, blocks. Errors
  // (the stream cannot be framed any further): invalid_argument for a header that is too long,
  // lacks Content-Length or gives a bad one, resource_exhausted for a body over kMaxMessageBytes,
  // unavailable for a failed read.
  core::Result<ReadOutcome> read(std::optional<std::chrono::milliseconds> wait = std::nullopt);

 private:
  enum class Fill { kData, kTimeout, kEnd };
  core::Result<Fill> fill(std::optional<std::chrono::milliseconds> wait);
  core::Status parse_header_line(std::string_view line);

  int fd_;
  std::string buffer_;
  std::size_t consumed_ = 0;                   // bytes of buffer_ already taken
  std::optional<std::size_t> content_length_;  // from the header being read
  bool in_body_ = false;                       // the header is complete
};

class MessageWriter {
 public:
  explicit MessageWriter(int fd) : fd_(fd) {}

  // Frames and writes one message. Errors: unavailable when the editor's end is gone.
  core::Status write(const nlohmann::json& message);

 private:
  int fd_;
  std::mutex mutex_;
};

}  // namespace ward::lsp
