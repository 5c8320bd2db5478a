// `ward model`: works on GGUF model files without a data directory.
//   ward model inspect FILE [--json]   what the file holds: architecture, size, shapes, tokenizer
//   ward model synth --vocab V -o OUT ...   a random-weight model (model_synth_command.cpp)
//   ward model tokenize FILE --file TEXT [--special]   token ids (model_tokenize_command.cpp)
//   ward model generate | bench ...   run the model (model_run_commands.cpp)
//   ward model perplexity FILE TEXT...   how well it predicts texts (model_perplexity_command.cpp)
// The file is opened with the engine's validating reader, so a truncated or corrupt file is
// reported (exit 1) before anything else is printed.

#include <fmt/format.h>

#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.h"
#include "infer/gguf/gguf.h"

namespace ward::cli {
namespace {

using OrderedJson = nlohmann::ordered_json;
using infer::gguf::File;
using infer::gguf::Value;
using infer::gguf::ValueType;

std::string dump(const OrderedJson& json) {
  return json.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

struct InspectOptions {
  std::string file;
  bool json = false;
};

// Token texts that mark fill-in-the-middle support in vocabularies without the FIM id keys:
// Qwen2.5-Coder, StarCoder/Refact, DeepSeek-Coder, CodeLlama.
constexpr std::string_view kFimPrefixTexts[] = {"<|fim_prefix|>", "<fim_prefix>", "<｜fim▁begin｜>",
                                                "▁<PRE>"};

struct Fim {
  bool supported = false;
  std::string how;  // "token ids 1, 2, 3" or "token <fim_prefix> (id 1)"
};

// A metadata value as JSON: integers as numbers, integer arrays as arrays, other values as their
// summary; null when absent.
OrderedJson value_json(const Value* value) {
  if (value == nullptr) return nullptr;
  if (auto number = value->as_int()) return *number;
  if (auto number = value->as_uint()) return *number;
  if (auto text = value->as_string()) return std::string(*text);
  if (value->type() == ValueType::kFloat32 || value->type() == ValueType::kFloat64) {
    return *value->as_float();
  }
  if (auto ints = value->as_ints(); ints && ints->size() <= 1024) return *ints;
  return value->summary();
}

// The same value for the text report: strings unquoted, absent values as "-".
std::string value_text(const Value* value) {
  if (value == nullptr) return "-";
  if (auto text = value->as_string()) return std::string(*text);
  return value->summary();
}

std::string with_unit(double count, const char* const units[], double step, int decimals) {
  int unit = 0;
  while (count >= step && units[unit + 1] != nullptr) {
    count /= step;
    ++unit;
  }
  return unit == 0 ? fmt::format("{}", count)
                   : fmt::format("{:.{}f} {}", count, decimals, units[unit]);
}

std::string parameters_text(int64_t count) {
  static const char* const kUnits[] = {"", "K", "M", "B", "T", nullptr};
  if (count < 1000) return fmt::format("{}", count);
  return fmt::format("{} ({})", with_unit(static_cast<double>(count), kUnits, 1000, 2), count);
}

std::string bytes_text(uint64_t bytes) {
  static const char* const kUnits[] = {"bytes", "KiB", "MiB", "GiB", "TiB", nullptr};
  if (bytes < 1024) return fmt::format("{} bytes", bytes);
  return fmt::format("{} ({} bytes)", with_unit(static_cast<double>(bytes), kUnits, 1024, 2),
                     bytes);
}

Fim find_fim(const File& file) {
  const Value* pre = file.find("tokenizer.ggml.fim_pre_token_id");
  const Value* suf = file.find("tokenizer.ggml.fim_suf_token_id");
  const Value* mid = file.find("tokenizer.ggml.fim_mid_token_id");
  if (pre != nullptr && suf != nullptr && mid != nullptr) {
    return {true, fmt::format("token ids prefix {}, suffix {}, middle {}", value_text(pre),
                              value_text(suf), value_text(mid))};
  }
  if (const Value* tokens = file.find("tokenizer.ggml.tokens")) {
    if (auto texts = tokens->as_strings()) {
      for (std::string_view wanted : kFimPrefixTexts) {
        for (size_t id = 0; id < texts->size(); ++id) {
          if ((*texts)[id] == wanted) {
            return {true, fmt::format("token {} (id {})", wanted, id)};
          }
        }
      }
    }
  }
  return {false, ""};
}

int run_inspect(const InspectOptions& options) {
  auto opened = File::open(options.file);
  if (!opened) return report(opened.error());
  const File& file = *opened;

  const Value* arch_value = file.find("general.architecture");
  const std::string arch =
      arch_value && arch_value->as_string() ? std::string(*arch_value->as_string()) : "";
  auto arch_key = [&](std::string_view suffix) -> const Value* {
    return arch.empty() ? nullptr : file.find(fmt::format("{}.{}", arch, suffix));
  };

  int64_t parameters = 0;
  std::map<std::string, int> types;
  for (const auto& tensor : file.tensors()) {
    parameters += tensor.element_count();
    const auto layout = infer::layout_of(tensor.type);
    ++types[layout ? std::string(layout->name) : "?"];
  }
  const Value* tokens = file.find("tokenizer.ggml.tokens");
  const Value* vocab_size = tokens ? tokens : arch_key("vocab_size");
  const uint64_t vocabulary = tokens ? tokens->size() : 0;
  const Fim fim = find_fim(file);

  if (options.json) {
    OrderedJson type_counts = OrderedJson::object();
    for (const auto& [name, count] : types) type_counts[name] = count;
    OrderedJson json = {
        {"file", options.file},
        {"gguf_version", file.version()},
        {"architecture", value_json(arch_value)},
        {"name", value_json(file.find("general.name"))},
        {"parameters", parameters},
        {"file_size", file.file_size()},
        {"context_length", value_json(arch_key("context_length"))},
        {"embedding_length", value_json(arch_key("embedding_length"))},
        {"block_count", value_json(arch_key("block_count"))},
        {"head_count", value_json(arch_key("attention.head_count"))},
        {"head_count_kv", value_json(arch_key("attention.head_count_kv"))},
        {"tensor_count", file.tensors().size()},
        {"tensor_types", type_counts},
        {"tokenizer_model", value_json(file.find("tokenizer.ggml.model"))},
        {"pre_tokenizer", value_json(file.find("tokenizer.ggml.pre"))},
        {"vocab_size", tokens ? OrderedJson(vocabulary) : value_json(arch_key("vocab_size"))},
        {"bos_token_id", value_json(file.find("tokenizer.ggml.bos_token_id"))},
        {"eos_token_id", value_json(file.find("tokenizer.ggml.eos_token_id"))},
        {"fim", {{"supported", fim.supported}, {"evidence", fim.how}}},
    };
    std::cout << dump(json) << "\n";
    return kExitOk;
  }

  std::string type_list;
  for (const auto& [name, count] : types) {
    type_list += fmt::format("{}{} {}", type_list.empty() ? "" : ", ", name, count);
  }
  const std::vector<std::pair<std::string, std::string>> lines = {
      {"file", options.file},
      {"GGUF version", fmt::format("{}", file.version())},
      {"architecture", value_text(arch_value)},
      {"name", value_text(file.find("general.name"))},
      {"parameters", parameters_text(parameters)},
      {"file size", bytes_text(file.file_size())},
      {"context length", value_text(arch_key("context_length"))},
      {"embedding length", value_text(arch_key("embedding_length"))},
      {"blocks", value_text(arch_key("block_count"))},
      {"heads", value_text(arch_key("attention.head_count"))},
      {"KV heads", value_text(arch_key("attention.head_count_kv"))},
      {"tensors",
       file.tensors().empty() ? "0" : fmt::format("{} ({})", file.tensors().size(), type_list)},
      {"tokenizer", value_text(file.find("tokenizer.ggml.model"))},
      {"pre-tokenizer", value_text(file.find("tokenizer.ggml.pre"))},
      {"vocabulary", tokens ? fmt::format("{} tokens", vocabulary) : value_text(vocab_size)},
      {"BOS token id", value_text(file.find("tokenizer.ggml.bos_token_id"))},
      {"EOS token id", value_text(file.find("tokenizer.ggml.eos_token_id"))},
      {"FIM", fim.supported ? "yes: " + fim.how : "no"},
  };
  for (const auto& [label, text] : lines) {
    std::cout << fmt::format("{:<18}{}\n", label, text);
  }
  return kExitOk;
}

}  // namespace

void add_model_commands(CLI::App& app, CommandContext& context) {
  auto* model = app.add_subcommand("model", "inspect GGUF model files");
  model->require_subcommand(1);

  auto inspect_options = std::make_shared<InspectOptions>();
  auto* inspect = model->add_subcommand(
      "inspect", "show a GGUF file's architecture, sizes, tensors and tokenizer (checks it too)");
  inspect->add_option("file", inspect_options->file, "a .gguf model file")
      ->required()
      ->type_name("FILE");
  inspect->add_flag("--json", inspect_options->json, "print one JSON object");
  inspect->callback([&context, inspect_options] {
    context.action = [inspect_options] { return run_inspect(*inspect_options); };
  });
  add_model_synth_command(*model, context);
  add_model_tokenize_command(*model, context);
  add_model_run_commands(*model, context);
  add_model_perplexity_command(*model, context);
}

}  // namespace ward::cli
