// `ward model perplexity` end to end on the tiny llama fixture: the real binary's --json figures
// against their definitions and against score_text() run in this process, the table, the
// --max-tokens cut, and the errors for missing, empty and oversized files and a useless context.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>
#include <vector>

#include "infer/model/score.h"
#include "infer/model/session.h"
#include "support/test_support.h"

namespace ward::infer::model {
namespace {

const char* const kPython = "def fibonacci(n):\n    if n < 2:\n        return n\n";
const char* const kCpp = "int add(int a, int b) {\n    return a + b;\n}\n";

std::string tiny_model_path() {
  return ward::test::fixture("models/llama-2-tiny-random.gguf").string();
}

ward::test::ProcessResult perplexity(const std::vector<std::string>& args) {
  std::vector<std::string> all = {"model", "perplexity", tiny_model_path()};
  all.insert(all.end(), args.begin(), args.end());
  return ward::test::run_ward(all);
}

// The figures of one "files" entry or "total" follow from its tokens, bytes and nats.
void expect_consistent(const nlohmann::json& score) {
  for (const char* field : {"tokens", "bytes", "nats", "nats_per_token", "bits_per_token",
                            "bits_per_byte", "perplexity"}) {
    ASSERT_TRUE(score.contains(field)) << field << " in " << score.dump();
  }
  const double nats = score["nats"];
  const double tokens = score["tokens"];
  const double bytes = score["bytes"];
  EXPECT_GT(nats, 0);
  EXPECT_NEAR(score["bits_per_byte"].get<double>(), nats / std::numbers::ln2 / bytes, 1e-12);
  EXPECT_NEAR(score["nats_per_token"].get<double>(), nats / tokens, 1e-12);
  EXPECT_NEAR(score["bits_per_token"].get<double>(), nats / tokens / std::numbers::ln2, 1e-12);
  EXPECT_NEAR(score["perplexity"].get<double>(), std::exp(nats / tokens),
              1e-9 * std::exp(nats / tokens));
}

// What score_text() gives in this process for `text` in chunks of `context`.
TextScore score_here(const char* text, int32_t context, int64_t max_tokens = 0) {
  auto model = Model::load(tiny_model_path());
  EXPECT_TRUE(model) << model.error().to_string();
  auto tokens = text_tokens((*model)->tokenizer(), text, max_tokens);
  EXPECT_TRUE(tokens) << tokens.error().to_string();
  auto session = Session::create(*model, {.context_size = context, .threads = 1});
  EXPECT_TRUE(session);
  auto score = score_text(*session, *tokens);
  EXPECT_TRUE(score) << score.error().to_string();
  return *score;
}

TEST(InferModelPerplexityCli, JsonHasEveryFigurePerFileAndInTotal) {
  ward::test::TempDir dir;
  ward::test::write_text(dir / "a.py", kPython);
  ward::test::write_text(dir / "b.cpp", kCpp);
  const auto run = perplexity({(dir / "a.py").string(), (dir / "b.cpp").string(), "--context", "16",
                               "--threads", "2", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto out = nlohmann::json::parse(run.out);
  EXPECT_EQ(out["model"], tiny_model_path());
  EXPECT_EQ(out["context"], 16);
  ASSERT_EQ(out["files"].size(), 2u);
  const char* const texts[] = {kPython, kCpp};
  int64_t tokens = 0;
  uint64_t bytes = 0;
  double nats = 0;
  for (size_t i = 0; i < 2; ++i) {
    const auto& file = out["files"][i];
    EXPECT_EQ(file["file"], (dir / (i == 0 ? "a.py" : "b.cpp")).string());
    expect_consistent(file);
    // The whole file, every byte, scored as the engine scores it here.
    const TextScore expected = score_here(texts[i], 16);
    EXPECT_EQ(file["tokens"], expected.tokens);
    EXPECT_EQ(file["bytes"], std::string_view(texts[i]).size());
    EXPECT_NEAR(file["nats"].get<double>(), expected.nats, 1e-6 * expected.nats);
    tokens += file["tokens"].get<int64_t>();
    bytes += file["bytes"].get<uint64_t>();
    nats += file["nats"].get<double>();
  }
  expect_consistent(out["total"]);
  EXPECT_EQ(out["total"]["tokens"], tokens);
  EXPECT_EQ(out["total"]["bytes"], bytes);
  EXPECT_NEAR(out["total"]["nats"].get<double>(), nats, 1e-9 * nats);
}

TEST(InferModelPerplexityCli, MaxTokensCutsEachFile) {
  ward::test::TempDir dir;
  ward::test::write_text(dir / "a.py", kPython);
  const auto run = perplexity({(dir / "a.py").string(), "--max-tokens", "5", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto file = nlohmann::json::parse(run.out)["files"][0];
  const TextScore expected = score_here(kPython, 4096, 5);
  EXPECT_EQ(file["tokens"], 5);
  EXPECT_EQ(file["bytes"], expected.bytes);
  EXPECT_LT(expected.bytes, std::string_view(kPython).size());
  expect_consistent(file);
}

TEST(InferModelPerplexityCli, PrintsATable) {
  ward::test::TempDir dir;
  ward::test::write_text(dir / "a.py", kPython);
  const auto run = perplexity({(dir / "a.py").string(), "--threads", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("bits/byte"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\n" + (dir / "a.py").string() + " "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\ntotal "), std::string::npos) << run.out;
}

TEST(InferModelPerplexityCli, Errors) {
  ward::test::TempDir dir;
  ward::test::write_text(dir / "a.py", kPython);
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  ward::test::write_text(dir / "empty.txt", "");
  ward::test::write_text(dir / "huge.txt", "");
  std::filesystem::resize_file(dir / "huge.txt", (uint64_t{64} << 20) + 1);  // sparse
  const std::vector<Case> cases = {
      {{(dir / "a.py").string(), (dir / "none.txt").string()},
       "ward: error: " + (dir / "none.txt").string() + ": the file does not exist"},
      {{(dir / "empty.txt").string()},
       "ward: error: " + (dir / "empty.txt").string() +
           ": the file is empty; give a file with some text to score"},
      {{(dir / "huge.txt").string()},
       "ward: error: " + (dir / "huge.txt").string() +
           ": the file has 67108865 bytes, over the limit of 64 MiB (67108864 bytes); split it "
           "into smaller files"},
      {{(dir / "a.py").string(), "--context", "1"},
       "ward: error: --context: a context of 1 token leaves none to score"},
  };
  for (const auto& c : cases) {
    const auto run = perplexity(c.args);
    EXPECT_EQ(run.exit_code, 1) << c.error;
    EXPECT_NE(run.err.find(c.error), std::string::npos) << run.err;
    EXPECT_EQ(run.out, "");
  }
  EXPECT_EQ(perplexity({}).exit_code, 2) << "a text file is required";
}

}  // namespace
}  // namespace ward::infer::model
