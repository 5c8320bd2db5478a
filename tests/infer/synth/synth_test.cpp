// synthesize() read back through Ward's GGUF reader: the tensor names, shapes and types llama.cpp
// expects (listed here by hand from llama.cpp's llama/qwen2 loaders), the hyperparameters, every
// tokenizer key copied from the vocabulary unchanged, weights of the documented scale, the same
// bytes for the same seed on any number of threads, and the validation errors.

#include "infer/synth/synth.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <numeric>

#include "infer/gguf/gguf.h"
#include "infer/gguf/writer.h"
#include "infer/kernels/kernels.h"
#include "support/test_support.h"

namespace ward::infer::synth {
namespace {

using gguf::File;

SynthOptions small(Architecture architecture, const std::string& vocab) {
  SynthOptions options = *preset("tiny");
  options.architecture = architecture;
  options.vocabulary = test::fixture("vocab/ggml-vocab-" + vocab + ".gguf");
  options.weight_type = TensorType::kQ8_0;
  options.embedding = 64;
  options.heads = 4;
  options.kv_heads = 2;
  options.feed_forward = 96;
  options.seed = 42;
  return options;
}

File write_and_open(const SynthOptions& options, const std::filesystem::path& path) {
  auto summary = synthesize(options, path);
  EXPECT_TRUE(summary) << summary.error().to_string();
  auto file = File::open(path);
  EXPECT_TRUE(file) << file.error().to_string();
  return std::move(*file);
}

struct Expected {
  std::string name;
  TensorType type;
  std::vector<int64_t> shape;
};

TEST(InferSynth, LlamaTensorsAndHyperparameters) {
  test::TempDir dir;
  SynthOptions options = small(Architecture::kLlama, "llama-spm");
  options.output_type = TensorType::kF16;
  const File file = write_and_open(options, dir / "llama.gguf");

  const int64_t v = 32000;
  const auto q8 = TensorType::kQ8_0;
  const auto f32 = TensorType::kF32;
  std::vector<Expected> expected = {{"token_embd.weight", TensorType::kF16, {64, v}}};
  for (int i = 0; i < 2; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    const std::vector<Expected> block = {
        {b + "attn_norm.weight", f32, {64}},      {b + "attn_q.weight", q8, {64, 64}},
        {b + "attn_k.weight", q8, {64, 32}},      {b + "attn_v.weight", q8, {64, 32}},
        {b + "attn_output.weight", q8, {64, 64}}, {b + "ffn_norm.weight", f32, {64}},
        {b + "ffn_gate.weight", q8, {64, 96}},    {b + "ffn_up.weight", q8, {64, 96}},
        {b + "ffn_down.weight", q8, {96, 64}},
    };
    expected.insert(expected.end(), block.begin(), block.end());
  }
  expected.push_back({"output_norm.weight", f32, {64}});
  expected.push_back({"output.weight", TensorType::kF16, {64, v}});
  ASSERT_EQ(file.tensors().size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(expected[i].name);
    EXPECT_EQ(file.tensors()[i].name, expected[i].name);
    EXPECT_EQ(file.tensors()[i].type, expected[i].type);
    EXPECT_EQ(file.tensors()[i].shape, expected[i].shape);
  }

  auto uint_of = [&file](const char* key) { return file.find(key)->as_uint().value(); };
  auto float_of = [&file](const char* key) { return file.find(key)->as_float().value(); };
  EXPECT_EQ(file.find("general.architecture")->as_string().value(), "llama");
  EXPECT_EQ(uint_of("general.file_type"), 7u);  // LLAMA_FTYPE_MOSTLY_Q8_0
  EXPECT_EQ(uint_of("general.quantization_version"), 2u);
  EXPECT_EQ(uint_of("llama.context_length"), 4096u);
  EXPECT_EQ(uint_of("llama.embedding_length"), 64u);
  EXPECT_EQ(uint_of("llama.block_count"), 2u);
  EXPECT_EQ(uint_of("llama.feed_forward_length"), 96u);
  EXPECT_EQ(uint_of("llama.attention.head_count"), 4u);
  EXPECT_EQ(uint_of("llama.attention.head_count_kv"), 2u);
  EXPECT_EQ(uint_of("llama.rope.dimension_count"), 16u);
  EXPECT_EQ(uint_of("llama.vocab_size"), 32000u);
  EXPECT_FLOAT_EQ(float_of("llama.rope.freq_base"), 10000.0f);
  EXPECT_FLOAT_EQ(float_of("llama.attention.layer_norm_rms_epsilon"), 1e-5f);
  EXPECT_NE(file.find("general.name")->as_string().value().find("llama-spm"), std::string::npos);
}

TEST(InferSynth, Qwen2HasBiasesAndTiesItsOutput) {
  test::TempDir dir;
  SynthOptions options = small(Architecture::kQwen2, "qwen2");
  options.tie_output = true;
  options.layers = 1;
  options.name = "tied";
  const File file = write_and_open(options, dir / "qwen2.gguf");
  EXPECT_EQ(file.find_tensor("output.weight"), nullptr);
  EXPECT_EQ(file.find_tensor("token_embd.weight")->shape, (std::vector<int64_t>{64, 151936}));
  for (const auto& [name, length] : std::vector<std::pair<std::string, int64_t>>{
           {"blk.0.attn_q.bias", 64}, {"blk.0.attn_k.bias", 32}, {"blk.0.attn_v.bias", 32}}) {
    const gguf::TensorInfo* bias = file.find_tensor(name);
    ASSERT_NE(bias, nullptr) << name;
    EXPECT_EQ(bias->type, TensorType::kF32);
    EXPECT_EQ(bias->shape, (std::vector<int64_t>{length}));
  }
  EXPECT_EQ(file.tensors().size(), 1u + 12u + 1u);
  EXPECT_EQ(file.find("general.name")->as_string().value(), "tied");
  EXPECT_FLOAT_EQ(file.find("qwen2.rope.freq_base")->as_float().value(), 1e6f);
  EXPECT_FLOAT_EQ(file.find("qwen2.attention.layer_norm_rms_epsilon")->as_float().value(), 1e-6f);
}

// Every tokenizer.* key of the vocabulary, with its type and every element; no other key of the
// vocabulary file (its general.* and hyperparameters describe a different model).
TEST(InferSynth, CopiesEveryTokenizerKeyUnchanged) {
  for (const std::string vocab : {"llama-spm", "qwen2", "deepseek-coder", "phi-3"}) {
    SCOPED_TRACE(vocab);
    test::TempDir dir;
    SynthOptions options = small(Architecture::kLlama, vocab);
    options.layers = 1;
    const File file = write_and_open(options, dir / "m.gguf");
    auto source = File::open(options.vocabulary);
    ASSERT_TRUE(source);
    size_t copied = 0;
    for (const gguf::Value& want : source->metadata()) {
      if (!want.key().starts_with("tokenizer.")) continue;
      ++copied;
      const gguf::Value* got = file.find(want.key());
      ASSERT_NE(got, nullptr) << want.key();
      EXPECT_EQ(got->type(), want.type()) << want.key();
      EXPECT_EQ(got->element_type(), want.element_type()) << want.key();
      EXPECT_EQ(got->size(), want.size()) << want.key();
      EXPECT_EQ(got->summary(), want.summary()) << want.key();
      if (auto strings = want.as_strings()) {
        EXPECT_EQ(got->as_strings().value(), *strings);
      }
      if (auto ints = want.as_ints()) {
        EXPECT_EQ(got->as_ints().value(), *ints);
      }
      if (auto floats = want.as_floats()) {
        EXPECT_EQ(got->as_floats().value(), *floats);
      }
    }
    EXPECT_GE(copied, 5u);
    size_t tokenizer_keys = 0;
    for (const gguf::Value& value : file.metadata()) {
      tokenizer_keys += value.key().starts_with("tokenizer.") ? 1 : 0;
    }
    EXPECT_EQ(tokenizer_keys, copied);
  }
}

TEST(InferSynth, SameSeedSameBytesOnAnyNumberOfThreads) {
  test::TempDir dir;
  SynthOptions options = small(Architecture::kQwen2, "qwen2");
  options.layers = 1;
  options.threads = 1;
  ASSERT_TRUE(synthesize(options, dir / "a.gguf"));
  options.threads = 3;
  ASSERT_TRUE(synthesize(options, dir / "b.gguf"));
  options.seed = 43;
  ASSERT_TRUE(synthesize(options, dir / "c.gguf"));
  const std::string a = test::read_text(dir / "a.gguf");
  EXPECT_TRUE(a == test::read_text(dir / "b.gguf"));
  const std::string c = test::read_text(dir / "c.gguf");
  ASSERT_EQ(a.size(), c.size());
  EXPECT_FALSE(a == c);
}

struct Moments {
  double mean = 0;
  double sd = 0;
};

Moments moments_of(const File& file, const std::string& name) {
  const gguf::TensorInfo* tensor = file.find_tensor(name);
  EXPECT_NE(tensor, nullptr) << name;
  std::vector<float> values(static_cast<size_t>(tensor->element_count()));
  EXPECT_TRUE(kernels::dequantize_row(tensor->type, file.data(*tensor).data(), values.data(),
                                      tensor->element_count()));
  double sum = 0;
  double squares = 0;
  for (float v : values) {
    sum += v;
    squares += static_cast<double>(v) * v;
  }
  const double n = static_cast<double>(values.size());
  return {sum / n, std::sqrt(squares / n - (sum / n) * (sum / n))};
}

// The scales the header documents: matrices gain/sqrt(fan-in) (queries and keys 1.7, the
// feed-forward output 2, others 1), embedding 2/sqrt(embd), norm weights 1 ± 10%, biases 0.1,
// and with a tied output a final norm of 1.5 ± 10% (measured on the F32 values of a seeded
// model).
TEST(InferSynth, WeightsHaveTheDocumentedScale) {
  test::TempDir dir;
  SynthOptions options = small(Architecture::kQwen2, "qwen2");
  options.weight_type = TensorType::kF32;
  options.layers = 1;
  options.tie_output = true;
  const File file = write_and_open(options, dir / "f32.gguf");
  const struct {
    const char* name;
    double mean;
    double sd;
  } cases[] = {
      {"token_embd.weight", 0, 2 / 8.0},
      {"blk.0.attn_q.weight", 0, 1.7 / 8},
      {"blk.0.attn_v.weight", 0, 1 / 8.0},
      {"blk.0.ffn_up.weight", 0, 1 / 8.0},
      {"blk.0.ffn_down.weight", 0, 2 / std::sqrt(96.0)},
      {"blk.0.attn_norm.weight", 1, 0.1},
      {"blk.0.attn_k.bias", 0, 0.1},
      {"output_norm.weight", 1.5, 0.15},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Moments m = moments_of(file, c.name);
    const double n = static_cast<double>(file.find_tensor(c.name)->element_count());
    // Five standard errors of the mean and (roughly) of the standard deviation.
    EXPECT_NEAR(m.mean, c.mean, 5 * c.sd / std::sqrt(n));
    EXPECT_NEAR(m.sd, c.sd, c.sd * (5 / std::sqrt(2 * n) + 0.001));
  }
}

TEST(InferSynth, PresetsHaveTheirShapes) {
  const auto qwen = preset("qwen2.5-0.5b");
  ASSERT_TRUE(qwen);
  EXPECT_EQ(qwen->architecture, Architecture::kQwen2);
  EXPECT_EQ(qwen->layers, 24);
  EXPECT_EQ(qwen->embedding, 896);
  EXPECT_EQ(qwen->heads, 14);
  EXPECT_EQ(qwen->kv_heads, 2);
  EXPECT_EQ(qwen->feed_forward, 4864);
  EXPECT_TRUE(qwen->tie_output);
  EXPECT_TRUE(preset("tiny"));
  EXPECT_FALSE(preset("huge"));
  SynthOptions with_type = *qwen;
  with_type.weight_type = TensorType::kQ8_0;
  EXPECT_TRUE(validate(with_type));
}

struct BadCase {
  const char* what;
  std::function<void(SynthOptions&)> change;
  const char* where;
  const char* message_part;
};

TEST(InferSynth, ValidationNamesTheFlagAndTheFix) {
  const std::vector<BadCase> cases = {
      {"zero layers", [](SynthOptions& o) { o.layers = 0; }, "--layers", "1 to 1024"},
      {"embd not divisible by heads", [](SynthOptions& o) { o.heads = 3; }, "--embd",
       "not a multiple of the 3 heads"},
      {"odd head size",
       [](SynthOptions& o) {
         o.heads = 8;
         o.embedding = 40;
       },
       "--heads", "odd head size 5"},
      {"more kv heads than heads", [](SynthOptions& o) { o.kv_heads = 5; }, "--kv-heads",
       "is 5; it must be 1 to 4"},
      {"kv heads 3 of 6",
       [](SynthOptions& o) {
         o.heads = 6;
         o.embedding = 96;
         o.kv_heads = 4;
       },
       "--kv-heads", "does not divide the 6 heads"},
      {"K-quant embd",
       [](SynthOptions& o) {
         o.weight_type = TensorType::kQ4_K;
         o.embedding = 896;
         o.heads = 14;
       },
       "--embd", "896 is not a multiple of 256, the block size of Q4_K (--type)"},
      {"K-quant ff",
       [](SynthOptions& o) {
         o.weight_type = TensorType::kQ6_K;
         o.embedding = 256;
         o.feed_forward = 4000;
       },
       "--ff", "4000 is not a multiple of 256"},
      {"Q8_0 embd",
       [](SynthOptions& o) {
         o.embedding = 72;
         o.heads = 4;
       },
       "--embd", "72 is not a multiple of 32, the block size of Q8_0"},
      {"output type", [](SynthOptions& o) { o.output_type = TensorType::kQ6_K; }, "--embd",
       "(--output-type)"},
      {"unsupported type", [](SynthOptions& o) { o.weight_type = TensorType::kQ4_1; }, "--type",
       "Q4_1 is not a type synth writes"},
      {"rope base", [](SynthOptions& o) { o.rope_freq_base = -1.0; }, "--rope-base",
       "positive number"},
      {"rms eps", [](SynthOptions& o) { o.rms_epsilon = std::nan(""); }, "--rms-eps",
       "positive number"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.what);
    SynthOptions options = small(Architecture::kLlama, "llama-spm");
    c.change(options);
    auto status = validate(options);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().code(), core::Code::kInvalidArgument);
    EXPECT_EQ(status.error().where(), c.where);
    EXPECT_NE(status.error().message().find(c.message_part), std::string::npos)
        << status.error().message();
    test::TempDir dir;
    EXPECT_FALSE(synthesize(options, dir / "m.gguf"));
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  }
}

TEST(InferSynth, BadVocabularyOrOutputPathLeavesNothing) {
  test::TempDir dir;
  SynthOptions options = small(Architecture::kLlama, "llama-spm");
  options.vocabulary = dir / "missing.gguf";
  auto missing = synthesize(options, dir / "m.gguf");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), core::Code::kNotFound);

  test::write_text(dir / "text.gguf", "not a gguf file at all");
  options.vocabulary = dir / "text.gguf";
  EXPECT_FALSE(synthesize(options, dir / "m.gguf"));

  // A valid GGUF without tokenizer keys.
  gguf::Writer no_tokenizer;
  no_tokenizer.set_string("general.architecture", "llama");
  ASSERT_TRUE(no_tokenizer.write(dir / "empty.gguf"));
  options.vocabulary = dir / "empty.gguf";
  auto empty = synthesize(options, dir / "m.gguf");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().where(), options.vocabulary.string());
  EXPECT_NE(empty.error().message().find("does not load as a tokenizer"), std::string::npos)
      << empty.error().message();

  options = small(Architecture::kLlama, "llama-spm");
  auto no_dir = synthesize(options, dir / "no" / "such" / "m.gguf");
  ASSERT_FALSE(no_dir);
  EXPECT_EQ(no_dir.error().code(), core::Code::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir / "m.gguf"));
}

}  // namespace
}  // namespace ward::infer::synth
