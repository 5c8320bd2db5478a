#pragma once
// A client of a running `ward serve`'s HTTPS API, for the commands that talk to one instead of
// the data directory (`ward admin --server …`, remote_admin.h; `ward lsp --server …`). The server
// authenticates the caller's API token, decides with the caller's policies and audits each
// request.
//
// The token comes from `--token-file FILE` (a file only its owner may read) or the WARD_TOKEN
// environment variable, never from a flag (flags are visible to other users in the process
// list). The connection uses Ward's TLS policy (TLS 1.2+, ECDHE with AEAD ciphers only) and
// verifies the server's certificate and host name against `--ca FILE` or the system trust store.
// Each request opens its own connection; a client may be used from several threads.

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"

namespace ward::cli {

// Where a command's requests go: --server, --ca and --token-file. Empty `server`: nowhere (the
// data directory, for `ward admin`).
struct ServerAccess {
  std::string server;      // https://HOST[:PORT]
  std::string ca_file;     // PEM CA bundle to verify the server with; empty: the system's
  std::string token_file;  // the caller's API token; empty: $WARD_TOKEN
  bool enabled() const { return !server.empty(); }
};

class ApiClient {
 public:
  // Checks the server URL (https://HOST[:PORT], nothing after the port but an optional "/") and
  // reads the token; errors name the flag or variable at fault and how to fix it. `user_agent`
  // names the command in the server's log.
  static core::Result<ApiClient> connect(const ServerAccess& remote,
                                         const std::map<std::string, std::string>& environment,
                                         std::string user_agent);

  // One request to `path` (e.g. "/api/v1/admin/users"); the reply's JSON body on a 2xx answer.
  // Any other answer is an Error with the server's code and message, `where` naming the server
  // and route; no answer at all (connection, TLS, certificate) is kUnavailable saying why.
  core::Result<nlohmann::json> get(const std::string& path) const;
  core::Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body) const;
  core::Result<nlohmann::json> remove(const std::string& path) const;

 private:
  ApiClient(std::string host, int port, std::string ca_file, std::string token,
            std::string user_agent);
  core::Result<nlohmann::json> send(const std::string& method, const std::string& path,
                                    const nlohmann::json* body) const;

  std::string host_;
  int port_ = 443;
  std::string ca_file_;
  std::string token_;
  std::string user_agent_;
};

}  // namespace ward::cli
