#include <iostream>

#include "cli/commands.h"
#include "core/file.h"
#include "core/log.h"
#include "gov/schema.h"
#include "infer/model/session.h"
#include "store/sqlite_store.h"

namespace ward::cli {

int report(const core::Error& error) {
  std::cerr << "ward: error: " << error.to_string() << "\n";
  return kExitFailure;
}

void bind_setting(CLI::App& app, CommandContext& context, const std::string& flag,
                  const std::string& key, const std::string& help) {
  app.add_option_function<std::string>(
         flag, [&context, key](const std::string& value) { context.inputs.flags[key] = value; },
         help)
      ->type_name(key == "server.listen" ? "HOST:PORT" : "VALUE");
}

core::Result<DataDir> open_data_dir(const core::ConfigInputs& inputs) {
  auto config = core::load_config(inputs);
  if (!config) return config.error();
  if (auto status = core::init_logging(config->log); !status) return status.error();
  if (auto status = core::ensure_writable_directory(config->data_dir); !status) {
    return status.error().with_context("the data directory is not usable: ");
  }
  auto db = store::open_sqlite(config->data_dir / "ward.db", {});
  if (!db) return db.error();
  if (auto status = gov::migrate(**db); !status) return status.error();
  return DataDir{std::move(*config), std::move(*db), inputs.environment};
}

core::Result<gov::Keyring> open_keyring(DataDir& data) {
  return gov::open_keyring(data.config, data.environment, *data.db, core::system_clock());
}

gov::IdentityOptions identity_options(const DataDir& data) {
  gov::IdentityOptions options;
  options.default_region = data.config.region;
  return options;
}

void add_model_run_options(CLI::App& command, ModelRunOptions& options) {
  command.add_option("file", options.model, "a .gguf model file")->required()->type_name("FILE");
  command.add_option("--threads", options.threads, "threads (default: one per physical core)")
      ->check(CLI::NonNegativeNumber);
  command
      .add_option("--context", options.context,
                  "context size in tokens (default: the model's, at most 4096)")
      ->check(CLI::NonNegativeNumber);
  command.add_flag("--json", options.json, "print one JSON object");
}

core::Result<infer::model::Session> open_model_session(const ModelRunOptions& options,
                                                       int32_t min_context) {
  auto model = infer::model::Model::load(options.model);
  if (!model) return model.error();
  const int32_t context = options.context > 0 ? options.context : min_context;
  return infer::model::Session::create(*model,
                                       {.context_size = context, .threads = options.threads});
}

}  // namespace ward::cli
