#include "assist/suggestion.h"

#include "core/text.h"

namespace ward::assist {
namespace {

using core::trim;

bool is_blank_char(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim_right(std::string_view text) {
  while (!text.empty() && is_blank_char(text.back())) text.remove_suffix(1);
  return text;
}

// Leading whitespace in columns, a tab counting as four.
int indent_columns(std::string_view line) {
  int columns = 0;
  for (char c : line) {
    if (c == ' ') {
      columns += 1;
    } else if (c == '\t') {
      columns += 4;
    } else {
      break;
    }
  }
  return columns;
}

bool opens_block(std::string_view line) {
  const std::string_view text = trim_right(line);
  return !text.empty() && std::string_view(":{([").find(text.back()) != std::string_view::npos;
}

bool closes_block(std::string_view line) {
  const std::string_view text = trim(line);
  return !text.empty() && std::string_view("})]").find(text.front()) != std::string_view::npos;
}

}  // namespace

CompletionMode mode_at_cursor(std::string_view suffix) {
  const std::string_view rest_of_line = suffix.substr(0, suffix.find('\n'));
  return trim(rest_of_line).empty() ? CompletionMode::kMultiLine : CompletionMode::kSingleLine;
}

SuggestionGuard::SuggestionGuard(std::string_view prefix, std::string_view suffix,
                                 CompletionMode mode)
    : mode_(mode) {
  const size_t line_begin = prefix.rfind('\n');
  cursor_line_ = prefix.substr(line_begin == std::string_view::npos ? 0 : line_begin + 1);
  cursor_indent_ = indent_columns(cursor_line_);
  suffix_rest_of_line_ = trim(suffix.substr(0, suffix.find('\n')));
  for (std::string_view rest = suffix; !rest.empty();) {
    const size_t end = rest.find('\n');
    const std::string_view line = trim(rest.substr(0, end));
    if (!line.empty()) {
      suffix_first_line_ = line;
      break;
    }
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  }
}

bool SuggestionGuard::add(std::string_view piece) {
  for (char c : piece) {
    if (complete_) return false;
    if (c == '\n') {
      if (mode_ == CompletionMode::kSingleLine) {
        complete_ = true;
        return false;
      }
      if (!finish_line()) return false;
      accepted_.push_back('\n');
      line_start_ = accepted_.size();
      line_checked_ = false;
      continue;
    }
    accepted_.push_back(c);
    if (!line_checked_ && !is_blank_char(c)) {
      line_checked_ = true;
      if (!indentation_allows(std::string_view(accepted_).substr(line_start_))) {
        cut();
        return false;
      }
    }
  }
  return !complete_;
}

bool SuggestionGuard::indentation_allows(std::string_view line) {
  const int indent = indent_columns(line);
  if (!opens_block_) return indent >= cursor_indent_;
  if (indent > cursor_indent_) return true;
  if (indent == cursor_indent_ && closes_block(line)) {
    end_after_line_ = true;
    return true;
  }
  return false;
}

bool SuggestionGuard::finish_line() {
  const std::string_view line = std::string_view(accepted_).substr(line_start_);
  const bool first_line = line_start_ == 0;
  if (first_line) opens_block_ = opens_block(cursor_line_ + std::string(line));
  if (repeats_suffix(line)) {
    cut();
    return false;
  }
  if (!trim(line).empty()) {
    committed_ = last_line_end_;
    last_line_end_ = line_start_ + trim_right(line).size();
  }
  if (end_after_line_) {
    complete_ = true;
    return false;
  }
  return true;
}

bool SuggestionGuard::repeats_suffix(std::string_view line) const {
  if (suffix_first_line_.empty()) return false;
  if (line_start_ == 0) return trim(cursor_line_ + std::string(line)) == suffix_first_line_;
  return trim(line) == suffix_first_line_;
}

void SuggestionGuard::cut() {
  accepted_.resize(line_start_);
  complete_ = true;
}

std::string_view SuggestionGuard::final_text() const {
  std::string_view text = accepted_;
  if (!complete_ && repeats_suffix(text.substr(line_start_))) text = text.substr(0, line_start_);
  return text;
}

std::string SuggestionGuard::result() const {
  std::string_view text = trim_right(final_text());
  if (!suffix_rest_of_line_.empty() && text.ends_with(suffix_rest_of_line_) &&
      text.size() - suffix_rest_of_line_.size() >= committed_) {
    text = trim_right(text.substr(0, text.size() - suffix_rest_of_line_.size()));
  }
  if (trim(text).empty()) return {};
  return std::string(text);
}

}  // namespace ward::assist
