#include "infer/model/line_search.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <optional>
#include <utility>

#include "core/text.h"

namespace ward::infer::model {
namespace {

using tokenizer::TokenId;

struct Hypothesis {
  std::vector<TokenId> tokens;
  double score = 0;  // the sum of the tokens' log-probabilities
  ForcedText forced;
  std::string line;  // its text so far, after the forced text
};

struct Candidate {
  double score;
  size_t parent;  // index into the live hypotheses
  TokenId token;
};

// The `count` likeliest next tokens with their log-probabilities, likeliest first; only those
// the forced text allows while it is active.
std::vector<std::pair<double, TokenId>> likeliest(std::span<const float> logits,
                                                  const ForcedText& forced,
                                                  const tokenizer::Tokenizer& vocabulary,
                                                  size_t count) {
  std::vector<float> masked;
  if (forced.active()) {
    masked = forced.mask(logits, vocabulary);
    logits = masked;
  }
  const float top = *std::max_element(logits.begin(), logits.end());
  if (!std::isfinite(top)) return {};
  double sum = 0;
  for (float logit : logits) sum += std::exp(static_cast<double>(logit - top));
  const double log_normaliser = static_cast<double>(top) + std::log(sum);
  std::vector<std::pair<double, TokenId>> best;  // descending, at most count
  for (size_t id = 0; id < logits.size(); ++id) {
    const double value = static_cast<double>(logits[id]) - log_normaliser;
    if (best.size() == count && value <= best.back().first) continue;
    auto at =
        std::find_if(best.begin(), best.end(), [&](const auto& b) { return value > b.first; });
    best.insert(at, {value, static_cast<TokenId>(id)});
    if (best.size() > count) best.pop_back();
  }
  return best;
}

// `text` without its whitespace. Lines are compared so: a model kept from repeating a line
// writes it again with a space more ("f( x)") as readily.
std::string visible(std::string_view text) {
  std::string kept;
  std::copy_if(text.begin(), text.end(), std::back_inserter(kept),
               [](char c) { return !core::is_whitespace(c); });
  return kept;
}

// LineRules, with the line not to repeat prepared once for the many lines checked.
class LineCheck {
 public:
  explicit LineCheck(const LineRules& rules)
      : needs_text_(rules.needs_text), repeat_(visible(rules.differs_from)) {}

  bool rejects(std::string_view line) const {
    if (needs_text_ && core::trim(line).empty()) return true;
    return !repeat_.empty() && visible(line) == repeat_;
  }

 private:
  bool needs_text_;
  std::string repeat_;  // empty: any line may follow
};

}  // namespace

core::Result<std::vector<TokenId>> search_line(Session& session, std::span<const float> logits,
                                               const LineSearchOptions& options,
                                               const std::atomic<bool>* cancel) {
  if (options.width < 2 || options.width > Session::kMaxBranches) {
    return core::Error(core::Code::kInvalidArgument, "line_beams",
                       fmt::format("a line search needs a width of 2 to {}, got {}",
                                   Session::kMaxBranches, options.width));
  }
  if (auto status = session.start_branches(options.width); !status) return status.error();
  const tokenizer::Tokenizer& vocabulary = session.model().tokenizer();
  const auto width = static_cast<size_t>(options.width);
  const auto vocab = static_cast<size_t>(session.model().vocab_size());
  const auto cached = static_cast<int32_t>(session.tokens().size());

  const LineCheck check(options.rules);
  std::vector<Hypothesis> live = {{.tokens = {}, .score = 0, .forced = options.forced, .line = {}}};
  std::optional<Hypothesis> finished;
  for (int32_t length = 1;; ++length) {
    // Every live line's likeliest continuations; one more than the width, so that lines that
    // end here do not crowd out those that go on.
    std::vector<Candidate> candidates;
    for (size_t b = 0; b < live.size(); ++b) {
      for (auto [value, token] :
           likeliest(logits.subspan(b * vocab, vocab), live[b].forced, vocabulary, width + 1)) {
        candidates.push_back({live[b].score + value, b, token});
      }
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
    std::vector<Hypothesis> next;
    std::vector<TokenId> tokens;
    std::vector<int32_t> parents;
    for (const Candidate& c : candidates) {
      Hypothesis h = live[c.parent];
      h.tokens.push_back(c.token);
      h.score = c.score;
      auto piece = vocabulary.token_to_piece(c.token);
      const std::string_view text = h.forced.consume(piece ? *piece : std::string_view());
      const bool ends_generation = vocabulary.is_end_of_generation(c.token);
      const size_t newline = text.find('\n');
      if (!ends_generation) h.line += text.substr(0, newline);
      if (ends_generation || newline != std::string_view::npos) {
        if (check.rejects(h.line)) continue;
        if (!finished || h.score > finished->score) finished = std::move(h);
      } else if (next.size() < width) {
        tokens.push_back(c.token);
        parents.push_back(static_cast<int32_t>(c.parent));
        next.push_back(std::move(h));
      }
    }
    const bool at_limit = (options.max_tokens > 0 && length >= options.max_tokens) ||
                          cached + length >= session.context_size() ||
                          (options.out_of_time && options.out_of_time());
    // At a limit, a finished line is preferred however unlikely: a line that runs on that long
    // is mostly a loop ("= = = ..."), each repetition likelier than the last.
    if (next.empty() || at_limit || (finished && finished->score >= next.front().score)) {
      if (finished) return std::move(finished->tokens);
      if (next.empty()) return std::vector<TokenId>{};  // nothing the forced text allows
      return std::move(next.front().tokens);
    }
    auto stepped = session.step_branches(tokens, parents, cancel);
    if (!stepped) return stepped.error();
    logits = *stepped;
    live = std::move(next);
  }
}

}  // namespace ward::infer::model
