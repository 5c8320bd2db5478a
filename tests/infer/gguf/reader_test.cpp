// The GGUF reader on real files: the tiny Llama model and the vocabulary-only GGUFs of real
// models in ../shared/fixtures. The expected numbers were established independently of Ward, by
// parsing the files' headers with a few lines of Python (`struct.unpack_from('<...')` over the
// layout in the GGUF specification) and by arithmetic on the results, as noted at each value.

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>

#include "infer/gguf/gguf.h"
#include "support/test_support.h"

namespace ward::infer::gguf {
namespace {

using test::fixture;

TEST(InferGgufFixture, TinyLlamaHeaderAndMetadata) {
  auto file = File::open(fixture("models/llama-2-tiny-random.gguf"));
  ASSERT_TRUE(file) << file.error().to_string();
  EXPECT_EQ(file->version(), 3u);
  EXPECT_EQ(file->file_size(), 1750560u);  // `stat -c %s`
  EXPECT_EQ(file->alignment(), 32u);       // no general.alignment key: the default
  // The tensor infos end at byte 724398 (Python walk); the next multiple of 32 is 724416.
  EXPECT_EQ(file->data_offset(), 724416u);
  ASSERT_EQ(file->metadata().size(), 18u);

  // First and last keys, in file order.
  EXPECT_EQ(file->metadata().front().key(), "general.architecture");
  EXPECT_EQ(file->metadata().back().key(), "tokenizer.ggml.unknown_token_id");

  const Value* arch = file->find("general.architecture");
  ASSERT_NE(arch, nullptr);
  EXPECT_EQ(arch->type(), ValueType::kString);
  EXPECT_EQ(arch->as_string().value(), "llama");
  EXPECT_EQ(file->find("general.name")->as_string().value(), "LLaMA v2");

  const std::map<std::string, uint64_t> uint32_keys = {
      {"llama.context_length", 4096},
      {"llama.embedding_length", 8},
      {"llama.block_count", 1},
      {"llama.feed_forward_length", 32},
      {"llama.rope.dimension_count", 4},
      {"llama.attention.head_count", 2},
      {"llama.attention.head_count_kv", 2},
      {"general.file_type", 1},
      {"tokenizer.ggml.bos_token_id", 1},
      {"tokenizer.ggml.eos_token_id", 2},
      {"tokenizer.ggml.unknown_token_id", 0},
  };
  for (const auto& [key, expected] : uint32_keys) {
    const Value* value = file->find(key);
    ASSERT_NE(value, nullptr) << key;
    EXPECT_EQ(value->type(), ValueType::kUint32) << key;
    EXPECT_EQ(value->as_uint().value(), expected) << key;
    EXPECT_EQ(value->as_int().value(), static_cast<int64_t>(expected)) << key;
    EXPECT_EQ(value->size(), 1u);
  }

  // float32 bits 0x3727c5ac, i.e. 1e-5 rounded to float.
  const Value* epsilon = file->find("llama.attention.layer_norm_rms_epsilon");
  ASSERT_NE(epsilon, nullptr);
  EXPECT_EQ(epsilon->type(), ValueType::kFloat32);
  EXPECT_EQ(epsilon->as_float().value(), static_cast<double>(1e-5f));

  EXPECT_EQ(file->find("tokenizer.ggml.model")->as_string().value(), "llama");
  EXPECT_EQ(file->find("no.such.key"), nullptr);
}

TEST(InferGgufFixture, TinyLlamaVocabularyArrays) {
  auto file = File::open(fixture("models/llama-2-tiny-random.gguf"));
  ASSERT_TRUE(file) << file.error().to_string();

  const Value* tokens = file->find("tokenizer.ggml.tokens");
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->type(), ValueType::kArray);
  EXPECT_EQ(tokens->element_type(), ValueType::kString);
  EXPECT_EQ(tokens->size(), 32000u);
  auto texts = tokens->as_strings();
  ASSERT_TRUE(texts);
  ASSERT_EQ(texts->size(), 32000u);
  EXPECT_EQ((*texts)[0], "<unk>");
  EXPECT_EQ((*texts)[1], "<s>");
  EXPECT_EQ((*texts)[2], "</s>");
  EXPECT_EQ((*texts)[3], "<0x00>");  // SentencePiece byte tokens follow the three specials
  EXPECT_EQ(tokens->summary(), "[32000 strings]");

  auto scores = file->find("tokenizer.ggml.scores")->as_floats();
  ASSERT_TRUE(scores);
  ASSERT_EQ(scores->size(), 32000u);
  EXPECT_EQ((*scores)[0], 0.0f);

  const Value* types = file->find("tokenizer.ggml.token_type");
  ASSERT_NE(types, nullptr);
  EXPECT_EQ(types->element_type(), ValueType::kInt32);
  auto type_ids = types->as_ints();
  ASSERT_TRUE(type_ids);
  ASSERT_EQ(type_ids->size(), 32000u);
  EXPECT_EQ((*type_ids)[0], 2);  // unknown
  EXPECT_EQ((*type_ids)[1], 3);  // control
  EXPECT_EQ((*type_ids)[2], 3);

  // Wrong-type access fails with the key and the real type.
  auto wrong = tokens->as_floats();
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(wrong.error().where(), "tokenizer.ggml.tokens");
  EXPECT_NE(wrong.error().message().find("array of string"), std::string::npos)
      << wrong.error().message();
}

TEST(InferGgufFixture, TinyLlamaTensors) {
  auto file = File::open(fixture("models/llama-2-tiny-random.gguf"));
  ASSERT_TRUE(file) << file.error().to_string();

  struct Expected {
    const char* name;
    TensorType type;
    std::vector<int64_t> shape;
    uint64_t relative_offset;  // as stored in the tensor info
  };
  // From the Python walk of the tensor infos, in file order.
  const std::vector<Expected> expected = {
      {"token_embd.weight", TensorType::kF16, {8, 32000}, 0},
      {"blk.0.attn_q.weight", TensorType::kF16, {8, 8}, 512000},
      {"blk.0.attn_k.weight", TensorType::kF16, {8, 8}, 512128},
      {"blk.0.attn_v.weight", TensorType::kF16, {8, 8}, 512256},
      {"blk.0.attn_output.weight", TensorType::kF16, {8, 8}, 512384},
      {"blk.0.ffn_gate.weight", TensorType::kF16, {8, 32}, 512512},
      {"blk.0.ffn_up.weight", TensorType::kF16, {8, 32}, 513024},
      {"blk.0.ffn_down.weight", TensorType::kF16, {32, 8}, 513536},
      {"blk.0.attn_norm.weight", TensorType::kF32, {8}, 514048},
      {"blk.0.ffn_norm.weight", TensorType::kF32, {8}, 514080},
      {"output_norm.weight", TensorType::kF32, {8}, 514112},
      {"output.weight", TensorType::kF16, {8, 32000}, 514144},
  };
  ASSERT_EQ(file->tensors().size(), expected.size());
  int64_t parameters = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const TensorInfo& tensor = file->tensors()[i];
    SCOPED_TRACE(expected[i].name);
    EXPECT_EQ(tensor.name, expected[i].name);
    EXPECT_EQ(tensor.type, expected[i].type);
    EXPECT_EQ(tensor.shape, expected[i].shape);
    EXPECT_EQ(tensor.offset, 724416u + expected[i].relative_offset);
    int64_t elements = 1;
    for (int64_t extent : expected[i].shape) elements *= extent;
    EXPECT_EQ(tensor.element_count(), elements);
    const uint64_t element_bytes = expected[i].type == TensorType::kF32 ? 4 : 2;
    EXPECT_EQ(tensor.size_bytes, static_cast<uint64_t>(elements) * element_bytes);
    EXPECT_EQ(file->data(tensor).size(), tensor.size_bytes);
    EXPECT_EQ(file->find_tensor(expected[i].name), &tensor);
    parameters += elements;
  }
  // 2 × 256000 embeddings + 4 × 64 attention + 3 × 256 feed-forward + 3 × 8 norms.
  EXPECT_EQ(parameters, 513048);
  // The last tensor ends exactly at the end of the file: 724416 + 514144 + 512000 = 1750560.
  const TensorInfo& last = file->tensors().back();
  EXPECT_EQ(last.offset + last.size_bytes, file->file_size());
  EXPECT_EQ(file->find_tensor("nope"), nullptr);

  // data() is the file's bytes at the offset: compare with a plain read of the file.
  const std::string raw = test::read_text(fixture("models/llama-2-tiny-random.gguf"));
  const TensorInfo* norm = file->find_tensor("output_norm.weight");
  ASSERT_NE(norm, nullptr);
  auto bytes = file->data(*norm);
  ASSERT_EQ(bytes.size(), 32u);
  EXPECT_EQ(std::memcmp(bytes.data(), raw.data() + norm->offset, 32), 0);

  // A TensorInfo that does not lie inside the file gives no bytes.
  TensorInfo outside = *norm;
  outside.offset = file->file_size() - 4;
  EXPECT_TRUE(file->data(outside).empty());
}

struct VocabFile {
  const char* file;
  const char* architecture;
  const char* tokenizer_model;
  uint64_t size_bytes;
  uint64_t metadata_count;
  uint64_t token_count;
  uint64_t merge_count;  // 0: no tokenizer.ggml.merges
  const char* first_token;
};

// From the Python walk of each file's metadata (token and merge counts are the array counts).
const VocabFile kVocabFiles[] = {
    {"ggml-vocab-deepseek-coder.gguf", "llama", "gpt2", 1156067, 25, 32256, 31757, "!"},
    {"ggml-vocab-gpt-2.gguf", "gpt2", "gpt2", 1766807, 16, 50257, 50000, "!"},
    {"ggml-vocab-llama-bpe.gguf", "llama", "gpt2", 7818140, 20, 128256, 280147, "!"},
    {"ggml-vocab-llama-spm.gguf", "llama", "llama", 723869, 22, 32000, 0, "<unk>"},
    {"ggml-vocab-phi-3.gguf", "phi3", "llama", 726019, 26, 32064, 0, "<unk>"},
    {"ggml-vocab-qwen2.gguf", "qwen2", "gpt2", 5928681, 20, 151936, 151387, "!"},
    {"ggml-vocab-refact.gguf", "refact", "gpt2", 1720710, 18, 49216, 48891, "<|endoftext|>"},
    {"ggml-vocab-starcoder.gguf", "starcoder2", "gpt2", 1719346, 19, 49152, 48872, "<|endoftext|>"},
};

TEST(InferGgufFixture, VocabularyOnlyFiles) {
  for (const VocabFile& expected : kVocabFiles) {
    SCOPED_TRACE(expected.file);
    auto file = File::open(fixture(std::string("vocab/") + expected.file));
    ASSERT_TRUE(file) << file.error().to_string();
    EXPECT_EQ(file->version(), 3u);
    EXPECT_EQ(file->file_size(), expected.size_bytes);
    EXPECT_TRUE(file->tensors().empty());
    EXPECT_EQ(file->metadata().size(), expected.metadata_count);
    EXPECT_EQ(file->find("general.architecture")->as_string().value(), expected.architecture);
    EXPECT_EQ(file->find("tokenizer.ggml.model")->as_string().value(), expected.tokenizer_model);
    auto tokens = file->find("tokenizer.ggml.tokens")->as_strings();
    ASSERT_TRUE(tokens);
    EXPECT_EQ(tokens->size(), expected.token_count);
    EXPECT_EQ(tokens->front(), expected.first_token);
    const Value* merges = file->find("tokenizer.ggml.merges");
    if (expected.merge_count == 0) {
      EXPECT_EQ(merges, nullptr);
    } else {
      ASSERT_NE(merges, nullptr);
      EXPECT_EQ(merges->size(), expected.merge_count);
    }
  }
}

TEST(InferGgufFixture, BoolsAndFloatsOfVocabularyFiles) {
  // llama-spm: add_bos_token true, add_eos_token false (bool values); qwen2: bos 151643.
  auto spm = File::open(fixture("vocab/ggml-vocab-llama-spm.gguf"));
  ASSERT_TRUE(spm) << spm.error().to_string();
  EXPECT_TRUE(spm->find("tokenizer.ggml.add_bos_token")->as_bool().value());
  EXPECT_FALSE(spm->find("tokenizer.ggml.add_eos_token")->as_bool().value());
  EXPECT_EQ(spm->find("tokenizer.ggml.add_bos_token")->summary(), "true");
  auto not_bool = spm->find("tokenizer.ggml.bos_token_id")->as_bool();
  ASSERT_FALSE(not_bool);
  EXPECT_NE(not_bool.error().message().find("uint32"), std::string::npos);

  auto qwen = File::open(fixture("vocab/ggml-vocab-qwen2.gguf"));
  ASSERT_TRUE(qwen) << qwen.error().to_string();
  EXPECT_EQ(qwen->find("tokenizer.ggml.bos_token_id")->as_uint().value(), 151643u);
  // qwen2.rope.freq_base is float32 1000000.0.
  EXPECT_EQ(qwen->find("qwen2.rope.freq_base")->as_float().value(), 1e6);
  EXPECT_EQ(qwen->find("qwen2.rope.freq_base")->summary(), "1000000");
  EXPECT_EQ(qwen->find("tokenizer.ggml.pre")->summary(), "\"qwen2\"");
}

}  // namespace
}  // namespace ward::infer::gguf
