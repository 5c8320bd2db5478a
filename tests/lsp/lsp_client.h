#pragma once
// An editor's side of an LSP conversation, for tests: frames messages by hand (independently of
// src/lsp/transport), and reads the server's replies with a deadline.

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ward::test {

class LspClient {
 public:
  // Writes to `to_server` and reads from `from_server`; does not own them.
  LspClient(int to_server, int from_server) : to_server_(to_server), from_server_(from_server) {}

  void send(const nlohmann::json& message);
  void notify(const std::string& method, const nlohmann::json& params);
  // Sends a request and returns the response with its id; the notifications that came before it
  // are kept for next_notification(). Null when none came within `timeout`.
  nlohmann::json request(int id, const std::string& method, const nlohmann::json& params,
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // The next notification of `method` (earlier ones of other methods are skipped); null when none
  // came within `timeout`.
  nlohmann::json next_notification(const std::string& method,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // The next message of any kind; nullopt when none came within `timeout` or the stream ended.
  std::optional<nlohmann::json> next(std::chrono::milliseconds timeout);

 private:
  int to_server_;
  int from_server_;
  std::string buffer_;
  std::vector<nlohmann::json> pending_;  // notifications read while waiting for a response
};

}  // namespace ward::test
