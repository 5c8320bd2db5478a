// `ward lsp`: the language server editors start (src/lsp, docs/lsp.md). Diagnostics come from the
// scanner in this process; completions, with --server, from `ward serve` through its API.

#include <unistd.h>

#include <csignal>
#include <iostream>
#include <memory>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "core/log.h"
#include "lsp/server.h"

namespace ward::cli {
namespace {

struct LspOptions {
  ServerAccess server;
  std::vector<std::string> rule_dirs;
};

int run_lsp(const LspOptions& options, const CommandContext& context) {
  if (!options.server.enabled() &&
      (!options.server.ca_file.empty() || !options.server.token_file.empty())) {
    std::cerr << "ward: error: --ca and --token-file only apply with --server; add --server "
                 "https://HOST:PORT for completions, or drop them\n";
    return kExitUsage;
  }
  // Standard output carries the protocol: any log line goes to stderr, which editors keep as the
  // server's log. An editor that goes away must not kill the server mid-write (SIGPIPE); it
  // notices the end of its input instead.
  if (auto status = core::init_logging({.level = "warn", .format = core::LogFormat::kText});
      !status) {
    return report(status.error());
  }
  std::signal(SIGPIPE, SIG_IGN);
  auto rules = scan::RuleSet::load({options.rule_dirs.begin(), options.rule_dirs.end()});
  if (!rules) return report(rules.error());
  lsp::LanguageServerOptions server_options{.rules = std::move(*rules), .complete = {}};
  if (options.server.enabled()) {
    auto api = ApiClient::connect(options.server, context.inputs.environment, "ward-lsp");
    if (!api) return report(api.error());
    server_options.complete =
        [api = std::make_shared<ApiClient>(std::move(*api))](const nlohmann::json& body) {
          return api->post("/api/v1/complete", body);
        };
  }
  return lsp::serve(std::move(server_options), STDIN_FILENO, STDOUT_FILENO);
}

}  // namespace

void add_lsp_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<LspOptions>();
  auto* lsp = app.add_subcommand(
      "lsp",
      "a language server for editors (LSP on stdin/stdout): security findings as you type, and "
      "code completion from `ward serve` with --server");
  lsp->add_option("--server", options->server.server,
                  "the `ward serve` to ask for completions (https://HOST:PORT); without it, "
                  "diagnostics only")
      ->type_name("URL");
  lsp->add_option("--ca", options->server.ca_file,
                  "with --server: the CA certificate that signed the server's (PEM); default: the "
                  "system's trusted CAs")
      ->type_name("FILE");
  lsp->add_option("--token-file", options->server.token_file,
                  "with --server: a file (mode 0600) holding your API token; default: $WARD_TOKEN")
      ->type_name("FILE");
  lsp->add_option("--rules", options->rule_dirs,
                  "also load the scanner rule files (*.toml) under DIR")
      ->type_name("DIR");
  lsp->callback([options, &context] {
    context.action = [options, &context] { return run_lsp(*options, context); };
  });
}

}  // namespace ward::cli
