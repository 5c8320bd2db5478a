#include "lsp/lsp_client.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

namespace ward::test {

using nlohmann::json;

namespace {

std::string lsp_frame(const json& message) {
  const std::string body = message.dump();
  return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Takes one whole message off the front of `buffer`, if there is one.
std::optional<json> take_message(std::string& buffer) {
  const std::size_t blank = buffer.find("\r\n\r\n");
  if (blank == std::string::npos) return std::nullopt;
  const std::string header = buffer.substr(0, blank);
  const std::string key = "Content-Length: ";
  const std::size_t at = header.find(key);
  EXPECT_NE(at, std::string::npos) << header;
  if (at == std::string::npos) return std::nullopt;
  const std::size_t length = std::stoul(header.substr(at + key.size()));
  if (buffer.size() < blank + 4 + length) return std::nullopt;
  json message = json::parse(buffer.substr(blank + 4, length));
  buffer.erase(0, blank + 4 + length);
  return message;
}

}  // namespace

void LspClient::send(const json& message) {
  const std::string bytes = lsp_frame(message);
  ASSERT_EQ(::write(to_server_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
}

void LspClient::notify(const std::string& method, const json& params) {
  send({{"jsonrpc", "2.0"}, {"method", method}, {"params", params}});
}

std::optional<json> LspClient::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto message = take_message(buffer_)) return message;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd ready{.fd = from_server_, .events = POLLIN, .revents = 0};
    if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
    char chunk[65536];
    const ssize_t got = ::read(from_server_, chunk, sizeof(chunk));
    if (got <= 0) return std::nullopt;
    buffer_.append(chunk, static_cast<std::size_t>(got));
  }
}

json LspClient::request(int id, const std::string& method, const json& params,
                        std::chrono::milliseconds timeout) {
  send({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto message = next(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
    if (!message) break;
    if (message->contains("id") && (*message)["id"] == id && !message->contains("method")) {
      return *message;
    }
    pending_.push_back(std::move(*message));
  }
  ADD_FAILURE() << "no response to " << method;
  return nullptr;
}

json LspClient::next_notification(const std::string& method, std::chrono::milliseconds timeout) {
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    if (it->value("method", "") == method) {
      json found = std::move(*it);
      pending_.erase(pending_.begin(), it + 1);
      return found;
    }
  }
  pending_.clear();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto message = next(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
    if (!message) break;
    if (message->value("method", "") == method) return *message;
  }
  return nullptr;
}

}  // namespace ward::test
