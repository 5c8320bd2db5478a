// `ward model perplexity MODEL FILE... [--context N] [--max-tokens N] [--threads T] [--json]`:
// how well a GGUF model predicts text files, with Ward's own engine (infer/model/score.h: plain
// text, chunks of the context each starting with BOS, every text token scored). For each file
// and over all of them: tokens and bytes scored, total nats, nats and bits per token, bits per
// byte and perplexity; an aligned table, or with --json one object
// {"model":…,"context":…,"files":[{"file":…,…}],"total":{…}}.
//
// Every file is read and tokenised before any is scored, so that a missing, empty or oversized
// file is reported (exit 1) before minutes of scoring. A file that is not valid UTF-8 is scored
// as the tokenizer reads it, over all its bytes (score.h).

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/file.h"
#include "infer/model/score.h"
#include "infer/model/session.h"

namespace ward::cli {
namespace {

using infer::model::Session;
using infer::model::TextScore;
using infer::model::TextTokens;

// Texts larger than this are refused: scoring goes token by token, so a bigger file would take
// hours on a CPU, and its tokens are held in memory while the others are scored.
constexpr uintmax_t kMaxFileBytes = uintmax_t{64} << 20;

struct PerplexityCommand {
  ModelRunOptions run;
  std::vector<std::string> files;
  int64_t max_tokens = 0;
};

struct ScoredFile {
  std::string file;
  TextScore score;
};

core::Error file_error(const std::string& file, std::string message) {
  return core::Error(core::Code::kInvalidArgument, file, std::move(message));
}

// The file's text; one over kMaxFileBytes is refused before it is read.
core::Result<std::string> read_bounded(const std::string& file) {
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(file, error);
  if (!error && size > kMaxFileBytes) {
    return file_error(file, fmt::format("the file has {} bytes, over the limit of 64 MiB ({} "
                                        "bytes); split it into smaller files",
                                        size, kMaxFileBytes));
  }
  return core::read_file(file);  // names a missing or unreadable file and the fix
}

// The scoring tokens of one file, errors naming the file.
core::Result<TextTokens> tokens_of_file(const std::string& file, const Session& session,
                                        int64_t max_tokens) {
  auto text = read_bounded(file);
  if (!text) return text.error();
  if (text->empty()) {
    return file_error(file, "the file is empty; give a file with some text to score");
  }
  auto tokens = infer::model::text_tokens(session.model().tokenizer(), *text, max_tokens);
  if (!tokens) return file_error(file, tokens.error().message());
  return tokens;
}

nlohmann::ordered_json score_json(const TextScore& score) {
  return {{"tokens", score.tokens},
          {"bytes", score.bytes},
          {"nats", score.nats},
          {"nats_per_token", score.nats_per_token()},
          {"bits_per_token", score.bits_per_token()},
          {"bits_per_byte", score.bits_per_byte()},
          {"perplexity", score.perplexity()}};
}

void print_json(const PerplexityCommand& command, const Session& session,
                const std::vector<ScoredFile>& files, const TextScore& total) {
  nlohmann::ordered_json out = {{"model", command.run.model},
                                {"context", session.context_size()},
                                {"files", nlohmann::ordered_json::array()}};
  for (const auto& scored : files) {
    nlohmann::ordered_json entry = {{"file", scored.file}};
    entry.update(score_json(scored.score));
    out["files"].push_back(std::move(entry));
  }
  out["total"] = score_json(total);
  std::cout << out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

std::string table_row(std::string_view name, size_t name_width, const TextScore& score) {
  return fmt::format(
      "{:<{}}  {:>9}  {:>10}  {:>12.3f}  {:>10.4f}  {:>10.4f}  {:>9.4f}  {:>10.3f}\n", name,
      name_width, score.tokens, score.bytes, score.nats, score.nats_per_token(),
      score.bits_per_token(), score.bits_per_byte(), score.perplexity());
}

void print_table(const std::vector<ScoredFile>& files, const TextScore& total) {
  size_t name_width = std::string_view("total").size();
  for (const auto& scored : files) name_width = std::max(name_width, scored.file.size());
  std::cout << fmt::format("{:<{}}  {:>9}  {:>10}  {:>12}  {:>10}  {:>10}  {:>9}  {:>10}\n", "file",
                           name_width, "tokens", "bytes", "nats", "nats/token", "bits/token",
                           "bits/byte", "perplexity");
  for (const auto& scored : files) std::cout << table_row(scored.file, name_width, scored.score);
  std::cout << table_row("total", name_width, total);
}

int run_perplexity(const PerplexityCommand& command) {
  auto session = open_model_session(command.run);
  if (!session) return report(session.error());
  if (session->context_size() < 2) {
    return report(core::Error(core::Code::kInvalidArgument, "--context",
                              "a context of 1 token leaves none to score (the first of each chunk "
                              "is context only); give at least 2"));
  }
  std::vector<TextTokens> texts;
  for (const auto& file : command.files) {
    auto tokens = tokens_of_file(file, *session, command.max_tokens);
    if (!tokens) return report(tokens.error());
    texts.push_back(std::move(*tokens));
  }
  std::vector<ScoredFile> scored;
  TextScore total;
  for (size_t i = 0; i < texts.size(); ++i) {
    auto score = infer::model::score_text(*session, texts[i]);
    if (!score) return report(score.error());
    total += *score;
    scored.push_back({command.files[i], *score});
  }
  if (command.run.json) {
    print_json(command, *session, scored, total);
  } else {
    print_table(scored, total);
  }
  return kExitOk;
}

}  // namespace

void add_model_perplexity_command(CLI::App& model, CommandContext& context) {
  auto command = std::make_shared<PerplexityCommand>();
  auto* perplexity = model.add_subcommand(
      "perplexity", "measure how well the model predicts text files (bits per byte, perplexity)");
  add_model_run_options(*perplexity, command->run);
  perplexity->add_option("texts", command->files, "text files to score (64 MiB each at most)")
      ->required()
      ->type_name("FILE...");
  perplexity->get_option("--context")
      ->description(
          "tokens per scored chunk, BOS included (default: the model's context, at most 4096)");
  perplexity
      ->add_option("--max-tokens", command->max_tokens,
                   "score only each file's first N tokens (0: all)")
      ->check(CLI::NonNegativeNumber);
  perplexity->callback(
      [&context, command] { context.action = [command] { return run_perplexity(*command); }; });
}

}  // namespace ward::cli
