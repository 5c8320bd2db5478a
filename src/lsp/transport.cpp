#include "lsp/transport.h"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "core/file.h"
#include "core/json.h"
#include "core/text.h"

namespace ward::lsp {
namespace {

using core::Code;
using core::Error;

constexpr std::size_t kReadChunk = 64 * 1024;

Error framing_error(const std::string& why) {
  return Error(Code::kInvalidArgument, "LSP message header",
               why +
                   "; the editor must send \"Content-Length: N\" and an empty line before each "
                   "JSON message (the Language Server Protocol's base protocol)");
}

// At most `limit` bytes of what the editor sent, control characters as '?', for an error message.
std::string shown(std::string_view text, std::size_t limit) {
  std::string out(text.substr(0, limit));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return text.size() > limit ? out + "…" : out;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

core::Result<MessageReader::Fill> MessageReader::fill(
    std::optional<std::chrono::milliseconds> wait) {
  if (wait) {
    pollfd ready{.fd = fd_, .events = POLLIN, .revents = 0};
    int polled;
    do {
      polled = ::poll(&ready, 1, static_cast<int>(wait->count()));
    } while (polled < 0 && errno == EINTR);
    if (polled == 0) return Fill::kTimeout;
  }
  if (consumed_ > 0) {  // keep the buffer from growing with every message read
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  const std::size_t old_size = buffer_.size();
  buffer_.resize(old_size + kReadChunk);
  ssize_t got;
  do {
    got = ::read(fd_, buffer_.data() + old_size, kReadChunk);
  } while (got < 0 && errno == EINTR);
  buffer_.resize(old_size + static_cast<std::size_t>(std::max<ssize_t>(got, 0)));
  if (got < 0) {
    return Error(Code::kUnavailable, "standard input",
                 "reading the editor's messages failed (" + core::errno_text(errno) + ")");
  }
  return got == 0 ? Fill::kEnd : Fill::kData;
}

core::Status MessageReader::parse_header_line(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return framing_error(fmt::format("the header line \"{}\" has no ':'", shown(line, 80)));
  }
  const std::string_view name = core::trim(line.substr(0, colon));
  const std::string_view value = core::trim(line.substr(colon + 1));
  if (!equals_ignoring_case(name, "Content-Length")) return {};  // Content-Type and the like
  std::size_t length = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
  if (ec == std::errc::result_out_of_range ||
      (ec == std::errc() && end == value.data() + value.size() && length > kMaxMessageBytes)) {
    return Error(Code::kResourceExhausted, "LSP message header",
                 fmt::format("a message of {} bytes is over the {} MiB a message may have",
                             shown(value, 40), kMaxMessageBytes / (1024 * 1024)));
  }
  if (ec != std::errc() || end != value.data() + value.size() || value.empty()) {
    return framing_error(
        fmt::format("Content-Length \"{}\" is not a number of bytes", shown(value, 40)));
  }
  content_length_ = length;
  return {};
}

core::Result<ReadOutcome> MessageReader::read(std::optional<std::chrono::milliseconds> wait) {
  for (;;) {
    std::string_view unread = std::string_view(buffer_).substr(consumed_);
    if (!in_body_) {
      const std::size_t newline = unread.find('\n');
      if (std::min(newline, unread.size()) > kMaxHeaderLineBytes) {
        return framing_error(
            fmt::format("a header line is longer than {} bytes", kMaxHeaderLineBytes));
      }
      if (newline != std::string_view::npos) {
        std::string_view line = unread.substr(0, newline);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        consumed_ += newline + 1;
        if (line.empty()) {
          if (!content_length_) {
            return framing_error("a message header ended without Content-Length");
          }
          in_body_ = true;
        } else if (auto status = parse_header_line(line); !status) {
          return status.error();
        }
        continue;
      }
    } else if (unread.size() >= *content_length_) {
      const std::string_view body = unread.substr(0, *content_length_);
      consumed_ += *content_length_;
      in_body_ = false;
      content_length_.reset();
      auto parsed = core::parse_json(body);
      if (!parsed) {
        return ReadOutcome(MalformedBody{
            Error(Code::kInvalidArgument, "LSP message", "the body " + parsed.error().message())});
      }
      return ReadOutcome(std::move(*parsed));
    }
    auto filled = fill(wait);
    if (!filled) return filled.error();
    if (*filled == Fill::kTimeout) return ReadOutcome(Timeout{});
    if (*filled == Fill::kEnd) {
      if (consumed_ == buffer_.size() && !in_body_) return ReadOutcome(EndOfInput{});
      return Error(Code::kInvalidArgument, "standard input",
                   "the editor's input ended in the middle of a message");
    }
  }
}

core::Status MessageWriter::write(const nlohmann::json& message) {
  const std::string body = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const std::string framed = fmt::format("Content-Length: {}\r\n\r\n{}", body.size(), body);
  std::lock_guard lock(mutex_);
  std::size_t written = 0;
  while (written < framed.size()) {
    const ssize_t n = ::write(fd_, framed.data() + written, framed.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Error(Code::kUnavailable, "standard output",
                   "writing to the editor failed (" + core::errno_text(errno) + ")");
    }
    written += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace ward::lsp
