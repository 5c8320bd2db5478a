#include "infer/sampling/stop.h"

#include <algorithm>
#include <utility>

namespace ward::infer::sampling {
namespace {

// The length of an incomplete UTF-8 sequence at the end of `text` (0 when the text ends on a
// character boundary or with bytes that cannot become a character anyway).
size_t incomplete_utf8_tail(std::string_view text) {
  size_t continuation = 0;
  while (continuation < 3 && continuation < text.size() &&
         (static_cast<unsigned char>(text[text.size() - 1 - continuation]) & 0xC0) == 0x80) {
    ++continuation;
  }
  if (continuation == text.size()) return 0;
  const auto lead = static_cast<unsigned char>(text[text.size() - 1 - continuation]);
  size_t length = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
  }
  const size_t have = continuation + 1;
  return length > have ? have : 0;
}

// The longest proper prefix of `stop` that `text` ends with.
size_t stop_prefix_tail(std::string_view text, std::string_view stop) {
  for (size_t length = std::min(stop.size() - 1, text.size()); length > 0; --length) {
    if (text.substr(text.size() - length) == stop.substr(0, length)) return length;
  }
  return 0;
}

}  // namespace

std::string_view stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::kNone:
      return "none";
    case StopReason::kEos:
      return "eos";
    case StopReason::kStopString:
      return "stop_string";
    case StopReason::kMaxTokens:
      return "max_tokens";
    case StopReason::kTimeBudget:
      return "time_budget";
    case StopReason::kCancelled:
      return "cancelled";
  }
  return "none";
}

core::Result<StopMatcher> StopMatcher::create(std::vector<std::string> stop_strings) {
  for (size_t i = 0; i < stop_strings.size(); ++i) {
    if (stop_strings[i].empty()) {
      return core::Error(core::Code::kInvalidArgument, "stop",
                         "stop string " + std::to_string(i + 1) +
                             " is empty; it would end generation before any text (remove it)");
    }
  }
  return StopMatcher(std::move(stop_strings));
}

StopMatcher::Output StopMatcher::push(std::string_view piece) {
  Output out;
  if (stopped_) return out;
  const size_t before = pending_.size();
  pending_.append(piece);

  // Earlier pushes found no stop string in the first `before` bytes, so a match ends in the new
  // bytes; the earliest start wins, then the lower index.
  size_t best = std::string::npos;
  for (size_t i = 0; i < stop_strings_.size(); ++i) {
    const std::string& stop = stop_strings_[i];
    const size_t from = before >= stop.size() ? before - stop.size() + 1 : 0;
    const size_t at = pending_.find(stop, from);
    if (at != std::string::npos && at < best) {
      best = at;
      out.stop_hit = i;
    }
  }
  if (out.stop_hit) {
    out.text = pending_.substr(0, best);
    pending_.clear();
    stopped_ = true;
    return out;
  }
  const size_t ready = pending_.size() - held_tail();
  out.text = pending_.substr(0, ready);
  pending_.erase(0, ready);
  return out;
}

std::string StopMatcher::finish() {
  stopped_ = true;
  return std::exchange(pending_, std::string());
}

size_t StopMatcher::held_tail() const {
  size_t held = incomplete_utf8_tail(pending_);
  for (const std::string& stop : stop_strings_) {
    held = std::max(held, stop_prefix_tail(pending_, stop));
  }
  return held;
}

core::Status Limits::validate() const {
  if (max_tokens < 0) {
    return core::Error(
        core::Code::kInvalidArgument, "max_tokens",
        "max_tokens must be at least 0 (0 = no limit), got " + std::to_string(max_tokens));
  }
  if (time_budget.count() < 0) {
    return core::Error(core::Code::kInvalidArgument, "time_budget",
                       "time_budget must be at least 0 ms (0 = no limit), got " +
                           std::to_string(time_budget.count()) + " ms");
  }
  return core::ok_status();
}

StopReason StopPolicy::check(int32_t generated, bool end_of_generation, Clock::time_point now,
                             bool cancel_requested) const {
  if (cancel_requested) return StopReason::kCancelled;
  if (end_of_generation) return StopReason::kEos;
  if (limits_.max_tokens > 0 && generated >= limits_.max_tokens) return StopReason::kMaxTokens;
  if (limits_.time_budget.count() > 0 && now - start_ >= limits_.time_budget) {
    return StopReason::kTimeBudget;
  }
  return StopReason::kNone;
}

}  // namespace ward::infer::sampling
