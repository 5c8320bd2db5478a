#pragma once
// The models a command runs, built from the configuration the same way for every command:
// `ward serve` loads them all, `ward scan --ai-fix` only the default. A model is a
// [models.NAME] table (docs/configuration.md) — a GGUF file on Ward's engine (`path`) or an
// OpenAI-compatible upstream (`url`) — or a GGUF file given with --model.

#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backend/backend.h"
#include "core/config.h"

namespace ward::cli {

// The models to run, the default first: --model (the name of a [models.NAME] table, or else a
// GGUF file, named after the file), then default_model, then the other [models.NAME] tables by
// name; with none of these, <data dir>/models/default.gguf when `make run` put one there.
// Empty when nothing is configured. Errors: kInvalidArgument for a default_model that no table
// names.
core::Result<std::vector<std::pair<std::string, core::ModelConfig>>> configured_models(
    const std::string& model_flag, const core::Config& config);

// Builds one model's backend: an upstream client (connecting to nothing yet) or the GGUF file
// loaded on Ward's engine. Errors name the [models.NAME] key at fault or the file.
core::Result<std::unique_ptr<backend::Backend>> load_model(const std::string& name,
                                                           const core::ModelConfig& model,
                                                           const core::Config& config);

// Every configured model (configured_models, in that order; the first is the default).
core::Result<backend::BackendSet> load_models(const std::string& model_flag,
                                              const core::Config& config);

// Says loudly, on `out`, which models only produce random text (`ward model synth`), and how to
// configure a real one.
void warn_about_random_models(const backend::BackendSet& models, std::ostream& out);

}  // namespace ward::cli
