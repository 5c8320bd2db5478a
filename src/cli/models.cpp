#include "cli/models.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <ostream>

#include "backend/embedded.h"
#include "backend/openai.h"
#include "core/file.h"

namespace ward::cli {
namespace {

core::Result<std::unique_ptr<backend::Backend>> load_upstream(const std::string& name,
                                                              const core::ModelConfig& model,
                                                              const core::Config& config) {
  std::string api_key;
  if (!model.api_key_file.empty()) {
    auto key = core::read_private_file(model.api_key_file, "the upstream's API key", 4096);
    if (!key) return key.error();
    api_key = std::move(*key);  // already trimmed of surrounding white space
  }
  auto upstream = backend::OpenAiBackend::create(
      {.name = name,
       .url = model.url,
       .upstream_model = model.upstream_model,
       .api_key = std::move(api_key),
       .ca_bundle = model.ca_bundle,
       .proxy = model.proxy,
       .connect_timeout = std::chrono::milliseconds(model.connect_timeout_ms),
       .read_timeout = std::chrono::milliseconds(model.read_timeout_ms),
       .retries = static_cast<int>(model.retries),
       .context_length = model.context > 0 ? static_cast<int32_t>(model.context) : 4096,
       .region = model.region.empty() ? config.region : model.region});
  if (!upstream) {
    return core::Error(upstream.error().code(), "models." + name + "." + upstream.error().where(),
                       upstream.error().message());
  }
  spdlog::info("model \"{}\" served by the upstream {}", name, model.url);
  return std::unique_ptr<backend::Backend>(std::move(*upstream));
}

}  // namespace

core::Result<std::unique_ptr<backend::Backend>> load_model(const std::string& name,
                                                           const core::ModelConfig& model,
                                                           const core::Config& config) {
  if (!model.url.empty()) return load_upstream(name, model, config);
  std::optional<infer::fim::Format> fim;
  if (!model.fim.empty()) {
    auto format = infer::fim::parse_format(model.fim);
    if (!format) {
      return core::Error(format.error().code(), "models." + name + ".fim",
                         format.error().message());
    }
    fim = *format;
  }
  auto loaded = backend::EmbeddedBackend::load(
      {.name = name,
       .path = model.path,
       .fim_format = fim,
       .context_size = static_cast<int32_t>(model.context),
       .threads = static_cast<int>(model.threads),
       .slots = static_cast<int>(model.slots),
       .region = model.region.empty() ? config.region : model.region});
  if (!loaded) return loaded.error();
  const backend::ModelInfo& info = (*loaded)->info();
  spdlog::info("model \"{}\" loaded from {} ({} tokens of context, fill-in-the-middle: {})",
               info.name, model.path.string(), info.context_length,
               info.fill_in_the_middle ? info.fim_format : "no");
  return std::unique_ptr<backend::Backend>(std::move(*loaded));
}

core::Result<std::vector<std::pair<std::string, core::ModelConfig>>> configured_models(
    const std::string& model_flag, const core::Config& config) {
  std::vector<std::pair<std::string, core::ModelConfig>> wanted;
  auto add = [&](const std::string& name, const core::ModelConfig& model) {
    if (std::none_of(wanted.begin(), wanted.end(),
                     [&](const auto& entry) { return entry.first == name; })) {
      wanted.emplace_back(name, model);
    }
  };
  if (!model_flag.empty()) {
    if (auto it = config.models.find(model_flag); it != config.models.end()) {
      add(it->first, it->second);
    } else {
      const std::filesystem::path path(model_flag);
      wanted.push_back({path.stem().string(), core::ModelConfig{.path = path}});
    }
  }
  if (!config.default_model.empty()) {
    auto it = config.models.find(config.default_model);
    if (it == config.models.end()) {
      return core::Error(core::Code::kInvalidArgument, "default_model",
                         "no [models." + config.default_model +
                             "] table names that model; add "
                             "one or change default_model");
    }
    add(it->first, it->second);
  }
  for (const auto& [name, model] : config.models) add(name, model);
  const std::filesystem::path fallback = config.data_dir / "models" / "default.gguf";
  if (wanted.empty() && std::filesystem::exists(fallback)) {
    wanted.push_back({"default", core::ModelConfig{.path = fallback}});
  }
  return wanted;
}

core::Result<backend::BackendSet> load_models(const std::string& model_flag,
                                              const core::Config& config) {
  auto wanted = configured_models(model_flag, config);
  if (!wanted) return wanted.error();
  backend::BackendSet models;
  for (const auto& [name, model] : *wanted) {
    auto loaded = load_model(name, model, config);
    if (!loaded) return loaded.error();
    models.add(std::move(*loaded));
  }
  return models;
}

void warn_about_random_models(const backend::BackendSet& models, std::ostream& out) {
  for (const auto& model : models.all()) {
    if (!model->info().random_weights) continue;
    out << "Warning: the model \"" << model->info().name
        << "\" has random weights (made by `ward model synth`): its suggestions are random "
           "text. Configure a real code model with [models.NAME] path = \"FILE.gguf\" in "
           "ward.toml, or start with --model FILE.gguf.\n";
  }
}

}  // namespace ward::cli
