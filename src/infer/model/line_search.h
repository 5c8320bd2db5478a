#pragma once
// Beam search over the first line of a generation. Greedy decoding takes the likeliest token at
// each step, and a small code model's likeliest first token often begins a line it then finds
// unlikely as a whole; the likeliest whole line is right more often (docs/engine.md has the
// figures). The search keeps the `width` likeliest unfinished lines, scored by the sum of their
// tokens' log-probabilities, extends them all in one forward pass per step (the Session's
// branches), and ends when a finished line is likelier than every unfinished one: those can only
// grow less likely. A line is finished by a token whose text, after any forced text, holds a
// newline, or by an end-of-generation token.
//
// LineRules take lines the caller knows to be wrong out of the candidates (docs/engine.md has
// what each changed).
//
// Threads: runs on the calling thread, as generate() does.

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/error.h"
#include "infer/model/forced_text.h"
#include "infer/model/line_rules.h"
#include "infer/model/session.h"
#include "infer/tokenizer/tokenizer.h"

namespace ward::infer::model {

struct LineSearchOptions {
  int32_t width = 2;                  // 2 ... Session::kMaxBranches
  int32_t max_tokens = 0;             // tokens in the line at most; 0: until the context is full
  ForcedText forced{""};              // token healing's constraint (forced_text.h)
  std::function<bool()> out_of_time;  // optional: true ends the search with the best line so far
  LineRules rules;
};

// The tokens of the likeliest line found after the session's cached tokens, which `logits`
// follow; its last token included (the one holding the newline, or the end-of-generation
// token). When the search ends early (max_tokens, out_of_time, a full context), the likeliest
// finished line so far, or else the likeliest unfinished one. The session's tokens() stay as they
// were. Errors: kInvalidArgument for a width out of range, kCancelled when *cancel becomes true,
// and the Session's.
core::Result<std::vector<tokenizer::TokenId>> search_line(Session& session,
                                                          std::span<const float> logits,
                                                          const LineSearchOptions& options,
                                                          const std::atomic<bool>* cancel);

}  // namespace ward::infer::model
