#pragma once
// The `ward` subcommands. main.cpp builds the CLI11 app and asks each command group to add its
// subcommands; when the command line selects one, its CLI11 callback stores what to run in
// CommandContext::action, which main() runs after parsing. Each action returns the process exit
// code and prints its own errors. Everything here runs once, on the main thread.

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>

#include "cli/api_client.h"
#include "core/config.h"
#include "gov/identity/model.h"
#include "gov/keys/keyring.h"
#include "store/store.h"

namespace ward::infer::model {
class Session;
}

namespace ward::cli {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the command ran and failed
inline constexpr int kExitUsage = 2;    // bad flags or arguments

struct CommandContext {
  core::ConfigInputs inputs;     // filled by the global flags and the environment
  std::function<int()> action;  // set by the selected subcommand's callback
  ServerAccess remote;          // set by `ward admin --server …` (remote_admin.h)
};

// Prints "ward: error: <error>" to stderr and returns kExitFailure.
int report(const core::Error& error);

// Binds an optional flag of `app` to the dotted config key `key` (recorded only when given).
void bind_setting(CLI::App& app, CommandContext& context, const std::string& flag,
                  const std::string& key, const std::string& help);

// What a command that works on the data directory needs: the loaded configuration and the store,
// migrated to this version's schema. Creates the data directory on first use.
struct DataDir {
  core::Config config;
  std::unique_ptr<store::Database> db;
  std::map<std::string, std::string> environment;  // for the master secret (WARD_MASTER_KEY)
};
core::Result<DataDir> open_data_dir(const core::ConfigInputs& inputs);

// Identity settings from the configuration (the default tenant's region).
gov::IdentityOptions identity_options(const DataDir& data);

// The data directory's keyring (creating the master key and keyring on first use).
core::Result<gov::Keyring> open_keyring(DataDir& data);

// What every command that runs a model takes: the model file (the first positional argument),
// --threads, --context and --json (`ward model generate`, `bench`, `perplexity`).
struct ModelRunOptions {
  std::string model;
  int threads = 0;
  int32_t context = 0;
  bool json = false;
};
void add_model_run_options(CLI::App& command, ModelRunOptions& options);

// Loads options.model and creates a session on it with options.context positions, or
// `min_context` when that is 0, or else the model's context (at most 4096). Errors: the model's
// load errors and Session::create's.
core::Result<infer::model::Session> open_model_session(const ModelRunOptions& options,
                                                       int32_t min_context = 0);

// Command groups.
void add_serve_command(CLI::App& app, CommandContext& context);
void add_doctor_command(CLI::App& app, CommandContext& context);
void add_scan_command(CLI::App& app, CommandContext& context);
void add_audit_commands(CLI::App& app, CommandContext& context);
void add_policy_commands(CLI::App& app, CommandContext& context);
void add_model_commands(CLI::App& app, CommandContext& context);
// `ward model tokenize` (model_tokenize_command.cpp), added to the `model` group.
void add_model_tokenize_command(CLI::App& model, CommandContext& context);
// `ward model synth` (model_synth_command.cpp), added to the `model` group.
void add_model_synth_command(CLI::App& model, CommandContext& context);
// `ward model generate` and `ward model bench` (model_run_commands.cpp), added to the `model` group.
void add_model_run_commands(CLI::App& model, CommandContext& context);
// `ward model perplexity` (model_perplexity_command.cpp), added to the `model` group.
void add_model_perplexity_command(CLI::App& model, CommandContext& context);
void add_keys_commands(CLI::App& admin, CommandContext& context);
void add_admin_commands(CLI::App& admin, CommandContext& context);
void add_retention_commands(CLI::App& admin, CommandContext& context);
void add_lsp_command(CLI::App& app, CommandContext& context);

}  // namespace ward::cli
