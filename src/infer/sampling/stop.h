#pragma once
// When generation stops, and which generated text may be shown before it does.
//
// StopMatcher receives the generated text one token piece at a time. A piece may end inside a
// UTF-8 character (byte tokens) or inside a stop string, so each push() says how much text is
// safe to emit now: everything except a tail that is the beginning of some stop string, and
// except an incomplete UTF-8 sequence at the end. When a stop string completes, the text before
// its first occurrence is emitted and the stop string itself never is. Among stop strings that
// occur, the one starting earliest wins (so overlapping candidates cut as early as possible).
// A stop string can only start in text not yet emitted, because any text that could begin one is
// held back, so each push() looks at a few bytes more than the longest stop string.
//
// Limits are the other reasons to stop: a token count and a time budget, checked by the
// generation loop after each token together with an end-of-generation token and cancellation;
// StopReason names which one ended it.
//
// Threads: plain values; one thread at a time per StopMatcher.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace ward::infer::sampling {

enum class StopReason {
  kNone,        // still running
  kEos,         // the model produced an end-of-generation token
  kStopString,  // a stop string appeared in the text
  kMaxTokens,   // the token limit was reached
  kTimeBudget,  // the time budget ran out
  kCancelled,   // the caller cancelled
};

// "none", "eos", "stop_string", "max_tokens", "time_budget", "cancelled" (stable; used in JSON).
std::string_view stop_reason_name(StopReason reason);

class StopMatcher {
 public:
  // Fails (kInvalidArgument, where = "stop") for an empty stop string, which would match
  // everywhere. No stop strings is fine: then only UTF-8 sequences are held back.
  static core::Result<StopMatcher> create(std::vector<std::string> stop_strings);

  struct Output {
    std::string text;                // safe to show now (may be empty)
    std::optional<size_t> stop_hit;  // index of the stop string that ended the text, if any
  };

  // Adds the next piece. After a stop string was hit, further pieces are ignored (empty output).
  Output push(std::string_view piece);

  // Generation ended for another reason: everything held back, including an incomplete UTF-8
  // sequence (as raw bytes; the caller decides how to show broken text). Afterwards the matcher is
  // stopped.
  std::string finish();

  bool stopped() const { return stopped_; }

 private:
  explicit StopMatcher(std::vector<std::string> stop_strings)
      : stop_strings_(std::move(stop_strings)) {}

  // Bytes at the end of pending_ that must wait: a possible stop-string start or a partial
  // UTF-8 character, whichever is longer.
  size_t held_tail() const;

  std::vector<std::string> stop_strings_;
  std::string pending_;  // text received but not yet emitted
  bool stopped_ = false;
};

// The count and time limits of one generation. max_tokens 0 means no token limit, a zero
// time_budget no time limit.
struct Limits {
  int32_t max_tokens = 0;
  std::chrono::milliseconds time_budget{0};

  // Fails (kInvalidArgument, where = the field) for a negative value.
  core::Status validate() const;
};

// Decides after each generated token whether to go on; clocks are passed in so that tests (and
// callers with their own clock) control time.
class StopPolicy {
 public:
  using Clock = std::chrono::steady_clock;
  StopPolicy(const Limits& limits, Clock::time_point start) : limits_(limits), start_(start) {}

  // The reason to stop after `generated` tokens, the last of which `end_of_generation` says was
  // an end token, at time `now`, with cancellation requested or not; kNone to go on. The order of
  // the checks (cancelled, eos, max_tokens, time_budget) decides which reason is reported when
  // several hold at once.
  StopReason check(int32_t generated, bool end_of_generation, Clock::time_point now,
                   bool cancel_requested) const;

 private:
  Limits limits_;
  Clock::time_point start_;
};

}  // namespace ward::infer::sampling
