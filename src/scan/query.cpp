#include "scan/query.h"

#include <re2/re2.h>

#include <algorithm>

namespace ward::scan {
namespace {

std::string_view query_error_name(TSQueryError error) {
  switch (error) {
    case TSQueryErrorSyntax: return "a syntax error";
    case TSQueryErrorNodeType: return "an unknown node type";
    case TSQueryErrorField: return "an unknown field";
    case TSQueryErrorCapture: return "an unknown capture";
    case TSQueryErrorStructure: return "an impossible structure";
    default: return "an error";
  }
}

// (Not `std::string(ts_query_string_value_for_id(…, &length), length)`: the order in which the two
// arguments are evaluated is unspecified.)
std::string string_value(const TSQuery* query, uint32_t id) {
  uint32_t length = 0;
  const char* text = ts_query_string_value_for_id(query, id, &length);
  return std::string(text, length);
}

}  // namespace

core::Result<QueryPattern> QueryPattern::parse(const TomlReader& reader,
                                               const std::vector<Language>& rule_languages,
                                               bool compile_now) {
  if (auto status = reader.only_keys({"language", "pattern"}); !status) return status.error();
  QueryPattern pattern;
  auto language_name_value = reader.optional_string("language");
  if (!language_name_value) return language_name_value.error();
  if (language_name_value->has_value()) {
    auto language = parse_language(**language_name_value);
    if (!language) return reader.error("language", "names no language Ward parses (see docs/scanner.md)");
    pattern.language_ = *language;
  } else if (rule_languages.size() == 1) {
    pattern.language_ = rule_languages.front();
  } else {
    return reader.error("language", "is required when the rule has more than one language");
  }
  auto source = reader.string("pattern");
  if (!source) return source.error();
  pattern.compiled_ = std::make_shared<Compiled>();
  pattern.compiled_->where = reader.where();
  pattern.compiled_->key_path = reader.key_path("pattern");
  pattern.compiled_->source = std::move(*source);
  if (compile_now) {
    if (auto status = pattern.compile(); !status) return status.error();
  }
  return pattern;
}

core::Status QueryPattern::compile() const {
  std::call_once(compiled_->once, [&] { compiled_->status = compile_into(language_, *compiled_); });
  return compiled_->status;
}

core::Status QueryPattern::compile_into(Language language, Compiled& compiled) {
  auto error = [&](const std::string& message) {
    return core::Error(core::Code::kInvalidArgument, compiled.where,
                       "`" + compiled.key_path + "` " + message);
  };
  uint32_t offset = 0;
  TSQueryError query_error = TSQueryErrorNone;
  TSQuery* query =
      ts_query_new(grammar(language), compiled.source.data(),
                   static_cast<uint32_t>(compiled.source.size()), &offset, &query_error);
  if (query == nullptr) {
    return error("has " + std::string(query_error_name(query_error)) + " at offset " +
                 std::to_string(offset) + " for the " + std::string(language_name(language)) +
                 " grammar");
  }
  compiled.query.reset(query);
  for (uint32_t i = 0; i < ts_query_capture_count(query); ++i) {
    uint32_t length = 0;
    const char* name = ts_query_capture_name_for_id(query, i, &length);
    if (std::string_view(name, length) == "match") {
      compiled.match_capture = i;
    }
  }
  std::vector<std::string> pattern_texts;
  for (uint32_t p = 0; p < ts_query_pattern_count(query); ++p) {
    uint32_t count = 0;
    const TSQueryPredicateStep* steps = ts_query_predicates_for_pattern(query, p, &count);
    std::vector<Predicate> predicates;
    for (uint32_t i = 0; i < count;) {
      uint32_t end = i;
      while (end < count && steps[end].type != TSQueryPredicateStepTypeDone) ++end;
      std::string name = steps[i].type == TSQueryPredicateStepTypeString ? string_value(query, steps[i].value_id) : "";
      if (end - i != 3 || steps[i + 1].type != TSQueryPredicateStepTypeCapture ||
          steps[i + 2].type != TSQueryPredicateStepTypeString) {
        return error(
            "has a predicate other than (#eq?|#not-eq?|#match?|#not-match? @capture \"text\")");
      }
      Predicate predicate;
      predicate.capture = steps[i + 1].value_id;
      predicate.text = string_value(query, steps[i + 2].value_id);
      predicate.negate = name.starts_with("not-");
      if (name == "match?" || name == "not-match?") {
        re2::RE2::Options options;
        options.set_log_errors(false);
        auto regex = std::make_shared<const re2::RE2>(predicate.text, options);
        if (!regex->ok()) return error("has an invalid regular expression: " + regex->error());
        predicate.regex = regex;
      } else if (name != "eq?" && name != "not-eq?") {
        return error("uses the predicate #" + name + ", which Ward does not support");
      }
      predicates.push_back(std::move(predicate));
      i = end + 1;
    }
    compiled.predicates.push_back(std::move(predicates));
    pattern_texts.push_back(required_text(query, p, compiled.predicates.back()));
  }
  bool every_pattern_requires_text =
      std::none_of(pattern_texts.begin(), pattern_texts.end(),
                   [](const std::string& text) { return text.empty(); });
  if (every_pattern_requires_text) compiled.required_text = std::move(pattern_texts);
  return core::ok_status();
}

// Text that every match of pattern `pattern` holds, or "" when it needs none: a positive
// predicate on a capture the pattern always has (a predicate on an absent capture does not
// reject) requires the capture's text — a part of the file — to be the #eq? text, or to contain
// the start that every match of the #match? regex has.
std::string QueryPattern::required_text(const TSQuery* query, uint32_t pattern,
                                        const std::vector<Predicate>& predicates) {
  std::string longest;
  for (const auto& predicate : predicates) {
    TSQuantifier quantifier = ts_query_capture_quantifier_for_id(query, pattern, predicate.capture);
    if (predicate.negate ||
        (quantifier != TSQuantifierOne && quantifier != TSQuantifierOneOrMore)) {
      continue;
    }
    std::string text = predicate.text;
    if (predicate.regex) {
      std::string min, max;
      text.clear();
      if (predicate.regex->PossibleMatchRange(&min, &max, 16)) {
        size_t common = 0;
        while (common < min.size() && common < max.size() && min[common] == max[common]) ++common;
        text = min.substr(0, common);
      }
    }
    if (text.size() > longest.size()) longest = std::move(text);
  }
  return longest;
}

bool QueryPattern::Predicate::holds(const SyntaxTree& tree, TSNode node) const {
  std::string_view value = tree.text(node);
  bool result = regex ? re2::RE2::PartialMatch(re2::StringPiece(value.data(), value.size()), *regex)
                      : value == text;
  return result != negate;
}

std::vector<TSNode> QueryPattern::run(const SyntaxTree& tree) const {
  std::vector<TSNode> found;
  if (!compile()) return found;
  const Compiled& compiled = *compiled_;
  // Running a query walks the whole tree; a file without the text its predicates need is skipped.
  if (!compiled.required_text.empty() &&
      std::none_of(compiled.required_text.begin(), compiled.required_text.end(),
                   [&](const std::string& text) {
                     return tree.source().find(text) != std::string_view::npos;
                   })) {
    return found;
  }
  TSQueryCursor* cursor = ts_query_cursor_new();
  ts_query_cursor_exec(cursor, compiled.query.get(), tree.root());
  TSQueryMatch match;
  while (ts_query_cursor_next_match(cursor, &match)) {
    bool accepted = true;
    TSNode location = match.capture_count > 0 ? match.captures[0].node : tree.root();
    for (const auto& predicate : compiled.predicates[match.pattern_index]) {
      for (uint16_t c = 0; c < match.capture_count; ++c) {
        if (match.captures[c].index == predicate.capture && !predicate.holds(tree, match.captures[c].node)) {
          accepted = false;
        }
      }
    }
    for (uint16_t c = 0; c < match.capture_count; ++c) {
      if (compiled.match_capture && match.captures[c].index == *compiled.match_capture) {
        location = match.captures[c].node;
      }
    }
    if (accepted) found.push_back(location);
  }
  ts_query_cursor_delete(cursor);
  return found;
}

}  // namespace ward::scan
