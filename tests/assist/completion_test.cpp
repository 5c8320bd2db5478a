// CompletionService end to end on Ward's engine (a small random-weight model with the StarCoder
// vocabulary, which has FIM tokens), and its cancellation rules against a backend double that
// streams until it is stopped.

#include "assist/completion.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "backend/embedded.h"
#include "infer/synth/synth.h"
#include "support/test_support.h"

namespace ward::assist {
namespace {

class AssistCompletion : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ward::test::TempDir();
    auto options = *infer::synth::preset("tiny");
    options.vocabulary = ward::test::fixture("vocab/ggml-vocab-starcoder.gguf");
    options.weight_type = infer::TensorType::kQ8_0;
    options.seed = 7;
    ASSERT_TRUE(infer::synth::synthesize(options, model_path()));
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::filesystem::path model_path() { return dir_->path() / "starcoder-tiny.gguf"; }

  static std::unique_ptr<backend::EmbeddedBackend> load(int slots = 1) {
    auto loaded = backend::EmbeddedBackend::load({.name = "",
                                                  .path = model_path(),
                                                  .fim_format = std::nullopt,
                                                  .context_size = 512,
                                                  .threads = 2,
                                                  .slots = slots,
                                                  .region = "local"});
    EXPECT_TRUE(loaded) << loaded.error().to_string();
    return loaded ? std::move(*loaded) : nullptr;
  }

  static inline ward::test::TempDir* dir_ = nullptr;
};

TEST_F(AssistCompletion, TheEmbeddedBackendDescribesItsModel) {
  auto backend = load();
  ASSERT_NE(backend, nullptr);
  EXPECT_EQ(backend->info().name, "starcoder-tiny");
  EXPECT_EQ(backend->info().kind, "embedded");
  EXPECT_EQ(backend->info().context_length, 512);
  EXPECT_TRUE(backend->info().fill_in_the_middle);
}

TEST_F(AssistCompletion, SuggestionsFollowTheEditorRulesAndTheCacheFollowsTheDocument) {
  auto backend = load();
  ASSERT_NE(backend, nullptr);
  CompletionService service;
  std::atomic<bool> stop{false};
  CompletionRequest request{.prefix = "def add(a, b):\n    return a",
                            .suffix = ")\n",
                            .path = "math.py",
                            .document = "alice/math.py",
                            .max_tokens = 24,
                            .suggestions = 3,
                            .seed = 1};
  std::string streamed;
  auto result = service.complete(
      *backend, request,
      [&](std::string_view delta) {
        streamed += delta;
        return true;
      },
      stop);
  ASSERT_TRUE(result) << result.error().to_string();
  EXPECT_EQ(result->mode, CompletionMode::kSingleLine);
  EXPECT_GT(result->prompt_tokens, 0);
  EXPECT_GT(result->completion_tokens, 0);
  for (size_t i = 0; i < result->suggestions.size(); ++i) {
    EXPECT_EQ(result->suggestions[i].find('\n'), std::string::npos) << result->suggestions[i];
    EXPECT_FALSE(result->suggestions[i].empty());
    for (size_t j = 0; j < i; ++j) EXPECT_NE(result->suggestions[i], result->suggestions[j]);
  }
  // What was streamed is the first generation's suggestion (which may have been empty).
  if (!result->suggestions.empty() && !streamed.empty()) {
    EXPECT_EQ(streamed, result->suggestions.front());
  }
  // The same document after one more keystroke: the cached prompt is reused.
  request.prefix += " +";
  request.suggestions = 1;
  auto again = service.complete(*backend, request, nullptr, stop);
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_GT(again->reused_prompt_tokens, again->prompt_tokens / 2);
}

TEST_F(AssistCompletion, BadRequestsNameTheField) {
  auto backend = load();
  ASSERT_NE(backend, nullptr);
  CompletionService service;
  std::atomic<bool> stop{false};
  auto too_many = service.complete(*backend, {.prefix = "x", .suggestions = 9}, nullptr, stop);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().where(), "suggestions");
  auto empty = service.complete(*backend, {}, nullptr, stop);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().where(), "prefix");
  auto huge = service.complete(*backend, {.prefix = "x", .max_tokens = 1024}, nullptr, stop);
  ASSERT_FALSE(huge);  // 1024 tokens leave no room in a 512-token context
  EXPECT_EQ(huge.error().where(), "max_tokens");
}

// A model file may name its FIM layout (ward.fim.format, as Ward's starter model does); a
// format in ward.toml wins over it, and a name Ward does not know is an error naming the key.
TEST_F(AssistCompletion, TheModelFileNamesItsFimFormat) {
  const auto synthesize_with = [&](const std::string& format, const std::string& file) {
    auto options = *infer::synth::preset("tiny");
    options.vocabulary = ward::test::fixture("vocab/ggml-vocab-starcoder.gguf");
    options.extra_strings = {{std::string(infer::fim::kFormatMetadataKey), format}};
    const auto path = dir_->path() / file;
    EXPECT_TRUE(infer::synth::synthesize(options, path));
    return path;
  };
  const auto load_file = [](const std::filesystem::path& path,
                            std::optional<infer::fim::Format> format) {
    return backend::EmbeddedBackend::load({.name = "",
                                           .path = path,
                                           .fim_format = format,
                                           .context_size = 256,
                                           .threads = 1,
                                           .slots = 1,
                                           .region = "local"});
  };
  EXPECT_EQ(load()->info().fim_format, "starcoder");  // detected from the vocabulary
  const auto spm = synthesize_with("starcoder-spm", "spm.gguf");
  auto named = load_file(spm, std::nullopt);
  ASSERT_TRUE(named) << named.error().to_string();
  EXPECT_EQ((*named)->info().fim_format, "starcoder-spm");
  auto configured = load_file(spm, infer::fim::Format::kStarCoder);
  ASSERT_TRUE(configured) << configured.error().to_string();
  EXPECT_EQ((*configured)->info().fim_format, "starcoder");

  auto unknown = load_file(synthesize_with("fim-of-the-future", "unknown.gguf"), std::nullopt);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().where(), "ward.fim.format");
  EXPECT_NE(unknown.error().message().find("'fim-of-the-future'"), std::string::npos)
      << unknown.error().message();
}

TEST_F(AssistCompletion, AModelWithoutFimTokensIsRefusedForCompletion) {
  auto backend = backend::EmbeddedBackend::load(
      {.name = "plain",
       .path = ward::test::fixture("models/llama-2-tiny-random.gguf"),
       .fim_format = std::nullopt,
       .context_size = 256,
       .threads = 1,
       .slots = 1,
       .region = "local"});
  ASSERT_TRUE(backend) << backend.error().to_string();
  EXPECT_FALSE((*backend)->info().fill_in_the_middle);
  CompletionService service;
  std::atomic<bool> stop{false};
  auto result = service.complete(**backend, {.prefix = "int main() {"}, nullptr, stop);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().where(), "model");
}

TEST_F(AssistCompletion, OneSlotServesConcurrentRequestsInTurnAndAStoppedWaiterLeavesTheQueue) {
  auto backend = load(/*slots=*/1);
  ASSERT_NE(backend, nullptr);
  backend::GenerationRequest request;
  request.prompt = backend::TextPrompt{"fn main() {"};
  request.max_tokens = 16;
  std::atomic<bool> never{false};
  std::vector<std::thread> threads;
  std::atomic<int> succeeded{0};
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      if (backend->generate(request, nullptr, never)) ++succeeded;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(succeeded, 3);

  std::atomic<bool> already_stopped{true};
  auto cancelled = backend->generate(request, nullptr, already_stopped);
  ASSERT_FALSE(cancelled);
  EXPECT_EQ(cancelled.error().code(), core::Code::kCancelled);
  EXPECT_EQ(backend->queue_depth(), 0);
}

// A backend double: a model of that name that fills in the middle.
class DoubleBackend : public backend::Backend {
 public:
  explicit DoubleBackend(std::string name)
      : info_{.name = std::move(name),
              .kind = "test",
              .region = "local",
              .context_length = 100000,
              .fill_in_the_middle = true} {}
  const backend::ModelInfo& info() const override { return info_; }

 private:
  backend::ModelInfo info_;
};

// Streams "x = 1\n" lines (each a valid continuation) until told to stop.
class EndlessBackend final : public DoubleBackend {
 public:
  EndlessBackend() : DoubleBackend("endless") {}
  core::Result<backend::Generation> generate(const backend::GenerationRequest&,
                                             const backend::TextSink& sink,
                                             std::atomic<bool>& stop) override {
    started = true;
    backend::Generation generation;
    while (!stop.load()) {
      if (sink) sink("x = 1\n");
      generation.text += "x = 1\n";
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    generation.finish = backend::FinishReason::kCancelled;
    return generation;
  }
  std::atomic<bool> started{false};
};

TEST(AssistCompletionCancel, ANewerRequestForTheSameDocumentStopsTheOlderOne) {
  EndlessBackend backend;
  CompletionService service;
  std::atomic<bool> first_stop{false};
  core::Result<CompletionResult> first = core::Error(core::Code::kInternal, "", "not run");
  std::thread older([&] {
    first = service.complete(backend, {.prefix = "", .suffix = "\n", .document = "bob/a.py"},
                             nullptr, first_stop);
  });
  while (!backend.started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // Another document does not disturb it; the same document does.
  std::atomic<bool> other_stop{true};
  (void)service.complete(backend, {.prefix = "y", .document = "bob/b.py"}, nullptr, other_stop);
  EXPECT_FALSE(first_stop);
  std::atomic<bool> newer_stop{true};  // ends at once itself: only its effect on the older counts
  (void)service.complete(backend, {.prefix = "z", .document = "bob/a.py"}, nullptr, newer_stop);
  older.join();
  ASSERT_TRUE(first) << first.error().to_string();
  EXPECT_EQ(first->finish, "cancelled");
  EXPECT_TRUE(first_stop);
}

TEST(AssistCompletionCancel, AClientThatCannotReceiveStopsTheGeneration) {
  EndlessBackend backend;
  CompletionService service;
  std::atomic<bool> stop{false};
  int deliveries = 0;
  auto result = service.complete(
      backend, {.prefix = "", .suffix = "\n"}, [&](std::string_view) { return ++deliveries < 3; },
      stop);
  ASSERT_TRUE(result) << result.error().to_string();
  EXPECT_EQ(result->finish, "cancelled");
  EXPECT_EQ(deliveries, 3);
}

// Keeps the requests it is given and answers each with one line.
class RecordingBackend final : public DoubleBackend {
 public:
  RecordingBackend() : DoubleBackend("recording") {}
  core::Result<backend::Generation> generate(const backend::GenerationRequest& request,
                                             const backend::TextSink&,
                                             std::atomic<bool>&) override {
    requests.push_back(request);
    return backend::Generation{.text = "x = 1\n"};
  }
  std::vector<backend::GenerationRequest> requests;
};

// The greedy suggestion's first line is searched. On a line with nothing but whitespace around
// the cursor the search must find a line with text that does not repeat the nearest line above
// with text, when that line is long enough; anywhere else an empty first line (nothing more on
// this line) or a repeat is a fair answer.
TEST(AssistCompletionLineSearch, ABlankCursorLineGivesTheSearchItsRules) {
  struct Case {
    std::string prefix, suffix;
    bool needs_text;
    std::string differs_from;
  };
  const std::vector<Case> cases = {
      {"def run():\n    ", "", true, "def run():"},
      {"if ok:\n\t", "  \n    return 1\n", true, ""},  // "if ok:" is too short to count
      {"    x = compute(1)  \n\n  \n    ", "\nx = 2\n", true, "x = compute(1)"},
      {"    ", "\nx = 2\n", true, ""},
      {"x = [\n", "", true, ""},
      {"        }\n    }\n    ", "", true, ""},
      {"def f():\n    return", "", false, ""},
      {"def f():\n    ", "pass\n", false, ""},
      {"x = [\n", "]\n", false, ""},
  };
  for (const Case& c : cases) {
    RecordingBackend backend;
    CompletionService service;
    std::atomic<bool> stop{false};
    auto result = service.complete(
        backend, {.prefix = c.prefix, .suffix = c.suffix, .suggestions = 2}, nullptr, stop);
    ASSERT_TRUE(result) << result.error().to_string();
    ASSERT_EQ(backend.requests.size(), 2u);
    const auto& searched = backend.requests[0];
    EXPECT_GT(searched.line_beams, 1) << "the greedy suggestion is searched";
    const std::string where = "prefix \"" + c.prefix + "\" suffix \"" + c.suffix + "\"";
    EXPECT_EQ(searched.first_line.needs_text, c.needs_text) << where;
    EXPECT_EQ(searched.first_line.differs_from, c.differs_from) << where;
    EXPECT_EQ(backend.requests[1].line_beams, 1) << "a sampled alternative is not";
  }
}

}  // namespace
}  // namespace ward::assist
