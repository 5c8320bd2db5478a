#pragma once
// `ward admin --server URL …`: the admin commands sent to a running `ward serve` through its HTTPS
// API (api_client.h) instead of working on the data directory; the commands act on the caller's
// own tenant. Working on the data directory stays the way to bootstrap and recover.
// Single-threaded, like every command.

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "core/error.h"

namespace ward::cli {

// What a command does through the API: the text it prints.
using RemoteAdminAction = std::function<core::Result<std::string>(const ApiClient&)>;

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
