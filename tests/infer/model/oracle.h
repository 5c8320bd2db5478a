#pragma once
// Runs llama.cpp (tests/infer/oracle/llama_cpp.mjs under node) as a live subprocess and parses
// what it prints: the reference next-token log-probabilities and greedy continuations that the
// model tests compare Ward's engine with. Single-threaded use within one test.

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "infer/tokenizer/tokenizer.h"

namespace ward::infer::model::testing {

struct GreedyStep {
  tokenizer::TokenId token = 0;
  double margin = 0;  // the reference's log-prob gap between its top two tokens at this step
};

struct OracleResult {
  std::vector<double> logprobs;  // after the prompt's last token, in id order (may be empty)
  std::vector<GreedyStep> greedy;
};

struct OracleRequest {
  std::filesystem::path model;
  std::vector<std::vector<tokenizer::TokenId>> prompts;
  int greedy = 0;
  bool logprobs = true;
  int threads = 2;
  std::vector<std::string> extra_args = {};  // e.g. {"--kv-type", "f32", "--flash-attention", "off"}
};

// One result per prompt, or an error carrying node's stderr.
core::Result<std::vector<OracleResult>> run_oracle(const OracleRequest& request);

// log-softmax of raw logits, in double.
std::vector<double> log_softmax(std::span<const float> logits);

}  // namespace ward::infer::model::testing
