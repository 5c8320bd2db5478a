#pragma once
// Intra-procedural taint tracking: untrusted data from a source (a request parameter, argv, the
// environment, a file) that reaches a sink (a command, an SQL query, a file path, eval …) without
// passing through a sanitiser. Rules give the three as data:
//   [taint]
//   sources = ["@python-untrusted-input"]          # name patterns, or @sets (rules/*/sets)
//   sanitizers = ["shlex.quote"]
//   [[taint.sink]]
//   call = ["os.system"]
//   arguments = [0]
// The analysis follows assignments, string building, containers (per key and per index where
// the key is a constant), simple helper functions in the same file, and folds constant
// conditions so that a branch that can never run does not count. Every language the scanner
// parses; C's out-parameters (`fgets(buf, …)`) and copy functions are described by the rule.

#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "scan/finding.h"
#include "scan/pattern.h"
#include "scan/rule_toml.h"
#include "scan/semantics.h"

namespace ward::scan {

struct TaintSink {
  CallPattern call;                    // a call of these APIs …
  std::vector<size_t> arguments;       // … with untrusted data in these positions (empty: any)
  std::vector<std::string> keywords;   // … or in these keyword arguments
  bool receiver = false;  // … or in the object a method is called on (path.read_text())
  std::vector<std::string> assign;     // or: an item assigned into these objects (flask.session)
  bool returned = false;               // or: returned from a function with a `from` decorator
  std::vector<std::string> decorators;  // for `returned`: the decorators that make a function a handler
  std::vector<std::string> arithmetic;  // or: arithmetic on untrusted numbers ("+", "*", "-", "++", "--")
  // or: an untrusted number used as an array index (with range-checks = "lower", an index declared
  // unsigned is not reported: it cannot be negative)
  bool index = false;
};

// A call that stores untrusted data into one of its arguments (C's fgets(buf, n, stdin) fills
// buf): written "fgets->0" in a rule; "fscanf->2+" means argument 2 and every one after it.
struct OutSource {
  std::string call;
  size_t first = 0;
  bool and_following = false;
  bool operator==(const OutSource&) const = default;
};

struct TaintSpec {
  std::vector<std::string> sources;     // qualified-name patterns of calls, attributes and names
  std::vector<OutSource> out_sources;   // calls that fill an argument with untrusted data
  // Calls that copy their other arguments into the first (strcpy, strcat, memcpy, sprintf …).
  std::vector<std::string> propagators;
  // For rules about arithmetic on untrusted numbers: a value compared with a limit counts as
  // checked inside the branch, when the comparison bounds it from above (`x < LIMIT`, `LIMIT > x`:
  // no overflow), from below (`x > LIMIT`: no underflow), or either way.
  enum class RangeCheck { kNone, kUpper, kLower, kAny };
  RangeCheck range_checks = RangeCheck::kNone;
  std::vector<std::string> sanitizers;  // calls whose result is safe for this rule's sinks
  std::vector<TaintSink> sinks;
  // Parameters of functions with these decorators are untrusted (Flask's <path> parameters).
  std::vector<std::string> parameter_decorators;
  // Validation that makes a value safe: a test that the value contains one of these strings,
  // followed by leaving the function (`if "../" in name: return`).
  std::vector<std::string> guards;
  // Calls that take a URL apart (urllib.parse.urlparse): after `if parsed.netloc not in
  // ["example.com"]: return` on their result, the URL they were given counts as checked.
  std::vector<std::string> validators;

  using Sets = std::map<std::string, std::vector<std::string>, std::less<>>;
  static core::Result<TaintSpec> parse(const TomlReader& reader, const Sets& sets);
};

// One flow found: the sink node, and the source node it came from.
// Memory-safety checks on C and C++ pointers, written as a rule's [memory] table:
//   check = "double-free" | "use-after-free" | "null-dereference" | "unchecked-allocation" | "leak"
//         | "buffer-overflow" | "buffer-underwrite" | "buffer-overread" | "buffer-underread"
// with the allocators, deallocators and the calls that dereference their pointer arguments. The
// buffer checks follow sizes known in the function: arrays, allocations of constant size, string
// literals, memset/terminator writes, and copies (memcpy, strcpy, strcat, strncpy, snprintf,
// indexed writes and reads, also in counted loops).
struct MemorySpec {
  enum class Check {
    kDoubleFree,
    kUseAfterFree,
    kNullDereference,
    kUncheckedAllocation,
    kLeak,
    kBufferOverflow,   // writes past the end of a buffer of known size
    kBufferUnderwrite, // writes before its start
    kBufferOverread,   // reads past its end
    kBufferUnderread,  // reads before its start
  };
  Check check = Check::kDoubleFree;
  std::vector<std::string> allocators;     // malloc, calloc, realloc, strdup …
  std::vector<std::string> deallocators;   // free …
  std::vector<std::string> dereferencing;  // strcpy, memcpy, … (they read or write through pointers)

  using Sets = std::map<std::string, std::vector<std::string>, std::less<>>;
  static core::Result<MemorySpec> parse(const TomlReader& reader, const Sets& sets);
};

struct TaintFlow {
  TSNode sink;
  TSNode source;
  std::string sink_name;
  std::string source_message;  // for memory checks: "freed here", "allocated here", "set to NULL here"
};

// Every flow from a source to a sink of each of `specs` in the file: one list per spec, in their
// order. One pass over the file serves up to sixteen groups of specs that differ in more than their
// sinks (their sources, sanitisers, checks): taint is followed per group.
std::vector<std::vector<TaintFlow>> find_taint_flows(const Semantics& semantics,
                                                     const std::vector<const TaintSpec*>& specs);

// Every memory-safety problem of the kinds `specs` check, as flows from where the pointer got its
// state (allocated, freed, set to NULL) to where it goes wrong: one list per spec, in their order.
// Checks with the same deallocators share one pass over the file (those that follow heap state
// must agree on their allocators, as must those that follow buffers), so a file costs a pass per
// such group, not per rule.
std::vector<std::vector<TaintFlow>> find_memory_issues(const Semantics& semantics,
                                                       const std::vector<const MemorySpec*>& specs);

}  // namespace ward::scan
