#pragma once
// The generation loop: prompt → Session::evaluate (reusing the cached prefix) → sample → append
// → ... until an end-of-generation token, a stop string, the token limit, the time budget, a
// full context or cancellation. Text is streamed as it becomes safe to show: the StopMatcher
// holds back a tail that may begin a stop string or end inside a UTF-8 character.
//
// Threads: runs on the calling thread (which drives the session's pool); the callback is called
// on that thread. One generation per Session at a time.

#include <atomic>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "infer/model/line_rules.h"
#include "infer/model/session.h"
#include "infer/sampling/sampler.h"
#include "infer/sampling/stop.h"
#include "infer/tokenizer/tokenizer.h"

namespace ward::infer::model {

struct GenerateOptions {
  sampling::SamplerOptions sampler = sampling::SamplerOptions::greedy();
  sampling::Limits limits;                     // max_tokens (0: until the context is full), time
  std::vector<std::string> stop_strings = {};  // text that ends generation (never shown)
  // Text the generation must begin with, neither streamed nor returned: token healing. A prompt
  // that ends inside what training saw as one token (a cursor after indentation: "\n" plus
  // spaces that, in code, always merge with the next line's first word) leads a model astray;
  // the caller drops the prompt's last token and puts its text here, and the first tokens are
  // drawn only from those consistent with it.
  std::string forced_prefix = {};
  // With greedy decoding: above 1, the first line is the likeliest of a beam search of this
  // width (line_search.h), and greedy decoding goes on after it. Streaming then starts when the
  // line is chosen. 1 to Session::kMaxBranches.
  int32_t line_beams = 1;
  // With line_beams above 1: what the searched line must be (line_rules.h), which the caller
  // knows from where the cursor sits.
  LineRules first_line = {};
};

struct GenerateResult {
  std::vector<tokenizer::TokenId> tokens;  // generated, without the end-of-generation token
  std::string text;                        // what was streamed, stop string cut off
  sampling::StopReason stop_reason = sampling::StopReason::kNone;
  int32_t prompt_tokens = 0;
  int32_t reused_tokens = 0;  // of the prompt, kept from the session's cache
  double prompt_seconds = 0;
  double generation_seconds = 0;
};

// Receives each piece of text as soon as it is safe to show.
using TextCallback = std::function<void(std::string_view text)>;

// Generates after `prompt` (token ids, BOS included where the model wants one). A full context
// ends generation with StopReason::kMaxTokens; cancellation (*cancel true, checked between
// tokens, batches and layers) ends it with kCancelled and what was generated so far. Errors
// (kInvalidArgument): invalid sampler options, stop strings or limits, and Session::evaluate's.
core::Result<GenerateResult> generate(Session& session, std::span<const tokenizer::TokenId> prompt,
                                      const GenerateOptions& options,
                                      const TextCallback& on_text = {},
                                      const std::atomic<bool>* cancel = nullptr);

}  // namespace ward::infer::model
