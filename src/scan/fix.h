#pragma once
// Applying the scanner's deterministic fixes (`ward scan --fix`) to a file's text, and showing
// what they change as a unified diff (`ward scan --fix --dry-run`, the API's fix preview).
// Pure functions over strings: no I/O, thread-safe.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "scan/finding.h"

namespace ward::scan {

struct FixOutcome {
  std::string text;    // the text with every applied fix's edits made
  size_t applied = 0;  // fixes whose edits were all made
  size_t skipped = 0;  // fixes left out because they clash with an earlier fix
};

// Applies `fixes` to `text`, in order; a fix is applied whole or not at all.
//
// Edits address bytes of `text` (the original, not the text after earlier edits). A fix whose
// edits clash with those of a fix earlier in the list — they overlap, or two of them start at the
// same byte so their order would be a guess — is skipped and counted in `skipped`; the first one
// wins. Within one fix, edits may come in any order; insertions (empty ranges) at the byte where
// another of its edits starts are made in the order given, as long as none follows a non-empty
// edit starting there (that counts as an overlap).
//
// Errors (invalid_argument, `where` naming the fix by its position and description, the message
// naming the byte offsets): an edit that ends before it starts, that runs past the end of the
// text, that starts or ends inside a UTF-8 multi-byte character, or that overlaps another edit of
// the same fix. On error nothing is applied.
core::Result<FixOutcome> apply_fixes(std::string_view text, const std::vector<Fix>& fixes);

// A unified diff from `before` to `after` of the file at `path` (relative, '/'-separated), that
// `patch -p1` and `git apply` accept: "--- a/<path>", "+++ b/<path>" (written as git writes
// them: C-quoted when the path holds a quote, a backslash or a control character, followed by a
// tab when it holds a space), then "@@ -l,n +l,n @@"
// hunks with `context` unchanged lines around each change (hunks closer than that are merged),
// and "\ No newline at end of file" after a last line without one. Lines end at '\n' (a '\r'
// before it is part of the line). Empty when the texts are equal.
//
// Myers' O((N+M)·D) line diff after trimming the common head and tail. Its memory grows with D²,
// so past 2000 differing lines it stops looking for the shortest diff and replaces the whole
// differing middle (still a correct diff, just a longer one).
std::string unified_diff(const std::string& path, std::string_view before, std::string_view after,
                         int context = 3);

}  // namespace ward::scan
