// `ward model generate` and `ward model bench`: run a GGUF model with Ward's own engine.
//   ward model generate FILE --prompt-file P [-n N] [--temperature T --top-k K --top-p P
//        --min-p P --repeat-penalty R --seed S] [--stop S]... [--threads T] [--context C] [--json]
//     streams the continuation of the prompt (tokenised with BOS where the model adds one, and
//     with special-token texts such as <|fim_prefix|> read as those tokens, as llama.cpp's CLI
//     does); --json prints {"tokens":[…],"text":"…","stop_reason":"…",…} at the end instead.
//   ward model bench FILE [--pp 512] [--tg 64] [--threads T] [--json]
//     prompt processing and generation speed in tokens/s ({"pp_tps":…,"tg_tps":…}).

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <sys/resource.h>

#include "cli/commands.h"
#include "core/file.h"
#include "infer/model/generate.h"
#include "infer/model/session.h"

namespace ward::cli {
namespace {

using infer::model::Session;
using infer::tokenizer::TokenId;

struct GenerateCommand {
  ModelRunOptions run;
  std::string prompt_file;
  int32_t max_tokens = 128;
  int64_t time_budget_ms = 0;
  infer::sampling::SamplerOptions sampler;
  std::vector<std::string> stop;
};

struct BenchCommand {
  ModelRunOptions run;
  int32_t pp = 512;
  int32_t tg = 64;
};

int run_generate(const GenerateCommand& command) {
  auto text = core::read_file(command.prompt_file);
  if (!text) return report(text.error());
  auto session = open_model_session(command.run);
  if (!session) return report(session.error());
  const auto prompt = session->model().tokenizer().tokenize(*text, /*add_special=*/true,
                                                            /*parse_special=*/true);
  if (prompt.empty()) {
    return report(core::Error(core::Code::kInvalidArgument, command.prompt_file,
                              "the prompt is empty and the model adds no BOS token; give some "
                              "text to continue"));
  }
  infer::model::GenerateOptions options{
      .sampler = command.sampler,
      .limits = {.max_tokens = command.max_tokens,
                 .time_budget = std::chrono::milliseconds(command.time_budget_ms)},
      .stop_strings = command.stop};
  auto stream = [&](std::string_view piece) {
    if (!command.run.json) std::cout << piece << std::flush;
  };
  auto result = infer::model::generate(*session, prompt, options, stream);
  if (!result) return report(result.error());
  const auto reason = infer::sampling::stop_reason_name(result->stop_reason);
  if (command.run.json) {
    nlohmann::ordered_json out = {
        {"tokens", result->tokens},
        {"text", result->text},
        {"stop_reason", reason},
        {"prompt_tokens", result->prompt_tokens},
        {"prompt_seconds", result->prompt_seconds},
        {"generation_seconds", result->generation_seconds}};
    std::cout << out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
              << "\n";
  } else {
    std::cout << "\n";
    std::cerr << fmt::format("ward: {} prompt tokens in {:.2f} s, {} generated in {:.2f} s ({})\n",
                             result->prompt_tokens, result->prompt_seconds, result->tokens.size(),
                             result->generation_seconds, reason);
  }
  return kExitOk;
}

// A prompt of `n` ids spread over the vocabulary; `first` makes each one new to the cache.
std::vector<TokenId> bench_prompt(int32_t n, int32_t vocab, TokenId first) {
  std::vector<TokenId> ids(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) ids[static_cast<size_t>(i)] = (i * 7919 + 13) % vocab;
  ids[0] = first % vocab;
  return ids;
}

double seconds_of(const std::function<core::Status()>& work, core::Status& status) {
  const auto start = std::chrono::steady_clock::now();
  status = work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The most memory this process has had resident (Linux reports ru_maxrss in KiB).
uint64_t peak_resident_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;
}

uint64_t weight_bytes(const infer::model::Model& model) {
  uint64_t total = 0;
  for (const auto& tensor : model.file().tensors()) total += tensor.size_bytes;
  return total;
}

int run_bench(const BenchCommand& command) {
  auto session = open_model_session(command.run, command.pp + command.tg + 1);
  if (!session) return report(session.error());
  const int32_t vocab = session->model().vocab_size();
  core::Status status;
  // A first prompt faults the weights in; the second (new from its first token) is timed.
  (void)seconds_of([&]() -> core::Status {
    auto r = session->evaluate(bench_prompt(command.pp, vocab, 1));
    return r ? core::ok_status() : core::Status(r.error());
  }, status);
  if (!status) return report(status.error());
  const double pp_seconds = seconds_of([&]() -> core::Status {
    auto r = session->evaluate(bench_prompt(command.pp, vocab, 2));
    return r ? core::ok_status() : core::Status(r.error());
  }, status);
  if (!status) return report(status.error());
  const double tg_seconds = seconds_of([&]() -> core::Status {
    TokenId next = 0;
    for (int32_t i = 0; i < command.tg; ++i) {
      auto logits = session->append(next);
      if (!logits) return logits.error();
      next = static_cast<TokenId>(std::max_element(logits->begin(), logits->end()) -
                                  logits->begin());
    }
    return core::ok_status();
  }, status);
  if (!status) return report(status.error());
  const double pp_tps = command.pp / pp_seconds;
  const double tg_tps = command.tg > 0 ? command.tg / tg_seconds : 0.0;
  // Peak resident memory against what cannot be avoided: the weights (mapped in full by now)
  // and the KV cache; the rest is the engine's scratch, the tokenizer and the program.
  const uint64_t peak = peak_resident_bytes();
  const uint64_t weights = weight_bytes(session->model());
  const uint64_t kv_cache = session->kv_cache_bytes();
  const int64_t other = static_cast<int64_t>(peak) - static_cast<int64_t>(weights + kv_cache);
  if (command.run.json) {
    std::cout << nlohmann::ordered_json{{"pp_tps", pp_tps},
                                        {"tg_tps", tg_tps},
                                        {"threads", session->threads()},
                                        {"peak_resident_bytes", peak},
                                        {"weight_bytes", weights},
                                        {"kv_cache_bytes", kv_cache},
                                        {"other_resident_bytes", other}}
                     .dump()
              << "\n";
  } else {
    constexpr double kMiB = 1024.0 * 1024.0;
    std::cout << fmt::format(
        "pp{}: {:.1f} tokens/s\ntg{}: {:.1f} tokens/s\nthreads: {}\n"
        "peak resident: {:.1f} MiB = weights {:.1f} + KV cache {:.1f} + other {:.1f}\n",
        command.pp, pp_tps, command.tg, tg_tps, session->threads(), peak / kMiB, weights / kMiB,
        kv_cache / kMiB, other / kMiB);
  }
  return kExitOk;
}

void add_generate(CLI::App& model, CommandContext& context) {
  auto command = std::make_shared<GenerateCommand>();
  auto* generate = model.add_subcommand("generate", "continue a prompt with the model");
  add_model_run_options(*generate, command->run);
  generate->add_option("--prompt-file", command->prompt_file, "the prompt text")
      ->required()
      ->type_name("P");
  generate->add_option("-n,--max-tokens", command->max_tokens,
                       "tokens to generate at most (0: until the context is full)")
      ->check(CLI::NonNegativeNumber);
  generate->add_option("--time-budget-ms", command->time_budget_ms, "stop after this long (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  auto& s = command->sampler;
  generate->add_option("--temperature", s.temperature, "0 picks the likeliest token (default 0.8)");
  generate->add_option("--top-k", s.top_k, "keep the k likeliest tokens (0: off; default 40)");
  generate->add_option("--top-p", s.top_p, "keep the smallest set with this mass (default 0.95)");
  generate->add_option("--min-p", s.min_p, "drop tokens below p × the best's probability (0.05)");
  generate->add_option("--repeat-penalty", s.repeat_penalty, "penalise recent tokens (1: off)");
  generate->add_option("--seed", s.seed, "the random generator's seed");
  generate->add_option("--stop", command->stop, "text that ends generation (repeatable)");
  generate->callback([&context, command] {
    context.action = [command] { return run_generate(*command); };
  });
}

void add_bench(CLI::App& model, CommandContext& context) {
  auto command = std::make_shared<BenchCommand>();
  auto* bench = model.add_subcommand("bench", "measure prompt processing and generation speed");
  add_model_run_options(*bench, command->run);
  bench->add_option("--pp", command->pp, "prompt tokens (default 512)")->check(CLI::PositiveNumber);
  bench->add_option("--tg", command->tg, "generated tokens (default 64)")
      ->check(CLI::NonNegativeNumber);
  bench->callback([&context, command] {
    context.action = [command] { return run_bench(*command); };
  });
}

}  // namespace

void add_model_run_commands(CLI::App& model, CommandContext& context) {
  add_generate(model, context);
  add_bench(model, context);
}

}  // namespace ward::cli
