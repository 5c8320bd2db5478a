// `ward model tokenize FILE --file TEXT [--special]`: the token ids of a text file under a GGUF
// model's tokenizer, as one JSON array on stdout (no BOS or EOS; with --special, the texts of
// control tokens such as <|im_end|> become those tokens). The ids are those llama.cpp gives for
// the same vocabulary and text, which makes this the way to check what a model will be fed.

#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.h"
#include "core/file.h"
#include "infer/gguf/gguf.h"
#include "infer/tokenizer/tokenizer.h"

namespace ward::cli {
namespace {

struct TokenizeOptions {
  std::string model;
  std::string text_file;
  bool special = false;
};

int run_tokenize(const TokenizeOptions& options) {
  auto file = infer::gguf::File::open(options.model);
  if (!file) return report(file.error());
  auto tokenizer = infer::tokenizer::Tokenizer::from_gguf(*file);
  if (!tokenizer) return report(tokenizer.error());
  auto text = core::read_file(options.text_file);
  if (!text) return report(text.error());
  if (text->size() > infer::tokenizer::kMaxTextBytes) {
    return report(
        core::Error(core::Code::kInvalidArgument, options.text_file,
                    "the text is larger than the tokenizer's limit of 512 MiB; split it"));
  }
  const auto ids = tokenizer->tokenize(*text, /*add_special=*/false, options.special);
  std::cout << nlohmann::json(ids).dump() << "\n";
  return kExitOk;
}

}  // namespace

void add_model_tokenize_command(CLI::App& model, CommandContext& context) {
  auto options = std::make_shared<TokenizeOptions>();
  auto* tokenize = model.add_subcommand(
      "tokenize",
      "print the token ids of a text file as a JSON array (no BOS), as llama.cpp would");
  tokenize->add_option("file", options->model, "a .gguf model or vocabulary file")
      ->required()
      ->type_name("FILE");
  tokenize->add_option("--file", options->text_file, "the text to tokenize")
      ->required()
      ->type_name("TEXT");
  tokenize->add_flag("--special", options->special,
                     "turn the texts of control tokens (<|im_end|>, <fim_prefix> ...) into those "
                     "tokens");
  tokenize->callback(
      [&context, options] { context.action = [options] { return run_tokenize(*options); }; });
}

}  // namespace ward::cli
