#include "cli/remote_admin.h"

#include <fmt/format.h>

#include <iostream>

namespace ward::cli {

std::string path_segment(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string admin_command_path(const CLI::App& command) {
  std::string path = command.get_name();
  for (const CLI::App* parent = command.get_parent();
       parent != nullptr && parent->get_name() != "admin"; parent = parent->get_parent()) {
    path = parent->get_name() + " " + path;
  }
  return path;
}

int run_remote_admin(const CommandContext& context, const CLI::App& command,
                     const RemoteAdminAction& action) {
  if (!action) {
    return report(
        core::Error(core::Code::kInvalidArgument, "--server",
                    fmt::format("`ward admin {}` works only on the data directory; run it "
                                "without --server on the server's machine",
                                admin_command_path(command))));
  }
  if (const CLI::Option* tenant = command.get_option_no_throw("--tenant");
      tenant != nullptr && tenant->count() > 0) {
    std::cerr << "ward: error: --tenant: through the API a command acts on your token's own "
                 "tenant; drop --tenant (see `ward admin --help`)\n";
    return kExitUsage;
  }
  auto api = ApiClient::connect(context.remote, context.inputs.environment, "ward-admin");
  if (!api) return report(api.error());
  auto output = action(*api);
  if (!output) return report(output.error());
  std::cout << *output;
  return kExitOk;
}

void add_remote_admin_options(CLI::App& admin, CommandContext& context) {
  admin
      .add_option("--server", context.remote.server,
                  "administer a running `ward serve` through its API (https://HOST:PORT) instead "
                  "of the data directory; acts on your token's tenant")
      ->type_name("URL");
  admin
      .add_option("--ca", context.remote.ca_file,
                  "with --server: the CA certificate that signed the server's (PEM); default: the "
                  "system's trusted CAs")
      ->type_name("FILE");
  admin
      .add_option("--token-file", context.remote.token_file,
                  "with --server: a file (mode 0600) holding your API token; default: $WARD_TOKEN")
      ->type_name("FILE");
}

}  // namespace ward::cli
