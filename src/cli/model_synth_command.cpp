// `ward model synth`: writes a random-weight GGUF model with a real tokenizer (src/infer/synth).
//   ward model synth --arch llama|qwen2 --vocab VOCAB.gguf --layers N --embd N --heads N
//        --kv-heads N --ff N [--type T] [--output-type T] [--tie-output] [--context N]
//        [--rope-base F] [--rms-eps F] [--seed N] [--name TEXT] [--threads N]
//        [--preset NAME] -o OUT.gguf [--json]
// A preset fills in the shape; flags given beside it override it. Unknown names (architecture,
// type, preset) and missing shape flags are usage errors (exit 2); options that do not make a
// loadable model, and I/O failures, are errors (exit 1) naming the flag or file at fault.

#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <variant>

#include "cli/commands.h"
#include "infer/synth/synth.h"

namespace ward::cli {
namespace {

using infer::synth::SynthOptions;

// The flags as given; unset ones come from the preset or SynthOptions' defaults.
struct SynthFlags {
  std::string preset;
  std::string arch;
  std::string vocab;
  std::string output;
  std::optional<int64_t> layers, embd, heads, kv_heads, ff, context;
  std::string type;
  std::string output_type;
  bool tie_output = false;
  std::optional<double> rope_base, rms_eps;
  uint64_t seed = 0;
  std::string name;
  int threads = 0;
  bool json = false;
};

int usage_error(const std::string& message) {
  std::cerr << "ward: error: " << message << "; see `ward model synth --help`\n";
  return kExitUsage;
}

std::string preset_list() {
  std::string list;
  for (std::string_view name : infer::synth::preset_names()) {
    list += fmt::format("{}{}", list.empty() ? "" : ", ", name);
  }
  return list;
}

// The options the flags describe, or the exit code of a usage error already reported.
std::variant<SynthOptions, int> options_from(const SynthFlags& flags) {
  SynthOptions options;
  if (!flags.preset.empty()) {
    auto preset = infer::synth::preset(flags.preset);
    if (!preset) {
      return usage_error(
          fmt::format("--preset {}: unknown preset; use one of {}", flags.preset, preset_list()));
    }
    options = *preset;
  }
  if (!flags.arch.empty()) {
    auto arch = infer::synth::architecture_named(flags.arch);
    if (!arch) return usage_error(fmt::format("--arch {}: use llama or qwen2", flags.arch));
    options.architecture = *arch;
  }
  const auto type = [](const std::string& flag, const std::string& text,
                       infer::TensorType& out) -> bool {
    if (text.empty()) return true;
    auto named = infer::type_named(text);
    if (!named) {
      usage_error(
          fmt::format("{} {}: unknown type; use f32, f16, bf16, q8_0, q4_0, q4_k, q5_k "
                      "or q6_k",
                      flag, text));
      return false;
    }
    out = *named;
    return true;
  };
  if (!type("--type", flags.type, options.weight_type)) return kExitUsage;
  if (!flags.output_type.empty()) {
    infer::TensorType output = options.weight_type;
    if (!type("--output-type", flags.output_type, output)) return kExitUsage;
    options.output_type = output;
  }
  const std::pair<const std::optional<int64_t>*, int64_t*> sizes[] = {
      {&flags.layers, &options.layers},   {&flags.embd, &options.embedding},
      {&flags.heads, &options.heads},     {&flags.kv_heads, &options.kv_heads},
      {&flags.ff, &options.feed_forward}, {&flags.context, &options.context_length}};
  for (const auto& [given, field] : sizes) {
    if (*given) *field = **given;
  }
  if (options.layers == 0 || options.embedding == 0 || options.heads == 0 ||
      options.feed_forward == 0) {
    return usage_error(
        "give the shape: --layers, --embd, --heads, --ff (and --kv-heads), or a "
        "--preset (" +
        preset_list() + ")");
  }
  if (options.kv_heads == 0) options.kv_heads = options.heads;
  options.vocabulary = flags.vocab;
  options.tie_output = options.tie_output || flags.tie_output;
  if (flags.rope_base) options.rope_freq_base = flags.rope_base;
  if (flags.rms_eps) options.rms_epsilon = flags.rms_eps;
  options.seed = flags.seed;
  options.name = flags.name;
  options.threads = flags.threads;
  return options;
}

std::string type_text(infer::TensorType type) {
  return std::string(infer::layout_of(type)->name);
}

int run_synth(const SynthFlags& flags) {
  auto parsed = options_from(flags);
  if (const int* exit_code = std::get_if<int>(&parsed)) return *exit_code;
  const SynthOptions& options = std::get<SynthOptions>(parsed);

  const auto start = std::chrono::steady_clock::now();
  auto summary = infer::synth::synthesize(options, flags.output);
  if (!summary) return report(summary.error());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const std::string arch(infer::synth::architecture_name(options.architecture));
  if (flags.json) {
    const nlohmann::ordered_json json = {
        {"file", flags.output},
        {"name", summary->name},
        {"architecture", arch},
        {"layers", options.layers},
        {"embedding_length", options.embedding},
        {"head_count", options.heads},
        {"head_count_kv", options.kv_heads},
        {"feed_forward_length", options.feed_forward},
        {"weight_type", type_text(options.weight_type)},
        {"output_type", type_text(summary->output_type)},
        {"tied_output", options.tie_output},
        {"vocab_size", summary->vocabulary_size},
        {"seed", options.seed},
        {"parameters", summary->parameters},
        {"tensor_count", summary->tensors},
        {"file_size", summary->file_bytes},
        {"seconds", seconds},
    };
    std::cout << json.dump() << "\n";
    return kExitOk;
  }
  std::cout << fmt::format("wrote             {}\n", flags.output)
            << fmt::format("name              {}\n", summary->name)
            << fmt::format(
                   "shape             {} layers, embedding {}, {} heads ({} KV), "
                   "feed-forward {}, vocabulary {}\n",
                   options.layers, options.embedding, options.heads, options.kv_heads,
                   options.feed_forward, summary->vocabulary_size)
            << fmt::format("types             weights {}, embedding/output {}{}\n",
                           type_text(options.weight_type), type_text(summary->output_type),
                           options.tie_output ? " (tied)" : "")
            << fmt::format("parameters        {} ({:.2f} M)\n", summary->parameters,
                           static_cast<double>(summary->parameters) / 1e6)
            << fmt::format(
                   "file size         {} bytes ({:.2f} MiB), {} tensors\n", summary->file_bytes,
                   static_cast<double>(summary->file_bytes) / (1024.0 * 1024.0), summary->tensors)
            << fmt::format("seconds           {:.2f}\n", seconds);
  return kExitOk;
}

}  // namespace

void add_model_synth_command(CLI::App& model, CommandContext& context) {
  auto flags = std::make_shared<SynthFlags>();
  auto* synth = model.add_subcommand(
      "synth",
      "write a random-weight GGUF model with a real tokenizer, loadable by llama.cpp (for tests "
      "and benchmarks)");
  synth->add_option("--preset", flags->preset, "a named shape: " + preset_list())
      ->type_name("NAME");
  synth->add_option("--arch", flags->arch, "llama or qwen2 (default llama)")->type_name("ARCH");
  synth->add_option("--vocab", flags->vocab, "a GGUF whose tokenizer.* keys are copied")
      ->required()
      ->type_name("VOCAB.gguf");
  synth->add_option("-o,--output", flags->output, "the model file to write (atomically)")
      ->required()
      ->type_name("OUT.gguf");
  synth->add_option("--layers", flags->layers, "number of transformer blocks")->type_name("N");
  synth->add_option("--embd", flags->embd, "embedding length")->type_name("N");
  synth->add_option("--heads", flags->heads, "attention heads")->type_name("N");
  synth->add_option("--kv-heads", flags->kv_heads, "key/value heads (default: --heads)")
      ->type_name("N");
  synth->add_option("--ff", flags->ff, "feed-forward length")->type_name("N");
  synth->add_option("--context", flags->context, "context length (default 4096)")->type_name("N");
  synth
      ->add_option("--type", flags->type,
                   "2-D weight type: f32, f16 (default), bf16, q8_0, q4_0, q4_k, q5_k, q6_k")
      ->type_name("TYPE");
  synth
      ->add_option("--output-type", flags->output_type,
                   "type of token_embd/output (default: --type)")
      ->type_name("TYPE");
  synth->add_flag("--tie-output", flags->tie_output,
                  "no output.weight: the logits use token_embd.weight");
  synth
      ->add_option("--rope-base", flags->rope_base,
                   "rope frequency base (default llama 10000, qwen2 1000000)")
      ->type_name("F");
  synth
      ->add_option("--rms-eps", flags->rms_eps, "RMS norm epsilon (default llama 1e-5, qwen2 1e-6)")
      ->type_name("F");
  synth->add_option("--seed", flags->seed, "random seed (default 0); same seed, same bytes")
      ->type_name("N");
  synth->add_option("--name", flags->name, "general.name (default: describes the shape)")
      ->type_name("TEXT");
  synth->add_option("--threads", flags->threads, "threads (default: one per hardware thread)")
      ->type_name("N");
  synth->add_flag("--json", flags->json, "print one JSON object");
  synth->callback([&context, flags] { context.action = [flags] { return run_synth(*flags); }; });
}

}  // namespace ward::cli
