#pragma once
// The scanner's half of model-proposed fixes (`ward scan --ai-fix`, docs/scanner.md): which part
// of a file a model is shown for a finding, what it is asked, how the code is taken out of its
// answer, and the check that decides whether a proposal is offered — the proposal spliced into
// the file's text in memory, parsed and re-scanned with the same rules. Asking the model is the
// caller's business (the CLI, which may use backends; this module uses `core` only).
//
// Plain functions and one value type; thread-safe as long as a RewriteSession is used by one
// thread.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "scan/finding.h"
#include "scan/language.h"
#include "scan/scanner.h"

namespace ward::scan {

struct AiFixLimits {
  uint32_t max_region_lines = 80;      // lines shown to the model at most
  size_t max_region_bytes = 8 * 1024;  // bytes shown to the model at most
  uint32_t context_lines = 6;          // around the finding when no enclosing function fits
  // A proposal longer than this many times the region (plus max_growth_lines) is rejected.
  uint32_t max_growth_factor = 3;
  uint32_t max_growth_lines = 40;
};

// The part of a file a model rewrites for one finding: whole lines, ending after the last line's
// line break (when it has one).
struct FixRegion {
  uint32_t start_byte = 0;
  uint32_t end_byte = 0;
  uint32_t first_line = 1;  // 1-based, inclusive
  uint32_t last_line = 1;
  bool whole_function = false;  // the smallest function, method or lambda around the finding
};

// The smallest function (method, lambda) that encloses `span` and adds lines around it, when it
// fits the limits; else the finding's lines with `context_lines` on each side, cut to the limits.
// Errors: kInvalidArgument when the finding's own lines are over the limits.
core::Result<FixRegion> fix_region(std::string_view text, Language language, const Span& span,
                                   const AiFixLimits& limits = {});

// Whether findings of this rule hold a secret that must never be sent to a model: the [secret]
// rules, and rules about hard-coded credentials and keys (CWE-798, CWE-259, CWE-321).
bool is_secret_rule(const RuleSet& rules, std::string_view rule_id);

// The id of the first [secret] rule that finds a secret anywhere in `text` (a prompt, before it
// is sent); nullopt when none does.
std::optional<std::string> secret_rule_matching(const RuleSet& rules, std::string_view text);

// What the model is asked: a system message (the task and the answer's form) and a user message
// (the rule, the finding's message, flagged line and the taint steps inside the region, why it
// matters and how to fix it, the file's name and language, and the region's text in a fenced
// block). No other line of the file.
struct FixPrompt {
  std::string system;
  std::string user;
};
FixPrompt fix_prompt(const Finding& finding, const RuleInfo* rule, Language language,
                     std::string_view text, const FixRegion& region);

// The code in a model's answer: the first fenced block (``` or ~~~, with or without a language
// tag, prose around it ignored; a block cut off by the end of the answer runs to the end); with
// no fence, the whole answer. <think>…</think> sections are dropped first.
struct ProposedCode {
  std::string code;     // leading and trailing blank lines removed; empty: no code at all
  bool fenced = false;  // it came from a fenced block
  bool closed = false;  // … whose closing fence was there
};
ProposedCode extract_code(std::string_view answer);

// Whether the two texts have a non-blank line in common (leading and trailing blanks aside): an
// answer without a code block is taken as code only when it looks like the region rewritten,
// not like prose.
bool share_a_line(std::string_view a, std::string_view b);

// Fits proposed code to the region it replaces: CRLF line breaks when the region has them, the
// region's indentation added when the code came back with none, and the region's final line
// break.
std::string fit_to_region(std::string_view code, std::string_view region_text);

// One file being rewritten by proposed fixes: its current text, that text's findings (every
// rule, every severity; suppressions apply) and its syntax errors. Each accepted proposal makes
// the rewritten text current, so later proposals are checked against the fixes before them.
class RewriteSession {
 public:
  // Errors: scan_text's (not UTF-8, too large).
  static core::Result<RewriteSession> start(const RuleSet& rules, std::filesystem::path name,
                                            Language language, std::string text,
                                            const AiFixLimits& limits = {});

  const std::string& text() const { return text_; }
  const std::vector<Finding>& findings() const { return findings_; }
  // ERROR and MISSING nodes in the current text's syntax tree.
  uint32_t syntax_errors() const { return errors_; }

  // The first current finding of `rule_id` that overlaps bytes [start, end) of the current text;
  // nullptr when none.
  const Finding* finding_in(std::string_view rule_id, uint32_t start, uint32_t end) const;
  // A secret in bytes [start, end) of the current text, as "RULE, line N": what a secret rule
  // finds there even where a `ward: ignore` comment hides it from the report, or a finding of
  // another secret rule (is_secret_rule); nullopt when there is none.
  std::optional<std::string> secret_in(uint32_t start, uint32_t end) const;

  struct Verdict {
    bool accepted = false;
    std::string reason;  // why it was rejected; for an accepted fix, what was checked
  };

  // Replaces bytes [start, end) of the current text with `replacement` and checks the result as
  // a fix of `target` (a finding of the current text). Accepted — and the rewritten text becomes
  // current — only when the replacement differs from what it replaces, is not far longer, adds no
  // `ward: ignore` comment, parses with no more ERROR/MISSING nodes than the current text, leaves
  // no finding of the target's rule in the rewritten lines and fewer in the file, and raises the
  // count of no rule's findings at or above the target's severity. Otherwise the reason says
  // which check failed and the current text stays.
  Verdict try_rewrite(const Finding& target, uint32_t start, uint32_t end,
                      std::string_view replacement);

 private:
  RewriteSession() = default;

  const RuleSet* rules_ = nullptr;
  std::filesystem::path name_;
  Language language_ = Language::kPython;
  AiFixLimits limits_;
  std::string text_;
  std::vector<Finding> findings_;
  uint32_t errors_ = 0;
  struct Secret {
    uint32_t start_byte = 0;
    uint32_t end_byte = 0;
    std::string where;  // "RULE, line N"
  };
  std::vector<Secret> secrets_;  // every secret rule's matches in the current text
  void find_secrets_in_text();
};

}  // namespace ward::scan
