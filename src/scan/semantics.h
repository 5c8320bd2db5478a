#pragma once
// What the analyses need to know about code beyond its syntax, the same way for every language:
// which nodes are calls, their callee, receiver and arguments, and the qualified name an
// expression refers to once the file's imports are followed (`from os import system as run` makes
// `run(x)` a call of `os.system`). Rules name APIs by these qualified names.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "scan/syntax.h"

namespace ward::scan {

struct CallView {
  TSNode node{};
  TSNode callee{};    // the called expression (Java: the method name; `new`: the type)
  TSNode receiver{};  // the object of a method call; null when none
  std::vector<TSNode> positional;
  std::vector<std::pair<std::string_view, TSNode>> keywords;  // Python's name=value arguments
  TSNode arguments{};                                          // the argument list node
  bool constructor = false;                                    // `new T(...)`

  TSNode argument(size_t index) const { return index < positional.size() ? positional[index] : TSNode{}; }
  TSNode keyword(std::string_view name) const;
};

class Semantics {
 public:
  explicit Semantics(const SyntaxTree& tree);

  const SyntaxTree& tree() const { return tree_; }
  bool is_call(TSNode node) const;
  // The parts of a call node, found once and kept: every taint and memory pass reads each call.
  const CallView& call(TSNode node) const;
  // The dotted qualified name of a name, member chain or call chain (`a.b().c`), with the first
  // segment resolved through the file's imports; empty when `node` is not such an expression.
  std::string qualified_name(TSNode node) const;
  std::string callee_name(const CallView& call) const;
  // Is `node` a string literal without interpolation? (Its text may still be a concatenation.)
  bool is_string_literal(TSNode node) const;
  // The value of a plain string literal with its quotes removed (escapes kept as written).
  std::string_view string_value(TSNode node) const;
  bool is_function(TSNode node) const;   // a function, method or lambda definition
  // Every function, method and lambda definition of the file, in document order (nested ones
  // after their parent). Found on the first call and kept: each taint and memory rule reads them.
  const std::vector<TSNode>& functions() const;
  // The text of a C macro defined as one number or string literal (#define SIZE 100); empty when
  // the file defines no such macro.
  std::string_view macro_literal(std::string_view name) const;
  bool is_comment(TSNode node) const;

 private:
  void collect_imports();
  void add_python_import(TSNode node);
  void add_javascript_import(TSNode node);
  void add_go_import(TSNode node);
  void add_java_import(TSNode node);
  void add_macro_alias(TSNode node);
  std::string resolve(std::string name) const;
  std::string name_callee(const CallView& view) const;

  const SyntaxTree& tree_;
  std::map<std::string, std::string, std::less<>> aliases_;  // local name → qualified name
  std::map<std::string, std::string, std::less<>> macro_literals_;
  mutable std::optional<std::vector<TSNode>> functions_;
  mutable std::unordered_map<std::pair<const void*, uint32_t>, CallView, NodeKeyHash> calls_;
  // callee_name() by call node: the name of a call in a chain (`a.b().c()`) includes the names of
  // the calls before it, so naming each call of a long chain afresh would be quadratic.
  mutable std::unordered_map<std::pair<const void*, uint32_t>, std::string, NodeKeyHash>
      callee_names_;
};

// Does a qualified name match a rule's pattern? Patterns are dotted names where `*` matches one
// segment and a trailing `.**` any number (e.g. "subprocess.*", "flask.request.**"); a leading
// `*` is any receiver however long: "*.execute" matches cursor.execute and self.db.cursor().execute.
bool name_matches(std::string_view pattern, std::string_view name);

}  // namespace ward::scan
