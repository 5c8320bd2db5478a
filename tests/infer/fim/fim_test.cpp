// FIM prompts on real vocabularies, checked against llama.cpp's tokenization of the same prompt
// text with special tokens parsed (run live, see llama_cpp_oracle.h): the StarCoder2 and
// DeepSeek-Coder fixtures, and three vocabularies made here from fixtures because none ships in
// ../shared/fixtures: Qwen2.5-Coder's (the qwen2 vocabulary, whose ids 151659-151664 Qwen2.5
// uses for its FIM tokens), CodeLlama's (Llama 2's plus ▁<PRE> ▁<SUF> ▁<MID> ▁<EOT> at ids
// 32007-32010, as CodeLlama has them) and a Codestral-style one (Llama 2's plus [PREFIX],
// [SUFFIX], [MIDDLE]). Also format detection, markup in user text, and token-budget cuts.

#include "infer/fim/fim.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>

#include "infer/fim/llama_cpp_oracle.h"
#include "infer/gguf/gguf.h"
#include "infer/gguf/writer.h"
#include "infer/tokenizer/tokenizer.h"
#include "support/test_support.h"

namespace ward::infer::fim {
namespace {

namespace fs = std::filesystem;
using gguf::ValueType;
using test::OracleRequest;
using tokenizer::Tokenizer;

const std::string kPre = "\xE2\x96\x81<PRE>";  // ▁<PRE>
const std::string kSuf = "\xE2\x96\x81<SUF>";
const std::string kMid = "\xE2\x96\x81<MID>";
const std::string kDsBegin =
    "<\xEF\xBD\x9C"
    "fim\xE2\x96\x81"
    "begin\xEF\xBD\x9C>";
const std::string kDsHole =
    "<\xEF\xBD\x9C"
    "fim\xE2\x96\x81"
    "hole\xEF\xBD\x9C>";
const std::string kDsEnd =
    "<\xEF\xBD\x9C"
    "fim\xE2\x96\x81"
    "end\xEF\xBD\x9C>";

// Copies one metadata value into `writer`, keeping its type (llama.cpp checks key types).
void copy_value(const gguf::Value& value, gguf::Writer& writer) {
  const std::string& key = value.key();
  switch (value.type()) {
    case ValueType::kUint8:
      writer.set_uint8(key, static_cast<uint8_t>(*value.as_uint()));
      break;
    case ValueType::kInt8:
      writer.set_int8(key, static_cast<int8_t>(*value.as_int()));
      break;
    case ValueType::kUint16:
      writer.set_uint16(key, static_cast<uint16_t>(*value.as_uint()));
      break;
    case ValueType::kInt16:
      writer.set_int16(key, static_cast<int16_t>(*value.as_int()));
      break;
    case ValueType::kUint32:
      writer.set_uint32(key, static_cast<uint32_t>(*value.as_uint()));
      break;
    case ValueType::kInt32:
      writer.set_int32(key, static_cast<int32_t>(*value.as_int()));
      break;
    case ValueType::kUint64:
      writer.set_uint64(key, *value.as_uint());
      break;
    case ValueType::kInt64:
      writer.set_int64(key, *value.as_int());
      break;
    case ValueType::kFloat32:
      writer.set_float32(key, static_cast<float>(*value.as_float()));
      break;
    case ValueType::kFloat64:
      writer.set_float64(key, *value.as_float());
      break;
    case ValueType::kBool:
      writer.set_bool(key, *value.as_bool());
      break;
    case ValueType::kString:
      writer.set_string(key, *value.as_string());
      break;
    case ValueType::kArray:
      if (value.element_type() == ValueType::kString) {
        const auto strings = *value.as_strings();
        writer.set_array(key, std::span<const std::string_view>(strings));
      } else if (value.element_type() == ValueType::kFloat32) {
        const auto floats = *value.as_floats();
        writer.set_array(key, std::span<const float>(floats));
      } else if (value.element_type() == ValueType::kInt32) {
        const auto values = value.as_ints();
        const std::vector<int32_t> ints(values->begin(), values->end());
        writer.set_array(key, std::span<const int32_t>(ints));
      } else {
        ADD_FAILURE() << "no copy for the array " << key;
      }
      break;
  }
}

// A vocabulary-only GGUF made from a fixture: its metadata with tokens renamed or appended
// (token type control) and optionally add_space_prefix set.
struct Variant {
  std::string fixture;
  std::map<int32_t, std::string> control_tokens;  // id -> text; ids past the end are appended
  std::optional<bool> add_space_prefix;
};

fs::path write_variant(const Variant& variant, const fs::path& path) {
  auto file = gguf::File::open(test::fixture(variant.fixture));
  EXPECT_TRUE(file) << file.error().to_string();
  const auto texts = file->find("tokenizer.ggml.tokens")->as_strings();
  std::vector<std::string> tokens(texts->begin(), texts->end());
  const auto type_values = file->find("tokenizer.ggml.token_type")->as_ints();
  std::vector<int32_t> types(type_values->begin(), type_values->end());
  std::vector<float> scores;
  if (const gguf::Value* value = file->find("tokenizer.ggml.scores")) scores = *value->as_floats();
  for (const auto& [id, text] : variant.control_tokens) {
    while (static_cast<int32_t>(tokens.size()) <= id) {
      tokens.push_back("<unused" + std::to_string(tokens.size()) + ">");
      types.push_back(5);  // unused
      if (!scores.empty()) scores.push_back(0.0f);
    }
    tokens[id] = text;
    types[id] = 3;  // control
  }
  gguf::Writer writer;
  for (const gguf::Value& value : file->metadata()) copy_value(value, writer);
  writer.set_array("tokenizer.ggml.tokens", std::span<const std::string>(tokens));
  writer.set_array("tokenizer.ggml.token_type", std::span<const int32_t>(types));
  if (!scores.empty()) writer.set_array("tokenizer.ggml.scores", std::span<const float>(scores));
  if (variant.add_space_prefix) {
    writer.set_bool("tokenizer.ggml.add_space_prefix", *variant.add_space_prefix);
  }
  auto status = writer.write(path);
  EXPECT_TRUE(status) << status.error().to_string();
  return path;
}

Tokenizer load(const fs::path& path) {
  auto file = gguf::File::open(path);
  EXPECT_TRUE(file) << file.error().to_string();
  auto tokenizer = Tokenizer::from_gguf(*file);
  EXPECT_TRUE(tokenizer) << tokenizer.error().to_string();
  return std::move(*tokenizer);
}

// The test vocabularies, written once for the whole suite.
class InferFimVocabularies : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    qwen_ = write_variant({"vocab/ggml-vocab-qwen2.gguf",
                           {{151659, "<|fim_prefix|>"},
                            {151660, "<|fim_middle|>"},
                            {151661, "<|fim_suffix|>"},
                            {151662, "<|fim_pad|>"},
                            {151663, "<|repo_name|>"},
                            {151664, "<|file_sep|>"}},
                           std::nullopt},
                          *dir_ / "qwen2.5-coder.gguf");
    const std::map<int32_t, std::string> codellama = {{32007, kPre},
                                                      {32008, kSuf},
                                                      {32009, kMid},
                                                      {32010, "\xE2\x96\x81<EOT>"},
                                                      {32015, "<unused32015>"}};
    codellama_ = write_variant({"vocab/ggml-vocab-llama-spm.gguf", codellama, std::nullopt},
                               *dir_ / "codellama.gguf");
    codellama_no_space_ = write_variant({"vocab/ggml-vocab-llama-spm.gguf", codellama, false},
                                        *dir_ / "codellama-no-space-prefix.gguf");
    codestral_ = write_variant({"vocab/ggml-vocab-llama-spm.gguf",
                                {{32000, "[PREFIX]"}, {32001, "[SUFFIX]"}, {32002, "[MIDDLE]"}},
                                std::nullopt},
                               *dir_ / "codestral.gguf");
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static PromptBuilder builder(const fs::path& vocab, std::optional<Format> format = {}) {
    auto created = PromptBuilder::create(load(vocab), format);
    EXPECT_TRUE(created) << created.error().to_string();
    return std::move(*created);
  }

  static inline test::TempDir* dir_ = nullptr;
  static inline fs::path qwen_, codellama_, codellama_no_space_, codestral_;
};

fs::path fixture_vocab(const std::string& name) {
  return test::fixture("vocab/ggml-vocab-" + name + ".gguf");
}

const std::string kPrefix =
    "import math\n\n\ndef area(radius: float) -> float:\n    \"\"\"Circle area, \xC3\xA0 la "
    "\xCF\x80r\xC2\xB2.\"\"\"\n    return ";
const std::string kSuffix = "\n\n\nprint(area(2.0))  # \xE2\x9C\x93 12.566\n";

TEST_F(InferFimVocabularies, DetectsEachLayoutFromTheVocabulary) {
  EXPECT_EQ(builder(qwen_).format(), Format::kQwen);
  EXPECT_EQ(builder(fixture_vocab("starcoder")).format(), Format::kStarCoder);
  EXPECT_EQ(builder(fixture_vocab("deepseek-coder")).format(), Format::kDeepSeek);
  EXPECT_EQ(builder(codellama_).format(), Format::kCodeLlama);
  EXPECT_EQ(builder(codestral_).format(), Format::kCodestral);
  // Refact's vocabulary uses StarCoder's markup.
  EXPECT_EQ(builder(fixture_vocab("refact")).format(), Format::kStarCoder);

  const auto starcoder = builder(fixture_vocab("starcoder"));
  EXPECT_EQ(starcoder.markers().prefix, 1);
  EXPECT_EQ(starcoder.markers().middle, 2);
  EXPECT_EQ(starcoder.markers().suffix, 3);
  EXPECT_EQ(starcoder.markers().repository, 5);
  EXPECT_EQ(starcoder.markers().file_separator, 6);
  const auto qwen = builder(qwen_);
  EXPECT_EQ(qwen.markers().prefix, 151659);
  EXPECT_EQ(qwen.markers().repository, 151663);
  EXPECT_EQ(builder(codellama_).markers().file_separator, tokenizer::kNoToken);
}

TEST_F(InferFimVocabularies, VocabularyWithoutFimTokensIsAClearError) {
  for (const char* name : {"llama-spm", "qwen2", "gpt-2"}) {
    auto created = PromptBuilder::create(load(fixture_vocab(name)));
    ASSERT_FALSE(created) << name;
    EXPECT_EQ(created.error().code(), core::Code::kInvalidArgument);
    EXPECT_EQ(created.error().where(), "fim");
    EXPECT_EQ(created.error().message(),
              "the vocabulary has no fill-in-the-middle tokens (no tokenizer.ggml.fim_pre_token_id "
              "and no token such as <|fim_prefix|>, <fim_prefix>, " +
                  kPre + ", " + kDsBegin +
                  " or [PREFIX]); use a code model trained for fill-in-the-middle");
  }
  // An explicit format the vocabulary cannot serve names the missing token.
  auto wrong = PromptBuilder::create(load(qwen_), Format::kCodeLlama);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().message(),
            "the codellama format needs the token " + kPre + ", which this vocabulary lacks");
}

TEST(InferFimFormat, NamesParseAndUnknownNamesFail) {
  for (Format format : {Format::kQwen, Format::kStarCoder, Format::kStarCoderSpm,
                        Format::kCodeLlama, Format::kDeepSeek, Format::kCodestral}) {
    EXPECT_EQ(*parse_format(format_name(format)), format);
  }
  EXPECT_EQ(*parse_format("starcoder2"), Format::kStarCoder);
  EXPECT_EQ(*parse_format("qwen2.5-coder"), Format::kQwen);
  EXPECT_EQ(*parse_format("deepseek-coder"), Format::kDeepSeek);
  auto bad = parse_format("santa");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().where(), "fim format");
  EXPECT_EQ(bad.error().message(),
            "unknown fill-in-the-middle format 'santa'; use qwen, starcoder, starcoder-spm, "
            "codellama, deepseek or codestral");
}

// One prompt checked against llama.cpp: the builder's tokens must equal BOS (where the vocabulary
// adds one), then llama.cpp's ids for each of the case's oracle requests in order, then
// `trailing_id` if any.
struct OracleCase {
  std::string name;
  fs::path vocab;
  Request request;
  std::vector<OracleRequest> pieces;
  std::optional<int32_t> trailing_id;  // an id appended after the pieces (CodeLlama's ▁<MID>)
};

void expect_matches_llama_cpp(const std::vector<OracleCase>& cases,
                              const std::function<PromptBuilder(const fs::path&)>& make) {
  std::vector<OracleRequest> requests;
  for (const auto& c : cases) requests.insert(requests.end(), c.pieces.begin(), c.pieces.end());
  const auto ids = test::llama_cpp_tokenize(requests);
  ASSERT_EQ(ids.size(), requests.size());
  size_t next = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Tokenizer tokenizer = load(c.vocab);
    std::vector<TokenId> expected;
    if (tokenizer.special_tokens().add_bos) expected.push_back(tokenizer.special_tokens().bos);
    for (size_t i = 0; i < c.pieces.size(); ++i, ++next) {
      expected.insert(expected.end(), ids[next].begin(), ids[next].end());
    }
    if (c.trailing_id) expected.push_back(*c.trailing_id);
    auto prompt = make(c.vocab).build(c.request);
    ASSERT_TRUE(prompt) << prompt.error().to_string();
    EXPECT_EQ(prompt->tokens, expected);
    EXPECT_EQ(prompt->prefix_bytes_dropped, 0u);
    EXPECT_EQ(prompt->suffix_bytes_dropped, 0u);
  }
}

TEST_F(InferFimVocabularies, PromptsMatchLlamaCppTokenizingTheLayoutText) {
  Request plain{kPrefix, kSuffix, "", "", {}, 0};
  Request repo = plain;
  repo.path = "geometry/circle.py";
  repo.repository = "ward-demo";
  repo.related_files = {{"geometry/__init__.py", "from .circle import area\n"},
                        {"README.md", "# Geometry\nHelpers for circles."}};
  const fs::path starcoder = fixture_vocab("starcoder");
  const fs::path deepseek = fixture_vocab("deepseek-coder");
  const auto special = [](const fs::path& vocab, std::string text) {
    return OracleRequest{vocab, std::move(text), true};
  };
  std::vector<OracleCase> cases = {
      {"qwen",
       qwen_,
       plain,
       {special(qwen_, "<|fim_prefix|>" + kPrefix + "<|fim_suffix|>" + kSuffix + "<|fim_middle|>")},
       {}},
      {"qwen repository",
       qwen_,
       repo,
       {special(qwen_,
                "<|repo_name|>ward-demo\n<|file_sep|>geometry/__init__.py\nfrom .circle "
                "import area\n<|file_sep|>README.md\n# Geometry\nHelpers for circles.\n"
                "<|file_sep|>geometry/circle.py\n<|fim_prefix|>" +
                    kPrefix + "<|fim_suffix|>" + kSuffix + "<|fim_middle|>")},
       {}},
      {"starcoder",
       starcoder,
       plain,
       {special(starcoder, "<fim_prefix>" + kPrefix + "<fim_suffix>" + kSuffix + "<fim_middle>")},
       {}},
      {"starcoder repository",
       starcoder,
       repo,
       {special(starcoder,
                "<repo_name>ward-demo<file_sep>geometry/__init__.py\nfrom .circle import "
                "area\n<file_sep>README.md\n# Geometry\nHelpers for circles."
                "<file_sep>geometry/circle.py\n<fim_prefix>" +
                    kPrefix + "<fim_suffix>" + kSuffix + "<fim_middle>")},
       {}},
      // No repository tokens: the path, name and related files are left out.
      {"deepseek",
       deepseek,
       repo,
       {special(deepseek, kDsBegin + kPrefix + kDsHole + kSuffix + kDsEnd)},
       {}},
      {"codestral",
       codestral_,
       plain,
       {special(codestral_, "[SUFFIX]" + kSuffix + "[PREFIX]" + kPrefix)},
       {}},
      // <PRE> {prefix} <SUF>{suffix} <MID>: the suffix as llama.cpp tokenizes it without the
      // space prefix (the same vocabulary with add_space_prefix false).
      {"codellama",
       codellama_,
       plain,
       {special(codellama_, kPre + kPrefix + kSuf),
        OracleRequest{codellama_no_space_, kSuffix, false}},
       32009},
  };
  expect_matches_llama_cpp(cases, [](const fs::path& vocab) { return builder(vocab); });

  auto deepseek_prompt = builder(deepseek).build(repo);
  ASSERT_TRUE(deepseek_prompt);
  EXPECT_FALSE(deepseek_prompt->repository_context);
  EXPECT_EQ(deepseek_prompt->related_files_used, 0u);
  auto qwen_prompt = builder(qwen_).build(repo);
  ASSERT_TRUE(qwen_prompt);
  EXPECT_TRUE(qwen_prompt->repository_context);
  EXPECT_EQ(qwen_prompt->related_files_used, 2u);
}

// StarCoder's suffix-first order is never detected (the vocabulary is the same); named, it puts
// both markers first and the prefix last, so that the middle goes on from the prefix.
TEST_F(InferFimVocabularies, StarCoderSuffixFirstMatchesLlamaCppTokenizingTheLayoutText) {
  const fs::path starcoder = fixture_vocab("starcoder");
  EXPECT_EQ(builder(starcoder).format(), Format::kStarCoder);
  Request plain{kPrefix, kSuffix, "", "", {}, 0};
  Request with_path = plain;
  with_path.path = "geometry/circle.py";
  const auto special = [&](std::string text) {
    return OracleRequest{starcoder, std::move(text), true};
  };
  expect_matches_llama_cpp(
      {{"plain",
        starcoder,
        plain,
        {special("<fim_prefix><fim_suffix>" + kSuffix + "<fim_middle>" + kPrefix)},
        {}},
       {"path",
        starcoder,
        with_path,
        {special("<file_sep>geometry/circle.py\n<fim_prefix><fim_suffix>" + kSuffix +
                 "<fim_middle>" + kPrefix)},
        {}}},
      [](const fs::path& vocab) { return builder(vocab, Format::kStarCoderSpm); });

  // Healing an indentation: the prompt ends in the prefix and the newline's token, where the
  // generation goes on, as with the markers last.
  Request indented{"def f():\n    ", "\n    return 1\n", "", "", {}, 0};
  indented.heal_last_token = true;
  const PromptBuilder psm_builder = builder(starcoder);
  auto spm = builder(starcoder, Format::kStarCoderSpm).build(indented);
  auto psm = psm_builder.build(indented);
  ASSERT_TRUE(spm && psm);
  EXPECT_EQ(spm->healed_text, psm->healed_text);
  const auto middle_at =
      std::find(psm->tokens.begin(), psm->tokens.end(), psm_builder.markers().middle);
  ASSERT_NE(middle_at, psm->tokens.end());
  const std::vector<TokenId> psm_tail(middle_at + 1, psm->tokens.end());  // the newline's token
  ASSERT_FALSE(psm_tail.empty());
  EXPECT_TRUE(std::equal(psm_tail.rbegin(), psm_tail.rend(), spm->tokens.rbegin()));
  EXPECT_EQ(spm->tokens.size(), psm->tokens.size());
}

// With nothing but whitespace after the cursor the prompt is the file read left to right: the
// path line, then the prefix, with no FIM markers (PromptBuilder::is_continuation).
TEST_F(InferFimVocabularies, EmptyPartsAPathWithoutRepositoryAndContinuations) {
  const fs::path starcoder = fixture_vocab("starcoder");
  std::vector<OracleCase> cases = {
      {"qwen path only",
       qwen_,
       Request{"x = ", "1\n", "a.py", "", {}, 0},
       {{qwen_, "<|file_sep|>a.py\n<|fim_prefix|>x = <|fim_suffix|>1\n<|fim_middle|>", true}},
       {}},
      {"starcoder empty",
       starcoder,
       Request{"", "", "", "", {}, 0},
       {{starcoder, "<fim_prefix><fim_suffix><fim_middle>", true}},
       {}},
      {"starcoder empty prefix",
       starcoder,
       Request{"", "x = 1\n", "", "", {}, 0},
       {{starcoder, "<fim_prefix><fim_suffix>x = 1\n<fim_middle>", true}},
       {}},
      {"qwen continuation with a path",
       qwen_,
       Request{"x = ", "", "a.py", "", {}, 0},
       {{qwen_, "<|file_sep|>a.py\nx = ", true}},
       {}},
      {"starcoder continuation, blank suffix",
       starcoder,
       Request{"def f(x):\n    return x", "\n  \n", "a.py", "", {}, 0},
       {{starcoder, "<file_sep>a.py\ndef f(x):\n    return x", true}},
       {}},
      {"codellama continuation",
       codellama_,
       Request{"int main() {", "", "", "", {}, 0},
       {{codellama_, "int main() {", false}},
       {}},
  };
  expect_matches_llama_cpp(cases, [](const fs::path& vocab) { return builder(vocab); });
}

TEST_F(InferFimVocabularies, MarkupInUserTextStaysText) {
  // Code that mentions the markers: each prompt has exactly one of each marker, and the user's
  // text is tokenized as llama.cpp does with special tokens not parsed.
  struct Case {
    fs::path vocab;
    std::string markup;  // all of the format's marker texts
  };
  const std::vector<Case> cases = {
      {qwen_, "<|fim_prefix|><|fim_suffix|><|fim_middle|><|file_sep|><|repo_name|>"},
      {fixture_vocab("starcoder"), "<fim_prefix><fim_suffix><fim_middle><file_sep>"},
      {fixture_vocab("deepseek-coder"), kDsBegin + kDsHole + kDsEnd},
      {codestral_, "[PREFIX][SUFFIX][MIDDLE]"},
      {codellama_, kPre + kSuf + kMid},
  };
  std::vector<OracleRequest> requests;
  for (const Case& c : cases) {
    requests.push_back({c.vocab, "s = '" + c.markup + "'\n", false});
  }
  const auto ids = test::llama_cpp_tokenize(requests);
  ASSERT_EQ(ids.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].vocab.filename().string());
    const auto b = builder(cases[i].vocab);
    auto prompt = b.build(Request{"s = '" + cases[i].markup + "'\n", "print(s)\n", "", "", {}, 0});
    ASSERT_TRUE(prompt) << prompt.error().to_string();
    const auto& tokens = prompt->tokens;
    EXPECT_EQ(std::count(tokens.begin(), tokens.end(), b.markers().prefix), 1);
    EXPECT_EQ(std::count(tokens.begin(), tokens.end(), b.markers().suffix), 1);
    // The prefix's tokens, found after the prefix marker, are llama.cpp's plain tokens.
    const auto at = std::find(tokens.begin(), tokens.end(), b.markers().prefix) + 1;
    ASSERT_LE(ids[i].size(), static_cast<size_t>(tokens.end() - at));
    EXPECT_TRUE(std::equal(ids[i].begin(), ids[i].end(), at));
  }
}

// Numbered lines "value_1 = compute(1)\n" ... so that a cut is visible in the text.
std::string numbered_lines(int from, int to) {
  std::string text;
  for (int i = from; i <= to; ++i) {
    text += "value_" + std::to_string(i) + " = compute(" + std::to_string(i) + ")\n";
  }
  return text;
}

TEST_F(InferFimVocabularies, BudgetKeepsWholeLinesNearestTheCursor) {
  const auto b = builder(qwen_);
  const Tokenizer tokenizer = load(qwen_);
  const std::string prefix = numbered_lines(1, 200) + "result = ";
  const std::string suffix = "\n" + numbered_lines(201, 300);
  for (int32_t budget : {40, 100, 333, 1000}) {
    SCOPED_TRACE(budget);
    auto prompt = b.build(Request{prefix, suffix, "", "", {}, budget});
    ASSERT_TRUE(prompt) << prompt.error().to_string();
    EXPECT_LE(prompt->tokens.size(), static_cast<size_t>(budget));
    const size_t cut = prompt->prefix_bytes_dropped;
    const size_t kept_suffix = suffix.size() - prompt->suffix_bytes_dropped;
    ASSERT_GT(cut, 0u);
    ASSERT_GT(prompt->suffix_bytes_dropped, 0u);
    EXPECT_EQ(prefix[cut - 1], '\n') << "the prefix is cut at a line start";
    EXPECT_TRUE(kept_suffix == 0 || suffix[kept_suffix - 1] == '\n') << "the suffix at a line end";
    // The prompt is exactly the layout of the kept text.
    const std::string kept_prefix = prefix.substr(cut);
    const std::string kept_after = suffix.substr(0, kept_suffix);
    EXPECT_EQ(prompt->tokens, tokenizer.tokenize("<|fim_prefix|>" + kept_prefix + "<|fim_suffix|>" +
                                                     kept_after + "<|fim_middle|>",
                                                 false, true));
    // One more line of prefix would not have fitted in the prefix's three quarters.
    const size_t available = static_cast<size_t>(budget) - 3;
    const size_t previous_line = prefix.rfind('\n', cut - 2);
    const std::string longer =
        prefix.substr(previous_line == std::string::npos ? 0 : previous_line + 1);
    EXPECT_GT(tokenizer.tokenize(longer, false).size(), available - available / 4);
    // The suffix got at most its quarter.
    EXPECT_LE(tokenizer.tokenize(kept_after, false).size(), available / 4);
  }
  // A budget that fits everything keeps everything.
  auto all = b.build(Request{prefix, suffix, "", "", {}, 100000});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->prefix_bytes_dropped, 0u);
  EXPECT_EQ(all->suffix_bytes_dropped, 0u);
}

TEST_F(InferFimVocabularies, ShortSuffixLeavesTheRestToThePrefix) {
  const auto b = builder(fixture_vocab("starcoder"));
  const std::string prefix = numbered_lines(1, 100);
  auto prompt = b.build(Request{prefix, ")\n", "", "", {}, 60});
  ASSERT_TRUE(prompt);
  EXPECT_EQ(prompt->suffix_bytes_dropped, 0u);
  EXPECT_GT(prompt->prefix_bytes_dropped, 0u);
  EXPECT_LE(prompt->tokens.size(), 60u);
  EXPECT_GE(prompt->tokens.size(), 45u);  // most of the budget is used
}

TEST_F(InferFimVocabularies, RelatedFilesAreDroppedFirst) {
  const auto b = builder(qwen_);
  Request request{"def f():\n    return ",
                  "\n",
                  "main.py",
                  "demo",
                  {{"a.py", numbered_lines(1, 5)}, {"b.py", numbered_lines(6, 30)}},
                  0};
  auto unlimited = b.build(request);
  ASSERT_TRUE(unlimited);
  EXPECT_EQ(unlimited->related_files_used, 2u);
  const size_t full = unlimited->tokens.size();
  // Just short of everything: b.py goes, a.py and all of the prefix and suffix stay.
  request.max_tokens = static_cast<int32_t>(full - 1);
  auto without_b = b.build(request);
  ASSERT_TRUE(without_b);
  EXPECT_EQ(without_b->related_files_used, 1u);
  EXPECT_EQ(without_b->prefix_bytes_dropped, 0u);
  EXPECT_EQ(without_b->suffix_bytes_dropped, 0u);
  // Only the current file's text fits: no related file at all.
  auto bare = b.build(Request{request.prefix, request.suffix, "main.py", "demo", {}, 0});
  ASSERT_TRUE(bare);
  request.max_tokens = static_cast<int32_t>(bare->tokens.size());
  auto none = b.build(request);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->related_files_used, 0u);
  EXPECT_EQ(none->tokens, bare->tokens);
}

TEST_F(InferFimVocabularies, LongCursorLineIsCutAtACharacterBoundary) {
  const auto b = builder(fixture_vocab("deepseek-coder"));
  const Tokenizer tokenizer = load(fixture_vocab("deepseek-coder"));
  std::string line = "s = \"";
  for (int i = 0; i < 300; ++i) line += "\xC3\xA9\xE2\x82\xAC ";  // "é€ "
  const std::string prefix = "first line\n" + line;
  auto prompt = b.build(Request{prefix, "\"\n", "", "", {}, 50});
  ASSERT_TRUE(prompt) << prompt.error().to_string();
  EXPECT_LE(prompt->tokens.size(), 50u);
  const size_t cut = prompt->prefix_bytes_dropped;
  ASSERT_GT(cut, std::string("first line\n").size());
  ASSERT_LT(cut, prefix.size());
  EXPECT_NE(static_cast<unsigned char>(prefix[cut]) & 0xC0, 0x80) << "not inside a character";
}

TEST_F(InferFimVocabularies, BudgetErrors) {
  const auto b = builder(qwen_);
  auto negative = b.build(Request{"a", "b", "", "", {}, -1});
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().message(), "max_tokens must be at least 0 (0 = no limit), got -1");
  // Markers (3) + <|repo_name|> "demo\n" (2) + <|file_sep|> "main.py\n" (at least 3) > 5.
  auto small = b.build(Request{"a", "b", "main.py", "demo", {}, 5});
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error().where(), "fim");
  EXPECT_NE(small.error().message().find("a token budget of 5 is too small: the markers, the file "
                                         "path and the repository name alone take "),
            std::string::npos)
      << small.error().message();
  // Exactly the markers: empty prefix and suffix.
  auto exact = b.build(Request{"abc\n", "def\n", "", "", {}, 3});
  ASSERT_TRUE(exact) << exact.error().to_string();
  EXPECT_EQ(exact->tokens, (std::vector<TokenId>{151659, 151661, 151660}));
}

// The tokens between a prompt's prefix marker and its suffix marker, and those after its middle
// marker (prefix-suffix-middle layouts).
std::vector<TokenId> prefix_part(const Prompt& prompt, const PromptBuilder& b) {
  const auto begin = std::find(prompt.tokens.begin(), prompt.tokens.end(), b.markers().prefix);
  const auto end = std::find(prompt.tokens.begin(), prompt.tokens.end(), b.markers().suffix);
  EXPECT_TRUE(begin != prompt.tokens.end() && end != prompt.tokens.end() && begin < end);
  if (begin == prompt.tokens.end() || end == prompt.tokens.end() || end < begin) return {};
  return {begin + 1, end};
}

std::vector<TokenId> middle_part(const Prompt& prompt, const PromptBuilder& b) {
  const auto marker = std::find(prompt.tokens.begin(), prompt.tokens.end(), b.markers().middle);
  EXPECT_NE(marker, prompt.tokens.end());
  if (marker == prompt.tokens.end()) return {};
  return {marker + 1, prompt.tokens.end()};
}

TEST_F(InferFimVocabularies, HealingLeavesThePrefixsLastTokenForTheGeneration) {
  const fs::path starcoder = fixture_vocab("starcoder");
  const auto b = builder(starcoder);
  const Tokenizer vocabulary = load(starcoder);
  // The cursor in the middle of a word.
  Request request{"def area(r):\n    return math.p", kSuffix, "geometry.py", "", {}, 0};
  auto plain = b.build(request);
  request.heal_last_token = true;
  auto healed = b.build(request);
  ASSERT_TRUE(plain && healed);
  EXPECT_TRUE(plain->healed_text.empty());

  const auto prefix_tokens = vocabulary.tokenize(request.prefix, false);
  ASSERT_FALSE(prefix_tokens.empty());
  auto last = vocabulary.token_to_piece(prefix_tokens.back());
  ASSERT_TRUE(last);
  EXPECT_EQ(healed->healed_text, std::string(*last));
  EXPECT_TRUE(request.prefix.ends_with(healed->healed_text));
  // The same prompt with that one token left out of the prefix, just before <fim_suffix>.
  std::vector<TokenId> expected = plain->tokens;
  const auto suffix_marker = std::find(expected.begin(), expected.end(), b.markers().suffix);
  ASSERT_NE(suffix_marker, expected.end());
  ASSERT_EQ(*(suffix_marker - 1), prefix_tokens.back());
  expected.erase(suffix_marker - 1);
  EXPECT_EQ(healed->tokens, expected);

  // An empty prefix has nothing to heal.
  auto empty = b.build(Request{"", kSuffix, "", "", {}, 0, true});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->healed_text.empty());
  EXPECT_EQ(empty->tokens, b.build(Request{"", kSuffix, "", "", {}, 0})->tokens);
}

// After auto-indentation the whitespace is split as the vocabulary splits it before a word, and
// only what the word's first token takes from it is healed; the newline and indentation begin
// the middle, as in the starter model's line-aligned FIM training (tools/train/data.py). Before
// this, the whole run was healed, and greedy decoding could spell it as one "\n" + 8 spaces token,
// then a word without its space: text the model never saw in training.
TEST_F(InferFimVocabularies, HealingAnIndentationKeepsItsSplitBeforeAWord) {
  const fs::path starcoder = fixture_vocab("starcoder");
  const auto b = builder(starcoder);
  const Tokenizer vocabulary = load(starcoder);
  const std::string prefix = "def f(x):\n    if x:\n        ";
  const auto piece = [&](TokenId id) { return std::string(vocabulary.token_to_piece(id).value()); };

  // The run is one token at the end of the text, two before a word: "\n" + 7 spaces, " y".
  const auto at_end = vocabulary.tokenize(prefix, false);
  ASSERT_FALSE(at_end.empty());
  EXPECT_EQ(piece(at_end.back()), "\n        ");
  std::vector<TokenId> canonical = vocabulary.tokenize(prefix + "y", false);
  ASSERT_GE(canonical.size(), 2u);
  EXPECT_EQ(piece(canonical.back()), " y");
  canonical.pop_back();
  const TokenId indentation = canonical.back();
  EXPECT_EQ(piece(indentation), "\n       ");
  canonical.pop_back();
  EXPECT_EQ(canonical, vocabulary.tokenize("def f(x):\n    if x:", false));

  const std::string suffix = "\n    return x\n";
  auto plain = b.build(Request{prefix, suffix, "", "", {}, 0});
  auto healed = b.build(Request{prefix, suffix, "", "", {}, 0, true});
  ASSERT_TRUE(plain && healed) << healed.error().to_string();
  EXPECT_EQ(healed->healed_text, " ");
  EXPECT_EQ(prefix_part(*healed, b), canonical);
  EXPECT_EQ(middle_part(*healed, b), std::vector<TokenId>{indentation});
  EXPECT_EQ(healed->tokens.back(), indentation) << "the prompt ends in the canonical indentation";
  EXPECT_EQ(healed->tokens.size(), plain->tokens.size())
      << "one token out, one token in: the prompt keeps its length";

  // Blank lines before the indentation end the prefix; the token with the last newline begins
  // the middle. The expected split is read from the tokenizer, not written here.
  const std::string after_blank = "def f(x):\n    x = 1\n\n    ";
  std::vector<TokenId> split = vocabulary.tokenize(after_blank + "y", false);
  ASSERT_EQ(piece(split.back()), " y");
  split.pop_back();
  const std::vector<TokenId> text = vocabulary.tokenize("def f(x):\n    x = 1", false);
  ASSERT_TRUE(std::equal(text.begin(), text.end(), split.begin()));
  std::vector<TokenId> run(split.begin() + static_cast<std::ptrdiff_t>(text.size()), split.end());
  ASSERT_FALSE(run.empty());
  auto blank = b.build(Request{after_blank, "return y\n", "", "", {}, 0, true});
  ASSERT_TRUE(blank);
  EXPECT_EQ(blank->healed_text, " ");
  const auto blank_prefix = prefix_part(*blank, b);
  const auto blank_middle = middle_part(*blank, b);
  ASSERT_FALSE(blank_middle.empty());
  EXPECT_NE(piece(blank_middle.front()).find('\n'), std::string::npos);
  for (size_t i = 1; i < blank_middle.size(); ++i) {
    EXPECT_EQ(piece(blank_middle[i]).find('\n'), std::string::npos);
  }
  std::vector<TokenId> joined = blank_prefix;
  joined.insert(joined.end(), blank_middle.begin(), blank_middle.end());
  EXPECT_EQ(joined, split);
}

// Go indents with tabs. "\n\t\t" before a word is "\n\t", "\t", then the word with no space, so
// the whole run is split off the word: its last token stays healed, which keeps generate's rule
// that the suggestion indents no further.
TEST_F(InferFimVocabularies, HealingATabIndentationKeepsItsSplitBeforeAWord) {
  const fs::path starcoder = fixture_vocab("starcoder");
  const auto b = builder(starcoder);
  const Tokenizer vocabulary = load(starcoder);
  const std::string prefix = "func f(x int) int {\n\tif x > 0 {\n\t\t";
  const auto piece = [&](TokenId id) { return std::string(vocabulary.token_to_piece(id).value()); };

  std::vector<TokenId> canonical = vocabulary.tokenize(prefix + "y", false);
  ASSERT_GE(canonical.size(), 3u);
  EXPECT_EQ(piece(canonical.back()), "y");
  canonical.pop_back();
  EXPECT_EQ(piece(canonical.back()), "\t");
  canonical.pop_back();
  const TokenId newline = canonical.back();
  EXPECT_EQ(piece(newline), "\n\t");
  canonical.pop_back();

  auto healed = b.build(Request{prefix, "\n\t}\n\treturn x\n}\n", "", "", {}, 0, true});
  ASSERT_TRUE(healed) << healed.error().to_string();
  EXPECT_EQ(healed->healed_text, "\t");
  EXPECT_EQ(prefix_part(*healed, b), canonical);
  EXPECT_EQ(middle_part(*healed, b), std::vector<TokenId>{newline});

  // With no indentation the newline is the run's only token and stays healed, as before.
  auto newline_only = b.build(Request{"x = 1\n", "y = 2\n", "", "", {}, 0, true});
  ASSERT_TRUE(newline_only);
  EXPECT_EQ(newline_only->healed_text, "\n");
  EXPECT_EQ(prefix_part(*newline_only, b), vocabulary.tokenize("x = 1", false));
  EXPECT_TRUE(middle_part(*newline_only, b).empty());
  // Blank lines before it end the prefix.
  std::vector<TokenId> blank = vocabulary.tokenize("x = 1\n\n\ny", false);
  ASSERT_GE(blank.size(), 3u);
  EXPECT_EQ(piece(blank.back()), "y");
  blank.pop_back();
  EXPECT_EQ(piece(blank.back()), "\n");
  blank.pop_back();
  auto after_blank = b.build(Request{"x = 1\n\n\n", "y = 2\n", "", "", {}, 0, true});
  ASSERT_TRUE(after_blank);
  EXPECT_EQ(after_blank->healed_text, "\n");
  EXPECT_EQ(prefix_part(*after_blank, b), blank);
  EXPECT_TRUE(middle_part(*after_blank, b).empty());
}

// Other vocabularies split indentation their own ways; the rule follows each one's tokenizer.
TEST_F(InferFimVocabularies, HealingAnIndentationFollowsEachVocabulary) {
  const std::string prefix = "def f(x):\n    if x:\n        ";
  for (const auto& [vocab, name] : {std::pair{qwen_, "qwen"}, std::pair{codellama_, "codellama"},
                                    std::pair{fixture_vocab("deepseek-coder"), "deepseek"}}) {
    SCOPED_TRACE(name);
    const auto b = builder(vocab);
    const Tokenizer vocabulary = load(vocab);
    auto healed = b.build(Request{prefix, "\n    return x\n", "", "", {}, 0, true});
    ASSERT_TRUE(healed) << healed.error().to_string();
    EXPECT_EQ(healed->healed_text, " ");
    // The prompt's prefix, what follows the middle marker and the healed text are the text, in
    // the tokens of the text before a word; the middle begins with the newline, or with the
    // indentation where the newline is joined to the text before it (Qwen: ":\n").
    std::vector<TokenId> tokens = prefix_part(*healed, b);
    const auto middle = middle_part(*healed, b);
    ASSERT_FALSE(middle.empty());
    auto before = vocabulary.detokenize(tokens);
    ASSERT_TRUE(before);
    EXPECT_TRUE(*before == "def f(x):\n    if x:" || *before == "def f(x):\n    if x:\n")
        << *before;
    tokens.insert(tokens.end(), middle.begin(), middle.end());
    auto text = vocabulary.detokenize(tokens);
    ASSERT_TRUE(text);
    EXPECT_EQ(*text + healed->healed_text, prefix);
    std::vector<TokenId> canonical = vocabulary.tokenize(prefix + "y", false);
    ASSERT_FALSE(canonical.empty());
    canonical.pop_back();
    EXPECT_EQ(tokens, canonical);
  }
}

// In a continuation the canonical indentation simply ends the prompt: the generation goes on
// from the prefix, so the token with the newline follows the text before it.
TEST_F(InferFimVocabularies, HealingAContinuationEndsInTheCanonicalIndentation) {
  const fs::path starcoder = fixture_vocab("starcoder");
  const auto b = builder(starcoder);
  const Tokenizer vocabulary = load(starcoder);
  const std::string prefix = "def f(x):\n    if x:\n        ";
  std::vector<TokenId> expected = vocabulary.tokenize(prefix + "y", false);
  ASSERT_EQ(std::string(vocabulary.token_to_piece(expected.back()).value()), " y");
  expected.pop_back();
  if (vocabulary.special_tokens().add_bos) {
    expected.insert(expected.begin(), vocabulary.special_tokens().bos);
  }
  auto healed = b.build(Request{prefix, "", "", "", {}, 0, true});
  ASSERT_TRUE(healed) << healed.error().to_string();
  EXPECT_EQ(healed->tokens, expected);
  EXPECT_EQ(healed->healed_text, " ");
}

}  // namespace
}  // namespace ward::infer::fim
