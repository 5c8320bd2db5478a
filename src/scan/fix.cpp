#include "scan/fix.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>

namespace ward::scan {
namespace {

std::string range_text(uint32_t start, uint32_t end) {
  return "[" + std::to_string(start) + ", " + std::to_string(end) + ")";
}

bool on_char_boundary(std::string_view text, uint32_t offset) {
  return offset >= text.size() || (static_cast<unsigned char>(text[offset]) & 0xC0) != 0x80;
}

core::Error fix_error(size_t index, const Fix& fix, std::string message) {
  std::string where = "fix " + std::to_string(index + 1);
  if (!fix.description.empty()) where += " (" + fix.description + ")";
  return core::Error(core::Code::kInvalidArgument, std::move(where), std::move(message));
}

// The fix's edits in the order they are to be made, or the reason they cannot be.
core::Result<std::vector<const Edit*>> ordered_edits(std::string_view text, size_t index,
                                                     const Fix& fix) {
  std::vector<const Edit*> edits;
  edits.reserve(fix.edits.size());
  for (const Edit& edit : fix.edits) {
    std::string range = "edit " + range_text(edit.start_byte, edit.end_byte);
    if (edit.end_byte < edit.start_byte) {
      return fix_error(index, fix, range + " ends before it starts");
    }
    if (edit.end_byte > text.size()) {
      return fix_error(index, fix,
                       range + " runs past the end of the text (" + std::to_string(text.size()) +
                           " bytes); the file has changed since it was scanned");
    }
    if (!on_char_boundary(text, edit.start_byte) || !on_char_boundary(text, edit.end_byte)) {
      return fix_error(index, fix, range + " starts or ends inside a UTF-8 character");
    }
    edits.push_back(&edit);
  }
  std::stable_sort(edits.begin(), edits.end(),
                   [](const Edit* a, const Edit* b) { return a->start_byte < b->start_byte; });
  for (size_t i = 1; i < edits.size(); ++i) {
    if (edits[i]->start_byte < edits[i - 1]->end_byte) {
      return fix_error(index, fix,
                       "edits " + range_text(edits[i - 1]->start_byte, edits[i - 1]->end_byte) +
                           " and " + range_text(edits[i]->start_byte, edits[i]->end_byte) +
                           " overlap");
    }
  }
  return edits;
}

// --- line diff ---------------------------------------------------------------------------------

// Lines with their terminating '\n' (the last may lack it).
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

enum class Op : uint8_t { kEqual, kDelete, kInsert };

// Past this many differing lines the search for a shortest script stops (its trace would take
// kMaxEditDistance² ints) and the diff replaces the whole differing middle instead.
constexpr int kMaxEditDistance = 2000;

// Myers' greedy shortest edit script from a to b (line ids), as ops in order.
std::vector<Op> myers(const std::vector<int>& a, const std::vector<int>& b) {
  const int n = static_cast<int>(a.size());
  const int m = static_cast<int>(b.size());
  const int max = std::min(n + m, kMaxEditDistance);
  std::vector<Op> ops;
  if (n + m == 0) return ops;
  std::vector<int> v(2 * static_cast<size_t>(max) + 3, 0);
  const int off = max + 1;
  // trace[d][k + d]: the furthest x reached on diagonal k after d steps.
  std::vector<std::vector<int>> trace;
  int found = -1;
  for (int d = 0; d <= max && found < 0; ++d) {
    for (int k = -d; k <= d; k += 2) {
      int x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1]
                                                                       : v[off + k - 1] + 1;
      int y = x - k;
      while (x < n && y < m && a[x] == b[y]) {
        ++x;
        ++y;
      }
      v[off + k] = x;
      if (x >= n && y >= m) found = d;
    }
    trace.emplace_back(v.begin() + off - d, v.begin() + off + d + 1);
  }
  if (found < 0) {  // too different: a correct, if not shortest, script
    ops.assign(static_cast<size_t>(n), Op::kDelete);
    ops.insert(ops.end(), static_cast<size_t>(m), Op::kInsert);
    return ops;
  }
  int x = n;
  int y = m;
  for (int d = found; d > 0; --d) {
    const std::vector<int>& prev = trace[d - 1];  // index k + (d - 1)
    int k = x - y;
    auto at = [&](int kk) { return prev[kk + d - 1]; };
    bool down = k == -d || (k != d && at(k - 1) < at(k + 1));
    int prev_k = down ? k + 1 : k - 1;
    int prev_x = at(prev_k);
    int prev_y = prev_x - prev_k;
    int mid_x = down ? prev_x : prev_x + 1;
    while (x > mid_x) {
      ops.push_back(Op::kEqual);
      --x;
      --y;
    }
    ops.push_back(down ? Op::kInsert : Op::kDelete);
    x = prev_x;
    y = prev_y;
  }
  while (x > 0) {
    ops.push_back(Op::kEqual);
    --x;
  }
  std::reverse(ops.begin(), ops.end());
  return ops;
}

// Header file names as git writes them: C-quoted when they hold a quote, a backslash or a control
// character, so that patch and git apply read them back exactly.
std::string diff_name(const std::string& prefix, const std::string& path) {
  std::string name = prefix + path;
  bool quote = std::any_of(name.begin(), name.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return c == '"' || c == '\\' || u < 0x20 || u == 0x7f;
  });
  // Like git, end a name holding a space with a tab: GNU patch reads a name up to white space
  // unless a tab (which it takes for the start of a timestamp) comes first.
  if (!quote) return name.find(' ') == std::string::npos ? name : name + "\t";
  std::string out = "\"";
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          char buf[5];
          std::snprintf(buf, sizeof buf, "\\%03o", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string hunk_range(size_t pos, size_t count) {
  // pos: lines before the hunk. An empty range names the line it follows.
  std::string out = std::to_string(count == 0 ? pos : pos + 1);
  if (count != 1) out += "," + std::to_string(count);
  return out;
}

void append_line(std::string& out, char mark, std::string_view line) {
  out += mark;
  out += line;
  if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
}

}  // namespace

core::Result<FixOutcome> apply_fixes(std::string_view text, const std::vector<Fix>& fixes) {
  std::vector<std::vector<const Edit*>> ordered;
  ordered.reserve(fixes.size());
  for (size_t i = 0; i < fixes.size(); ++i) {
    auto edits = ordered_edits(text, i, fixes[i]);
    if (!edits) return std::move(edits).error();
    ordered.push_back(std::move(*edits));
  }

  // Accepted edits by start byte; equal starts come only from one fix, in its order.
  std::multimap<uint32_t, const Edit*> accepted;
  auto clashes = [&](const Edit& e) {
    auto next = accepted.lower_bound(e.start_byte);
    if (next != accepted.end() && (next->first == e.start_byte || next->first < e.end_byte)) {
      return true;
    }
    // Accepted edits do not overlap, so the last one starting before e ends furthest.
    return next != accepted.begin() && std::prev(next)->second->end_byte > e.start_byte;
  };
  FixOutcome outcome;
  for (const auto& edits : ordered) {
    if (std::any_of(edits.begin(), edits.end(), [&](const Edit* e) { return clashes(*e); })) {
      ++outcome.skipped;
      continue;
    }
    for (const Edit* e : edits) accepted.emplace(e->start_byte, e);
    ++outcome.applied;
  }

  size_t size = text.size();
  for (const auto& [start, e] : accepted) size += e->replacement.size() - (e->end_byte - start);
  outcome.text.reserve(size);
  size_t pos = 0;
  for (const auto& [start, e] : accepted) {
    outcome.text.append(text.substr(pos, start - pos));
    outcome.text.append(e->replacement);
    pos = e->end_byte;
  }
  outcome.text.append(text.substr(pos));
  return outcome;
}

std::string unified_diff(const std::string& path, std::string_view before, std::string_view after,
                         int context) {
  if (before == after) return {};
  const size_t ctx = context < 0 ? 0 : static_cast<size_t>(context);
  std::vector<std::string_view> old_lines = split_lines(before);
  std::vector<std::string_view> new_lines = split_lines(after);

  // Trim the common head and tail; diff the middle as line ids.
  size_t head = 0;
  while (head < old_lines.size() && head < new_lines.size() && old_lines[head] == new_lines[head]) {
    ++head;
  }
  size_t tail = 0;
  while (tail < old_lines.size() - head && tail < new_lines.size() - head &&
         old_lines[old_lines.size() - 1 - tail] == new_lines[new_lines.size() - 1 - tail]) {
    ++tail;
  }
  std::unordered_map<std::string_view, int> ids;
  auto to_ids = [&](const std::vector<std::string_view>& lines) {
    std::vector<int> out;
    out.reserve(lines.size() - head - tail);
    for (size_t i = head; i < lines.size() - tail; ++i) {
      out.push_back(ids.emplace(lines[i], static_cast<int>(ids.size())).first->second);
    }
    return out;
  };
  std::vector<int> a = to_ids(old_lines);
  std::vector<int> b = to_ids(new_lines);
  std::vector<Op> ops(head, Op::kEqual);
  std::vector<Op> middle = myers(a, b);
  ops.insert(ops.end(), middle.begin(), middle.end());
  ops.insert(ops.end(), tail, Op::kEqual);

  // Old and new line positions before each op.
  std::vector<size_t> old_pos(ops.size() + 1, 0);
  std::vector<size_t> new_pos(ops.size() + 1, 0);
  for (size_t i = 0; i < ops.size(); ++i) {
    old_pos[i + 1] = old_pos[i] + (ops[i] != Op::kInsert ? 1 : 0);
    new_pos[i + 1] = new_pos[i] + (ops[i] != Op::kDelete ? 1 : 0);
  }

  std::string out = "--- " + diff_name("a/", path) + "\n+++ " + diff_name("b/", path) + "\n";
  size_t i = 0;
  while (i < ops.size()) {
    if (ops[i] == Op::kEqual) {
      ++i;
      continue;
    }
    const size_t start = i >= ctx ? i - ctx : 0;
    size_t end = i;  // one past the hunk's last change
    size_t j = i;
    for (;;) {
      while (j < ops.size() && ops[j] != Op::kEqual) ++j;
      end = j;
      size_t k = j;
      while (k < ops.size() && ops[k] == Op::kEqual) ++k;
      if (k < ops.size() && k - j <= 2 * ctx) {
        j = k;
        continue;
      }
      break;
    }
    const size_t stop = std::min(ops.size(), end + ctx);
    out += "@@ -" + hunk_range(old_pos[start], old_pos[stop] - old_pos[start]) + " +" +
           hunk_range(new_pos[start], new_pos[stop] - new_pos[start]) + " @@\n";
    // Each run of changes: its removed lines, then its added ones.
    size_t p = start;
    while (p < stop) {
      if (ops[p] == Op::kEqual) {
        append_line(out, ' ', old_lines[old_pos[p]]);
        ++p;
        continue;
      }
      size_t q = p;
      while (q < stop && ops[q] != Op::kEqual) ++q;
      for (size_t r = p; r < q; ++r) {
        if (ops[r] == Op::kDelete) append_line(out, '-', old_lines[old_pos[r]]);
      }
      for (size_t r = p; r < q; ++r) {
        if (ops[r] == Op::kInsert) append_line(out, '+', new_lines[new_pos[r]]);
      }
      p = q;
    }
    i = stop;
  }
  return out;
}

}  // namespace ward::scan
