// `ward`: the only place that parses argv. Flags become a core::ConfigInputs so that every setting
// is resolved in one order (file < WARD_* environment < flags) by core::load_config.

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "ward/version.h"

namespace {

using ward::core::ConfigInputs;

// Binds an optional flag to a dotted config key; the flag is recorded only when given.
void bind_setting(CLI::App& app, ConfigInputs& inputs, const std::string& flag,
                  const std::string& key, const std::string& help) {
  app.add_option_function<std::string>(
         flag, [&inputs, key](const std::string& value) { inputs.flags[key] = value; }, help)
      ->type_name(key == "server.listen" ? "HOST:PORT" : "VALUE");
}

std::filesystem::path current_directory() {
  std::error_code ec;
  auto dir = std::filesystem::current_path(ec);
  return ec ? std::filesystem::path("/") : dir;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Ward: a self-hosted, governed AI coding assistant.", "ward");
  app.set_version_flag("--version", std::string("ward ") + ward::kVersion);
  app.require_subcommand(1);
  app.fallthrough();
  app.footer("Settings: ward.toml < WARD_* environment < flags. See docs/configuration.md.");

  ConfigInputs inputs;
  inputs.working_dir = current_directory();
  inputs.environment = ward::core::process_environment();
  app.add_option_function<std::string>(
         "--config", [&inputs](const std::string& path) { inputs.config_flag = path; },
         "configuration file (default: <data dir>/ward.toml when present)")
      ->type_name("FILE");
  bind_setting(app, inputs, "--data-dir", "data_dir", "where Ward keeps its state");
  bind_setting(app, inputs, "--log-level", "log.level", "trace, debug, info, warn, error or off");
  bind_setting(app, inputs, "--log-format", "log.format", "auto, text or json");

  auto* serve = app.add_subcommand("serve", "run the HTTPS gateway for IDEs and the CLI");
  bind_setting(*serve, inputs, "--listen", "server.listen", "address to listen on");
  auto* doctor = app.add_subcommand("doctor", "check the installation and say how to fix problems");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return ward::cli::kExitOk;
  } catch (const CLI::CallForVersion& version) {
    std::cout << version.what() << "\n";
    return ward::cli::kExitOk;
  } catch (const CLI::ParseError& error) {
    // Help for a subcommand arrives as CallForHelp too; everything else is a usage error.
    if (error.get_exit_code() == 0) return app.exit(error);
    std::cerr << "ward: error: " << error.what() << "; see `ward --help`\n";
    return ward::cli::kExitUsage;
  }

  if (serve->parsed()) return ward::cli::run_serve(inputs);
  if (doctor->parsed()) return ward::cli::run_doctor(inputs);
  return ward::cli::kExitUsage;
}
