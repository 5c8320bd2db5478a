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

// The greedy completion of a cursor between `code` and `suffix`, prompted as Ward's completion
// path prompts it: the prompt builder's layout (with nothing after the cursor, a continuation),
// with token healing (the cursor may sit inside what the tokenizer would make one token, as after
// `"__main__`).
std::string greedy(const std::string& code, int32_t tokens, const std::string& suffix = "") {
  const auto model = starter();
  if (model == nullptr) return "(no model)";
  auto session = Session::create(model, {.context_size = 256, .threads = 2});
  EXPECT_TRUE(session) << session.error().to_string();
  auto format = named_format(*model);
  if (!format) return "(no " + std::string(fim::kFormatMetadataKey) + ")";
  auto builder = fim::PromptBuilder::create(model->tokenizer(), *format);
  if (!builder) return "(no FIM tokens)";
  fim::Request request;
  request.prefix = code;
  request.suffix = suffix;
  request.heal_last_token = true;
  auto prompt = builder->build(request);
  EXPECT_TRUE(prompt) << prompt.error().to_string();
  if (!session || !prompt) return "(failed)";
  auto result = generate(*session, prompt->tokens,
                         {.limits = {.max_tokens = tokens}, .forced_prefix = prompt->healed_text});
  EXPECT_TRUE(result) << result.error().to_string();
  return result ? result->text : "(failed)";
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

}  // namespace
}  // namespace ward::infer::model
