// The starter model the repository ships (models/ward-starter-q8_0.gguf, what `make run` serves):
// within its size limit, describing itself (licence, fill-in-the-middle tokens and layout, the
// corpus manifest it was trained on, byte for byte), and trained: greedy completions that any code
// model gets right and random weights do not.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/file.h"
#include "crypto/hash.h"
#include "infer/fim/fim.h"
#include "infer/model/generate.h"
#include "infer/model/model.h"

namespace ward::infer::model {
namespace {

namespace fs = std::filesystem;

const fs::path kModels = fs::path(WARD_SOURCE_DIR) / "models";
const fs::path kStarter = kModels / "ward-starter-q8_0.gguf";

std::string metadata_string(const Model& model, std::string_view key) {
  const gguf::Value* value = model.file().find(key);
  if (value == nullptr) return "(absent)";
  auto text = value->as_string();
  return text ? std::string(*text) : "(not a string)";
}

// The FIM layout the model file names (fim::kFormatMetadataKey), which Ward's embedded backend
// uses for it.
core::Result<fim::Format> named_format(const Model& model) {
  return fim::parse_format(metadata_string(model, fim::kFormatMetadataKey));
}

std::shared_ptr<const Model> starter() {
  static const auto model = [] {
    auto loaded = Model::load(kStarter.string());
    EXPECT_TRUE(loaded) << loaded.error().to_string();
    return loaded ? *loaded : nullptr;
  }();
  return model;
}

TEST(StarterModel, FitsItsSizeLimitAndDescribesItself) {
  ASSERT_TRUE(fs::exists(kStarter)) << kStarter;
  EXPECT_LE(fs::file_size(kStarter), 64u << 20) << "the repository ships at most 64 MiB";
  const auto model = starter();
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(metadata_string(*model, "general.architecture"), "llama");
  EXPECT_EQ(metadata_string(*model, "general.license"), "Apache-2.0");
  EXPECT_TRUE(fim::PromptBuilder::create(model->tokenizer()))
      << "completion needs the fill-in-the-middle tokens";
  auto format = named_format(*model);
  ASSERT_TRUE(format) << format.error().to_string();
  EXPECT_EQ(*format, fim::Format::kStarCoderSpm)
      << "it fills in far better suffix first (models/README.md)";

  auto manifest = core::read_file((kModels / "ward-starter-corpus.json").string());
  ASSERT_TRUE(manifest) << manifest.error().to_string();
  EXPECT_EQ(metadata_string(*model, "ward.corpus.manifest_sha256"),
            crypto::to_hex(crypto::sha256(*manifest)))
      << "models/ward-starter-corpus.json must be the manifest the model was trained on";
}

// A cursor between `code` and `suffix`, prompted as Ward's completion path prompts it: the
// prompt builder's layout (with nothing after the cursor, a continuation), with token healing
// (the cursor may sit inside what the tokenizer would make one token, as after `"__main__`).
fim::Prompt prompt_at(const std::string& code, const std::string& suffix = "") {
  const auto model = starter();
  if (model == nullptr) return {};
  auto format = named_format(*model);
  EXPECT_TRUE(format) << "no " << fim::kFormatMetadataKey;
  auto builder = fim::PromptBuilder::create(model->tokenizer(), format ? *format : fim::Format{});
  EXPECT_TRUE(builder) << "no FIM tokens";
  if (!format || !builder) return {};
  fim::Request request;
  request.prefix = code;
  request.suffix = suffix;
  request.heal_last_token = true;
  auto prompt = builder->build(request);
  EXPECT_TRUE(prompt) << prompt.error().to_string();
  return prompt ? std::move(*prompt) : fim::Prompt{};
}

GenerateResult complete(const fim::Prompt& prompt, GenerateOptions options,
                        std::string* streamed = nullptr) {
  auto session = Session::create(starter(), {.context_size = 256, .threads = 2});
  EXPECT_TRUE(session) << session.error().to_string();
  if (!session || prompt.tokens.empty()) return {};
  options.forced_prefix = prompt.healed_text;
  auto result = generate(*session, prompt.tokens, options, [&](std::string_view text) {
    if (streamed != nullptr) streamed->append(text);
  });
  EXPECT_TRUE(result) << result.error().to_string();
  return result ? std::move(*result) : GenerateResult{};
}

std::string greedy(const std::string& code, int32_t tokens, const std::string& suffix = "") {
  return complete(prompt_at(code, suffix), {.limits = {.max_tokens = tokens}}).text;
}

TEST(StarterModel, CompletesWhatAnyCodeModelCompletes) {
  const std::string python =
      greedy("import sys\n\n\ndef main():\n    print(sys.argv)\n\n\nif __name__ == \"__main__", 4);
  EXPECT_EQ(python.substr(0, 3), "\":\n") << python;
  const std::string c = greedy(
      "#include <stdio.h>\n\nint main(int argc, char **argv) {\n    printf(\"hello\\n\");\n"
      "    return",
      6);
  EXPECT_EQ(c.substr(0, 5), " 0;\n}") << c;
}

// Filling in suffix first, in the layout the file names: the module the code after the cursor
// uses, which the prefix alone does not give.
TEST(StarterModel, FillsInTheMiddleFromTheSuffix) {
  const std::string middle =
      greedy("import", 4, "\n\n\ndef main():\n    for arg in sys.argv[1:]:\n        print(arg)\n");
  EXPECT_EQ(middle.substr(0, 4), " sys") << middle;
  EXPECT_NE(greedy("import", 4).substr(0, 4), " sys");
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

// The likeliest first line rather than the line of the likeliest first token, as Ward's
// completion path asks (GenerateOptions::line_beams): idioms that greedy decoding misses because
// a memorised or rambling line starts with a likelier token.
TEST(StarterModel, LineSearchWritesIdiomsGreedyDecodingMisses) {
  const auto main_guard = prompt_at("if __name__ == '__main__':\n    ");
  const auto read_file = prompt_at(
      "import os\nimport sys\n\n\ndef read_config(path):\n    with open(path) as f:\n        ");
  for (const auto* prompt : {&main_guard, &read_file}) {
    const std::string greedy_line =
        first_line(complete(*prompt, {.limits = {.max_tokens = 24}}).text);
    const std::string searched =
        first_line(complete(*prompt, {.limits = {.max_tokens = 24}, .line_beams = 3}).text);
    EXPECT_NE(greedy_line, searched);
    EXPECT_TRUE(searched == "main()" || searched == "return f.read()") << searched;
  }
}

// At the start of a line the search's likeliest line is often blank, which the editor cannot show
// as a suggestion: asked for text (the cursor on an empty line, as Ward's completion path asks
// there), it finds the likeliest line that has some.
TEST(StarterModel, ASearchForTextPassesOverBlankLines) {
  const auto after_print =
      prompt_at("import os\nimport sys\n\n\ndef main():\n    print(sys.argv)\n");
  const std::string searched =
      first_line(complete(after_print, {.limits = {.max_tokens = 24}, .line_beams = 3}).text);
  EXPECT_EQ(searched, "") << "the search no longer ends on a blank line here; choose a prompt "
                             "where it does";
  const std::string with_text = first_line(
      complete(after_print,
               {.limits = {.max_tokens = 24}, .line_beams = 3, .first_line = {.needs_text = true}})
          .text);
  EXPECT_NE(with_text.find_first_not_of(" \t"), std::string::npos) << with_text;
}

// A small model often repeats the line above, which code seldom does: told which line that is
// (as Ward's completion path does on an empty line), the search finds another.
TEST(StarterModel, ASearchToldTheLineAboveDoesNotRepeatIt) {
  const std::string above = "from typing import List";
  const auto after_imports = prompt_at("import os\nimport sys\n" + above + "\n");
  const GenerateOptions options{.limits = {.max_tokens = 24}, .line_beams = 3,
                                .first_line = {.needs_text = true}};
  EXPECT_EQ(first_line(complete(after_imports, options).text), above)
      << "the search no longer repeats the line above here; choose a prompt where it does";
  GenerateOptions told = options;
  told.first_line.differs_from = "  from typing  import List ";  // whitespace aside, the same
  const std::string other = first_line(complete(after_imports, told).text);
  std::string visible;
  for (char c : other) {
    if (c != ' ' && c != '\t') visible += c;
  }
  EXPECT_NE(visible, "fromtypingimportList") << other;
  EXPECT_NE(other.find_first_not_of(" \t"), std::string::npos) << other;
  EXPECT_TRUE(other.starts_with("import ") || other.starts_with("from ")) << other;
}

// After the searched line, generation goes on greedily, as if the line had been in the prompt;
// the streamed text is the result's.
TEST(StarterModel, GenerationGoesOnGreedilyAfterTheSearchedLine) {
  const auto prompt = prompt_at(
      "class Stack:\n    def __init__(self):\n        self.items = []\n\n"
      "    def push(self, item):\n        ");
  std::string streamed;
  const auto searched =
      complete(prompt, {.limits = {.max_tokens = 32}, .line_beams = 3}, &streamed);
  EXPECT_EQ(streamed, searched.text);
  // The line's tokens: up to the first whose text, past the healed text, holds a newline.
  const auto& vocabulary = starter()->tokenizer();
  std::string text;
  size_t line_tokens = 0;
  while (line_tokens < searched.tokens.size() &&
         text.find('\n', prompt.healed_text.size()) == std::string::npos) {
    auto piece = vocabulary.token_to_piece(searched.tokens[line_tokens++]);
    if (piece) text += *piece;
  }
  ASSERT_LT(line_tokens, searched.tokens.size()) << "no line ended in " << searched.text;
  fim::Prompt with_line = prompt;
  with_line.tokens.insert(with_line.tokens.end(), searched.tokens.begin(),
                          searched.tokens.begin() + static_cast<ptrdiff_t>(line_tokens));
  with_line.healed_text.clear();
  const auto rest =
      complete(with_line, {.limits = {.max_tokens = static_cast<int32_t>(32 - line_tokens)}});
  EXPECT_EQ(rest.tokens, std::vector<tokenizer::TokenId>(
                             searched.tokens.begin() + static_cast<ptrdiff_t>(line_tokens),
                             searched.tokens.end()));
}

}  // namespace
}  // namespace ward::infer::model
