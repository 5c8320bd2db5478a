// The reference test vectors: for each of the eight vocabulary-only GGUF files in
// ../shared/fixtures/vocab/, every case of its .inp file must tokenize (add_special = false,
// parse_special = false) to the ids that llama.cpp wrote in its .out file, and must come back
// unchanged through detokenize(). Each vocabulary is loaded once for the whole suite.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "infer/gguf/gguf.h"
#include "infer/tokenizer/tokenizer.h"
#include "support/test_support.h"

namespace ward::infer::tokenizer {
namespace {

struct Case {
  std::string text;
  std::vector<TokenId> expected;
};

struct Fixture {
  std::unique_ptr<Tokenizer> tokenizer;
  std::vector<Case> cases;
};

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The .inp format: cases separated by "\n__ggml_vocab_test__\n", the file ending with one.
std::vector<std::string> read_inputs(const std::filesystem::path& path) {
  static const std::string kSeparator = "\n__ggml_vocab_test__\n";
  const std::string all = read_all(path);
  std::vector<std::string> cases;
  size_t pos = 0;
  while (pos < all.size()) {
    const size_t hit = all.find(kSeparator, pos);
    if (hit == std::string::npos) {
      cases.push_back(all.substr(pos));
      break;
    }
    cases.push_back(all.substr(pos, hit - pos));
    pos = hit + kSeparator.size();
  }
  return cases;
}

// The .out format: one line per case, ids separated by spaces.
std::vector<std::vector<TokenId>> read_outputs(const std::filesystem::path& path) {
  std::istringstream all(read_all(path));
  std::vector<std::vector<TokenId>> outputs;
  std::string line;
  while (std::getline(all, line)) {
    std::istringstream ids(line);
    std::vector<TokenId> row;
    TokenId id = 0;
    while (ids >> id) row.push_back(id);
    outputs.push_back(std::move(row));
  }
  return outputs;
}

// Loaded on first use and kept for the rest of the run (gtest runs the suite's tests in one
// process): loading the largest vocabulary takes a noticeable part of a second under ASan.
const Fixture& load(const std::string& name) {
  static std::map<std::string, Fixture> loaded;
  auto it = loaded.find(name);
  if (it != loaded.end()) return it->second;
  Fixture& fixture = loaded[name];
  const std::string base = "vocab/ggml-vocab-" + name + ".gguf";
  auto file = gguf::File::open(test::fixture(base));
  EXPECT_TRUE(file.ok()) << (file.ok() ? "" : file.error().to_string());
  if (!file.ok()) return fixture;
  auto tokenizer = Tokenizer::from_gguf(*file);
  EXPECT_TRUE(tokenizer.ok()) << (tokenizer.ok() ? "" : tokenizer.error().to_string());
  if (!tokenizer.ok()) return fixture;
  fixture.tokenizer = std::make_unique<Tokenizer>(std::move(*tokenizer));

  const auto inputs = read_inputs(test::fixture(base + ".inp"));
  const auto outputs = read_outputs(test::fixture(base + ".out"));
  EXPECT_EQ(inputs.size(), outputs.size()) << "cases in " << base << ".inp and .out";
  for (size_t i = 0; i < inputs.size() && i < outputs.size(); ++i) {
    fixture.cases.push_back({inputs[i], outputs[i]});
  }
  return fixture;
}

std::string ids_text(const std::vector<TokenId>& ids) {
  std::string text = "[";
  for (size_t i = 0; i < ids.size(); ++i) text += (i ? " " : "") + std::to_string(ids[i]);
  return text + "]";
}

// The case text with control characters and non-ASCII bytes made visible.
std::string escaped(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

class InferTokenizerFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(InferTokenizerFixture, EveryCaseMatchesTheReferenceIds) {
  const Fixture& fixture = load(GetParam());
  ASSERT_TRUE(fixture.tokenizer);
  ASSERT_EQ(fixture.cases.size(), 46u);
  int mismatches = 0;
  for (size_t i = 0; i < fixture.cases.size(); ++i) {
    const Case& c = fixture.cases[i];
    const std::vector<TokenId> got = fixture.tokenizer->tokenize(c.text, false, false);
    if (got != c.expected) {
      ++mismatches;
      ADD_FAILURE() << GetParam() << " case " << i << " " << escaped(c.text) << "\n  expected "
                    << ids_text(c.expected) << "\n  got      " << ids_text(got);
    }
  }
  EXPECT_EQ(mismatches, 0);
}

TEST_P(InferTokenizerFixture, EveryCaseRoundTripsThroughDetokenize) {
  const Fixture& fixture = load(GetParam());
  ASSERT_TRUE(fixture.tokenizer);
  for (size_t i = 0; i < fixture.cases.size(); ++i) {
    const Case& c = fixture.cases[i];
    // Detokenize the reference ids, so a tokenize() bug cannot hide a detokenize() bug.
    auto text = fixture.tokenizer->detokenize(c.expected);
    ASSERT_TRUE(text.ok()) << text.error().to_string();
    EXPECT_EQ(*text, c.text) << GetParam() << " case " << i << " " << escaped(c.text)
                             << " came back as " << escaped(*text);
  }
}

INSTANTIATE_TEST_SUITE_P(Vocabularies, InferTokenizerFixture,
                         ::testing::Values("llama-spm", "llama-bpe", "qwen2", "deepseek-coder",
                                           "starcoder", "refact", "gpt-2", "phi-3"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           for (char& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace ward::infer::tokenizer
