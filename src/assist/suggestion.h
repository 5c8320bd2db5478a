#pragma once
// The rules that turn a code model's raw fill-in-the-middle output into a suggestion an editor
// can show, applied while the text streams in so that generation stops as soon as the suggestion
// is complete:
//
//  - Single line or several, by the cursor: when code follows the cursor on its line, the
//    suggestion ends at the end of that line; otherwise it may span lines.
//  - The end of the enclosing block, by indentation: the cursor's line sets the level. A later
//    line indented less ends the suggestion before it; when the cursor's line opens a block
//    (ends with ':', '{', '(' or '['), a line back at the cursor line's level ends it too, except
//    that a closing bracket at that level is kept as the block's last line.
//  - Repeating the suffix: a line equal to the suffix's first non-blank line ends the suggestion
//    before it (the model has reached code that already exists).
//  - Trimming: trailing whitespace goes, and so does the end of the last line where it repeats
//    what follows the cursor on the cursor's line (e.g. the ")" of "f(|)").
//  - Whitespace only is no suggestion at all.
//
// Streaming: committed() is the part of the suggestion no later rule can change (whole lines
// that another accepted line follows), so a client can show it before the end.
//
// Threads: a SuggestionGuard is used by one thread.

#include <string>
#include <string_view>

namespace ward::assist {

enum class CompletionMode { kSingleLine, kMultiLine };

// kSingleLine when non-whitespace text follows the cursor on its line.
CompletionMode mode_at_cursor(std::string_view suffix);

class SuggestionGuard {
 public:
  SuggestionGuard(std::string_view prefix, std::string_view suffix, CompletionMode mode);

  // Adds generated text; returns false once the suggestion is complete and generation can stop.
  bool add(std::string_view piece);
  bool complete() const { return complete_; }

  // The suggestion: the accepted text, trimmed as above; empty when whitespace only.
  std::string result() const;
  // The leading part of result() that can no longer change.
  std::string_view committed() const { return std::string_view(accepted_).substr(0, committed_); }

 private:
  // At the first non-blank character of a line after the cursor's: the indentation rule.
  bool indentation_allows(std::string_view line);
  // At a line's end: the suffix rule, then the line becomes the last accepted one.
  bool finish_line();
  // Ends the suggestion before the line being received.
  void cut();
  // The accepted text with the suffix rule applied to its last, unfinished line.
  std::string_view final_text() const;
  bool repeats_suffix(std::string_view line) const;

  CompletionMode mode_;
  int cursor_indent_ = 0;            // columns of the cursor line's leading whitespace
  std::string cursor_line_;          // the text before the cursor on its line
  std::string suffix_first_line_;    // the suffix's first non-blank line, trimmed
  std::string suffix_rest_of_line_;  // what follows the cursor on its line, trimmed
  bool opens_block_ = false;         // the cursor's line (with its completion) ends with an opener
  std::string accepted_;
  size_t line_start_ = 0;        // where the line being received starts in accepted_
  bool line_checked_ = true;     // the first line is the cursor's own: no indentation rule
  bool end_after_line_ = false;  // a closing bracket at the block's level: it is the last line
  size_t last_line_end_ = 0;     // end of the last accepted non-blank line's content
  size_t committed_ = 0;
  bool complete_ = false;
};

}  // namespace ward::assist
