#include "infer/fim/fim.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>

namespace ward::infer::fim {
namespace {

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

using tokenizer::kNoToken;
using tokenizer::Tokenizer;

// Where the suffix goes.
enum class Order {
  kPrefixSuffixMiddle,  // PRE P SUF S MID
  kSuffixPrefix,        // SUF S PRE P: Codestral, which has no middle marker
  kSuffixMiddlePrefix,  // PRE SUF S MID P: StarCoder's and Megatron's SPM training layout
};

// The marker texts of each layout ("" where it has none) and how its repository context reads.
struct Layout {
  Format format;
  std::string_view name;
  std::string_view prefix;
  std::string_view suffix;
  std::string_view middle;
  std::string_view repository;
  std::string_view file_separator;
  Order order;
  bool newline_after_parts;  // "\n" after the repository name and after each file (Qwen)
};

constexpr Layout kLayouts[] = {
    {Format::kQwen, "qwen", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|repo_name|>",
     "<|file_sep|>", Order::kPrefixSuffixMiddle, true},
    {Format::kStarCoder, "starcoder", "<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<repo_name>",
     "<file_sep>", Order::kPrefixSuffixMiddle, false},
    {Format::kStarCoderSpm, "starcoder-spm", "<fim_prefix>", "<fim_suffix>", "<fim_middle>",
     "<repo_name>", "<file_sep>", Order::kSuffixMiddlePrefix, false},
    {Format::kCodeLlama, "codellama", "\xE2\x96\x81<PRE>", "\xE2\x96\x81<SUF>", "\xE2\x96\x81<MID>",
     "", "", Order::kPrefixSuffixMiddle, false},
    {Format::kDeepSeek, "deepseek",
     "<\xEF\xBD\x9C"
     "fim\xE2\x96\x81"
     "begin\xEF\xBD\x9C>",
     "<\xEF\xBD\x9C"
     "fim\xE2\x96\x81"
     "hole\xEF\xBD\x9C>",
     "<\xEF\xBD\x9C"
     "fim\xE2\x96\x81"
     "end\xEF\xBD\x9C>",
     "", "", Order::kPrefixSuffixMiddle, false},
    {Format::kCodestral, "codestral", "[PREFIX]", "[SUFFIX]", "", "", "", Order::kSuffixPrefix,
     false},
};

const Layout& layout_of(Format format) {
  for (const Layout& layout : kLayouts) {
    if (layout.format == format) return layout;
  }
  return kLayouts[0];  // not reached: every Format has a layout
}

core::Error fim_error(std::string message) {
  return core::Error(core::Code::kInvalidArgument, "fim", std::move(message));
}

core::Result<Format> detect(const Tokenizer& tokenizer) {
  if (tokenizer.find_token("[SUFFIX]") && tokenizer.find_token("[PREFIX]")) {
    return Format::kCodestral;
  }
  const TokenId prefix = tokenizer.special_tokens().fim_pre;
  if (prefix == kNoToken) {
    return fim_error(
        "the vocabulary has no fill-in-the-middle tokens (no tokenizer.ggml.fim_pre_token_id and "
        "no token such as <|fim_prefix|>, <fim_prefix>, \xE2\x96\x81<PRE>, <\xEF\xBD\x9C"
        "fim\xE2\x96\x81"
        "begin\xEF\xBD\x9C> or [PREFIX]); use a code model trained for fill-in-the-middle");
  }
  const std::string_view text = tokenizer.token_text(prefix).value();
  for (const Layout& layout : kLayouts) {
    if (text == layout.prefix) return layout.format;
  }
  return fim_error("the FIM prefix token " + std::string(text) + " (id " + std::to_string(prefix) +
                   ") belongs to no layout Ward knows; name the format (qwen, starcoder, "
                   "starcoder-spm, codellama, deepseek or codestral) if one of them fits the "
                   "model");
}

// The largest n in [0, limit] for which fits(n) holds, given that fits(0) holds and fits is true
// up to some n and false after it. Gallops from 0 so that the cost follows the answer, not the
// limit.
size_t largest_fitting(size_t limit, const std::function<bool(size_t)>& fits) {
  size_t good = 0;
  size_t probe = 1;
  while (probe < limit && fits(probe)) {
    good = probe;
    probe *= 2;
  }
  size_t bad = limit + 1;
  if (probe >= limit) {
    if (fits(limit)) return limit;
    bad = limit;
  } else {
    bad = probe;
  }
  while (bad - good > 1) {
    const size_t middle = good + (bad - good) / 2;
    if (fits(middle)) {
      good = middle;
    } else {
      bad = middle;
    }
  }
  return good;
}

// Offsets where a kept prefix may start, nearest the cursor first: the start of each line, from
// the cursor's line back to the first.
std::vector<size_t> line_starts_from_end(std::string_view text) {
  std::vector<size_t> starts;
  for (size_t at = text.rfind('\n'); at != std::string_view::npos;
       at = at == 0 ? std::string_view::npos : text.rfind('\n', at - 1)) {
    starts.push_back(at + 1);
  }
  starts.push_back(0);
  return starts;
}

// Offsets where a kept suffix may end, nearest the cursor first: the end of each line.
std::vector<size_t> line_ends(std::string_view text) {
  std::vector<size_t> ends;
  for (size_t at = text.find('\n'); at != std::string_view::npos; at = text.find('\n', at + 1)) {
    ends.push_back(at + 1);
  }
  if (ends.empty() || ends.back() != text.size()) ends.push_back(text.size());
  return ends;
}

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Character starts in [begin, end), from the last to the first.
std::vector<size_t> char_starts_from_end(std::string_view text, size_t begin, size_t end) {
  std::vector<size_t> starts;
  for (size_t at = end; at > begin;) {
    --at;
    if (!is_continuation(text[at])) starts.push_back(at);
  }
  return starts;
}

// Character ends in (begin, end], from the first.
std::vector<size_t> char_ends(std::string_view text, size_t begin, size_t end) {
  std::vector<size_t> ends;
  for (size_t at = begin + 1; at <= end; ++at) {
    if (at == text.size() || !is_continuation(text[at])) ends.push_back(at);
  }
  return ends;
}

}  // namespace

std::string_view format_name(Format format) {
  return layout_of(format).name;
}

core::Result<Format> parse_format(std::string_view name) {
  for (const Layout& layout : kLayouts) {
    if (name == layout.name) return layout.format;
  }
  if (name == "qwen2.5-coder") return Format::kQwen;
  if (name == "starcoder2") return Format::kStarCoder;
  if (name == "deepseek-coder") return Format::kDeepSeek;
  return core::Error(core::Code::kInvalidArgument, "fim format",
                     "unknown fill-in-the-middle format '" + std::string(name) +
                         "'; use qwen, starcoder, starcoder-spm, codellama, deepseek or "
                         "codestral");
}

core::Result<PromptBuilder> PromptBuilder::create(const Tokenizer& tokenizer,
                                                  std::optional<Format> format) {
  if (!format) {
    auto detected = detect(tokenizer);
    if (!detected) return std::move(detected).error();
    format = *detected;
  }
  const Layout& layout = layout_of(*format);
  const auto required = [&](std::string_view text) -> core::Result<TokenId> {
    if (auto id = tokenizer.find_token(text)) return *id;
    return fim_error("the " + std::string(layout.name) + " format needs the token " +
                     std::string(text) + ", which this vocabulary lacks");
  };
  const auto optional = [&](std::string_view text) {
    if (text.empty()) return kNoToken;
    return tokenizer.find_token(text).value_or(kNoToken);
  };
  Markers markers;
  auto prefix = required(layout.prefix);
  if (!prefix) return std::move(prefix).error();
  auto suffix = required(layout.suffix);
  if (!suffix) return std::move(suffix).error();
  markers.prefix = *prefix;
  markers.suffix = *suffix;
  if (!layout.middle.empty()) {
    auto middle = required(layout.middle);
    if (!middle) return std::move(middle).error();
    markers.middle = *middle;
  }
  // Repository context needs both of its tokens.
  markers.repository = optional(layout.repository);
  markers.file_separator = optional(layout.file_separator);
  if (markers.repository == kNoToken || markers.file_separator == kNoToken) {
    markers.repository = kNoToken;
    markers.file_separator = kNoToken;
  }
  return PromptBuilder(tokenizer, *format, markers);
}

std::vector<TokenId> PromptBuilder::prefix_tokens(std::string_view text) const {
  return tokenizer_.tokenize(text, /*add_special=*/false, /*parse_special=*/false);
}

std::vector<TokenId> PromptBuilder::suffix_tokens(std::string_view text) const {
  // SentencePiece puts "▁" before the text; CodeLlama's suffix goes without it.
  if (format_ == Format::kCodeLlama) return inner_tokens(text);
  return prefix_tokens(text);
}

std::vector<TokenId> PromptBuilder::inner_tokens(std::string_view text) const {
  const bool drop_space_prefix = tokenizer_.model() == tokenizer::TokenizerModel::kSpm &&
                                 tokenizer_.special_tokens().add_space_prefix;
  if (!drop_space_prefix || text.empty()) return prefix_tokens(text);
  // Tokenizing "\n" + text and removing the tokens of "\n" gives the text's tokens without the
  // space, because no Llama token spans a newline (checked: the head must come out unchanged).
  const std::vector<TokenId> head = prefix_tokens("\n");
  std::vector<TokenId> tokens = prefix_tokens("\n" + std::string(text));
  if (tokens.size() >= head.size() && std::equal(head.begin(), head.end(), tokens.begin())) {
    tokens.erase(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(head.size()));
    return tokens;
  }
  return prefix_tokens(text);
}

bool PromptBuilder::is_continuation(const Request& request) {
  return !request.prefix.empty() && is_blank(request.suffix);
}

bool PromptBuilder::uses_repository_layout(const Request& request) const {
  return markers_.file_separator != kNoToken &&
         (!request.repository.empty() || !request.path.empty() || !request.related_files.empty());
}

std::vector<TokenId> PromptBuilder::repository_header(const Request& request) const {
  std::vector<TokenId> tokens;
  const bool newline = layout_of(format_).newline_after_parts;
  if (!request.repository.empty()) {
    tokens.push_back(markers_.repository);
    const auto name = prefix_tokens(request.repository + (newline ? "\n" : ""));
    tokens.insert(tokens.end(), name.begin(), name.end());
  }
  return tokens;
}

std::vector<TokenId> PromptBuilder::related_file_tokens(const RelatedFile& file) const {
  std::string text = file.path + "\n" + file.content;
  if (layout_of(format_).newline_after_parts && !file.content.empty() &&
      file.content.back() != '\n') {
    text += '\n';
  }
  std::vector<TokenId> tokens = {markers_.file_separator};
  const auto body = prefix_tokens(text);
  tokens.insert(tokens.end(), body.begin(), body.end());
  return tokens;
}

std::vector<TokenId> PromptBuilder::assemble(const Request& request,
                                             std::span<const TokenId> header,
                                             std::span<const TokenId> prefix,
                                             std::span<const TokenId> suffix) const {
  std::vector<TokenId> out;
  const auto& special = tokenizer_.special_tokens();
  if (special.add_bos && special.bos != kNoToken) out.push_back(special.bos);
  out.insert(out.end(), header.begin(), header.end());
  if (uses_repository_layout(request)) {
    out.push_back(markers_.file_separator);
    if (!request.path.empty()) {
      const auto path = prefix_tokens(request.path + "\n");
      out.insert(out.end(), path.begin(), path.end());
    }
  }
  const auto append = [&out](std::span<const TokenId> tokens) {
    out.insert(out.end(), tokens.begin(), tokens.end());
  };
  if (is_continuation(request)) {
    append(prefix);
    return out;
  }
  switch (layout_of(format_).order) {
    case Order::kPrefixSuffixMiddle:
      out.push_back(markers_.prefix);
      append(prefix);
      out.push_back(markers_.suffix);
      append(suffix);
      out.push_back(markers_.middle);
      break;
    case Order::kSuffixPrefix:
      out.push_back(markers_.suffix);
      append(suffix);
      out.push_back(markers_.prefix);
      append(prefix);
      break;
    case Order::kSuffixMiddlePrefix:
      out.push_back(markers_.prefix);
      out.push_back(markers_.suffix);
      append(suffix);
      out.push_back(markers_.middle);
      append(prefix);
      break;
  }
  return out;
}

std::string PromptBuilder::heal(std::vector<TokenId>& prefix, std::vector<TokenId>& middle) const {
  // A run of whitespace may have been cut into several tokens ("\n" and the spaces after it):
  // all of them go first. The cap keeps a prefix ending in pages of blank lines cheap.
  constexpr int kMaxHealedTokens = 8;
  std::string healed;
  size_t removed = 0;
  for (int taken = 0; taken < kMaxHealedTokens && !prefix.empty(); ++taken) {
    auto piece = tokenizer_.token_to_piece(prefix.back());
    if (!piece || piece->empty()) break;
    if (taken > 0 && !(is_blank(*piece) && is_blank(healed))) break;
    healed.insert(0, *piece);
    prefix.pop_back();
    ++removed;
  }
  if (healed.empty() || !is_blank(healed)) return healed;  // mid-word: heal the last token only

  // Leaving the whole run to the sampler lets greedy decoding pick a split of it the model never
  // saw in training: in StarCoder's vocabulary "\n" + 8 spaces is one token, but before a word
  // the pre-tokenizer (\s+(?!\S)) always gives "\n" + 7 spaces, then " if"; a model that has
  // spelt all 8 must then start a word without its space, and writes garbage. So the run is
  // split as the vocabulary splits it before a word (tokenized with a letter after it), those
  // tokens go into the prompt, and only what that word's first token takes from the run is
  // healed (typically " "; generate.cpp then lets no token indent further). A line that starts
  // with punctuation may be split otherwise in some vocabularies, but a letter is by far the
  // commonest case.
  const std::vector<TokenId> canonical = inner_tokens(healed + "x");
  std::vector<TokenId> kept;
  std::vector<size_t> ends;  // where each kept token's text ends in `healed`
  size_t spelt = 0;
  for (const TokenId id : canonical) {
    auto piece = tokenizer_.token_to_piece(id);
    if (!piece || piece->empty() || piece->size() > healed.size() - spelt ||
        std::string_view(healed).substr(spelt, piece->size()) != *piece) {
      break;  // the token reaches into the letter (or is no plain text): it is the generation's
    }
    kept.push_back(id);
    spelt += piece->size();
    ends.push_back(spelt);
  }
  if (spelt == healed.size() && !kept.empty()) {
    // The whole run splits off the word (tabs: "\n\t\t" before a word is "\n\t", "\t", "x";
    // a bare "\n"): its last token stays healed. The generation must then spell exactly that
    // token, which is what the model would do after the canonical tokens before it, and the
    // rule that no token indents further still holds for the token after it; with nothing
    // healed the model could indent past the editor's indentation.
    kept.pop_back();
    ends.pop_back();
    spelt = ends.empty() ? 0 : ends.back();
  }
  // The prompt was fitted to its budget with the tokens removed above: it must not grow.
  if (kept.size() > removed) return healed;

  // Where the kept tokens go: a code model trained on fill-in-the-middle at line boundaries (as
  // Ward's starter model is, tools/train/data.py) saw the middle begin with the token that holds
  // the newline before its first line ("\n" + indentation), the blank lines before it ending the
  // prefix. With those same tokens at the end of the prefix instead, that model writes garbage:
  // next-line exact match on held-out Python fell from 5% to 0%. So the token holding the run's
  // last newline, and those after it, begin the middle (after the middle marker, where the
  // generation goes on), and the tokens before it end the prefix. Where the newline is in the
  // healed text, the generation begins with it. Where the vocabulary joined the newline to the
  // text before it (Qwen's ":\n"), the whole run is indentation and begins the middle; spaces
  // within a line end the prefix, as any other text of it.
  size_t boundary = healed.rfind('\n');  // kept tokens that end at or before it end the prefix
  if (boundary == std::string::npos) {
    bool line_start = prefix.empty();
    if (!line_start) {
      auto before = tokenizer_.token_to_piece(prefix.back());
      line_start = before && before->ends_with('\n');
    }
    if (line_start) boundary = 0;
  }
  size_t to_prefix = 0;
  while (to_prefix < kept.size() && ends[to_prefix] <= boundary) ++to_prefix;
  prefix.insert(prefix.end(), kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(to_prefix));
  middle.assign(kept.begin() + static_cast<std::ptrdiff_t>(to_prefix), kept.end());
  return healed.substr(spelt);
}

core::Result<Prompt> PromptBuilder::build(const Request& request) const {
  if (request.max_tokens < 0) {
    return fim_error("max_tokens must be at least 0 (0 = no limit), got " +
                     std::to_string(request.max_tokens));
  }
  Prompt prompt;
  prompt.repository_context = uses_repository_layout(request);
  std::vector<TokenId> header =
      prompt.repository_context ? repository_header(request) : std::vector<TokenId>{};
  std::vector<TokenId> prefix = prefix_tokens(request.prefix);
  std::vector<TokenId> suffix =
      is_continuation(request) ? std::vector<TokenId>{} : suffix_tokens(request.suffix);

  // Everything but the related files, the prefix and the suffix: what no cut can shorten.
  const size_t fixed = assemble(request, header, {}, {}).size();
  size_t budget = request.max_tokens == 0 ? SIZE_MAX : static_cast<size_t>(request.max_tokens);
  if (fixed > budget) {
    return fim_error("a token budget of " + std::to_string(request.max_tokens) +
                     " is too small: the markers, the file path and the repository name alone "
                     "take " +
                     std::to_string(fixed) + " tokens");
  }
  const size_t available = budget - fixed;

  if (prefix.size() + suffix.size() > available) {
    size_t suffix_share = available / 4;
    size_t prefix_share = available - suffix_share;
    if (prefix.size() < prefix_share) {
      prefix_share = prefix.size();
      suffix_share = available - prefix_share;
    } else if (suffix.size() < suffix_share) {
      suffix_share = suffix.size();
      prefix_share = available - suffix_share;
    }
    const std::string_view text_before = request.prefix;
    const std::string_view text_after = request.suffix;
    if (prefix.size() > prefix_share) {
      // Keep whole lines nearest the cursor; if not even the cursor's line fits, its last
      // characters.
      std::vector<size_t> starts = line_starts_from_end(text_before);
      const auto tail_fits = [&](size_t count) {
        return count == 0 ||
               prefix_tokens(text_before.substr(starts[count - 1])).size() <= prefix_share;
      };
      size_t lines = largest_fitting(starts.size(), tail_fits);
      if (lines == 0 || (lines == 1 && starts[0] == text_before.size())) {
        starts = char_starts_from_end(text_before, lines == 0 ? starts[0] : starts[1],
                                      text_before.size());
        lines = largest_fitting(starts.size(), tail_fits);
      }
      const size_t cut = lines == 0 ? text_before.size() : starts[lines - 1];
      prompt.prefix_bytes_dropped = cut;
      prefix = prefix_tokens(text_before.substr(cut));
    }
    if (suffix.size() > suffix_share) {
      std::vector<size_t> ends = line_ends(text_after);
      const auto head_fits = [&](size_t count) {
        return count == 0 ||
               suffix_tokens(text_after.substr(0, ends[count - 1])).size() <= suffix_share;
      };
      size_t lines = largest_fitting(ends.size(), head_fits);
      if (lines == 0) {
        ends = char_ends(text_after, 0, ends[0]);
        lines = largest_fitting(ends.size(), head_fits);
      }
      const size_t end = lines == 0 ? 0 : ends[lines - 1];
      prompt.suffix_bytes_dropped = text_after.size() - end;
      suffix = suffix_tokens(text_after.substr(0, end));
    }
  }

  // With healing, the start of the middle that the prompt already holds (see heal()).
  std::vector<TokenId> middle;
  if (request.heal_last_token) prompt.healed_text = heal(prefix, middle);

  // Related files in the order given while they fit in what the prefix and suffix left.
  if (prompt.repository_context) {
    size_t left = available - std::min(available, prefix.size() + middle.size() + suffix.size());
    for (const RelatedFile& file : request.related_files) {
      const std::vector<TokenId> tokens = related_file_tokens(file);
      if (tokens.size() > left) break;
      left -= tokens.size();
      header.insert(header.end(), tokens.begin(), tokens.end());
      ++prompt.related_files_used;
    }
  }
  prompt.tokens = assemble(request, header, prefix, suffix);
  // Every layout ends where the generation goes on: the middle marker, or the prefix (suffix
  // first, or a continuation).
  prompt.tokens.insert(prompt.tokens.end(), middle.begin(), middle.end());
  return prompt;
}

}  // namespace ward::infer::fim
