#pragma once
// `ward admin --server URL …`: the admin commands sent to a running `ward serve` through its HTTPS
// API instead of working on the data directory. The server authenticates the caller's API token,
// decides with the caller's policies and audits each request, and the commands act on the
// caller's own tenant. Working on the data directory stays the way to bootstrap and recover.
//
// The token comes from `--token-file FILE` (a file only its owner may read) or the WARD_TOKEN
// environment variable, never from a flag (flags are visible to other users in the process
// list). The connection uses Ward's TLS policy (TLS 1.2+, ECDHE with AEAD ciphers only) and
// verifies the server's certificate and host name against `--ca FILE` or the system trust store.
// Single-threaded, like every command.

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.h"
#include "core/error.h"

namespace ward::cli {

class AdminApi {
 public:
  // Checks the server URL (https://HOST[:PORT], nothing after the port but an optional "/") and
  // reads the token; errors name the flag or variable at fault and how to fix it.
  static core::Result<AdminApi> connect(const RemoteAdmin& remote,
                                        const std::map<std::string, std::string>& environment);

  // One request to `path` (e.g. "/api/v1/admin/users"); the reply's JSON body on a 2xx answer.
  // Any other answer is an Error with the server's code and message, `where` naming the server
  // and route; no answer at all (connection, TLS, certificate) is kUnavailable saying why.
  core::Result<nlohmann::json> get(const std::string& path) const;
  core::Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body) const;
  core::Result<nlohmann::json> remove(const std::string& path) const;

 private:
  AdminApi(std::string host, int port, std::string ca_file, std::string token);
  core::Result<nlohmann::json> send(const std::string& method, const std::string& path,
                                    const nlohmann::json* body) const;

  std::string host_;
  int port_ = 443;
  std::string ca_file_;
  std::string token_;
};

// What a command does through the API: the text it prints.
using RemoteAdminAction = std::function<core::Result<std::string>(const AdminApi&)>;

// Runs `action` through the API for `ward admin --server …`, `command` being the subcommand the
// user chose: connects, prints the action's output and returns the exit code (errors reported).
// Refused when `action` is null (the command has no API counterpart) and when --tenant was given
// (through the API a command acts on the caller's own tenant).
int run_remote_admin(const CommandContext& context, const CLI::App& command,
                     const RemoteAdminAction& action);

// The words after `ward admin` that name `command`, e.g. "user mfa enroll".
std::string admin_command_path(const CLI::App& command);

// Adds --server, --ca and --token-file to `admin` (stored in context.remote).
void add_remote_admin_options(CLI::App& admin, CommandContext& context);

// A path segment with every byte but unreserved characters percent-encoded (RFC 3986), so that a
// name cannot change the route it is put in.
std::string path_segment(const std::string& text);

}  // namespace ward::cli
