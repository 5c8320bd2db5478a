// `ward`: the only place that parses argv. Flags become a core::ConfigInputs so that every setting
// is resolved in one order (file < WARD_* environment < flags) by core::load_config. Each command
// group registers itself (commands.h) and runs after parsing.

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "ward/version.h"

namespace {

std::filesystem::path current_directory() {
  std::error_code ec;
  auto dir = std::filesystem::current_path(ec);
  return ec ? std::filesystem::path("/") : dir;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ward::cli;
  CLI::App app("Ward: a self-hosted, governed AI coding assistant.", "ward");
  app.set_version_flag("--version", std::string("ward ") + ward::kVersion);
  app.require_subcommand(1);
  app.fallthrough();
  app.footer("Settings: ward.toml < WARD_* environment < flags. See docs/configuration.md.");

  CommandContext context;
  context.inputs.working_dir = current_directory();
  context.inputs.environment = ward::core::process_environment();
  app.add_option_function<std::string>(
         "--config", [&context](const std::string& path) { context.inputs.config_flag = path; },
         "configuration file (default: <data dir>/ward.toml when present)")
      ->type_name("FILE");
  bind_setting(app, context, "--data-dir", "data_dir", "where Ward keeps its state");
  bind_setting(app, context, "--log-level", "log.level", "trace, debug, info, warn, error or off");
  bind_setting(app, context, "--log-format", "log.format", "auto, text or json");

  add_serve_command(app, context);
  add_doctor_command(app, context);
  add_scan_command(app, context);
  add_lsp_command(app, context);
  add_audit_commands(app, context);
  add_policy_commands(app, context);
  add_model_commands(app, context);
  auto* admin = app.add_subcommand("admin", "administer users, tokens, policies and keys");
  admin->require_subcommand(1);
  add_keys_commands(*admin, context);
  add_admin_commands(*admin, context);
  add_retention_commands(*admin, context);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);  // prints the help of the subcommand that asked for it
  } catch (const CLI::CallForVersion& version) {
    std::cout << version.what() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& error) {
    std::cerr << "ward: error: " << error.what() << "; see `ward --help`\n";
    return kExitUsage;
  }
  return context.action ? context.action() : kExitUsage;
}
