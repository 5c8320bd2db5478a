#pragma once
// A parsed file: the tree-sitter tree over the file's text, with the helpers every analysis uses
// to read nodes (their type, fields, text) and to turn byte offsets into line/column spans.
// Not thread-safe; each scan thread parses its own files.

#include <tree_sitter/api.h>

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "scan/finding.h"
#include "scan/language.h"

namespace ward::scan {

// Line starts of a text, to turn byte offsets into 1-based lines and code-point columns.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  Span span(uint32_t start_byte, uint32_t end_byte) const;
  uint32_t line_of(uint32_t byte) const;  // 1-based
  // The text of lines [first, last] (1-based, inclusive), without the final newline.
  std::string_view lines(uint32_t first, uint32_t last) const;
  // Lines of text: a final newline ends the last line rather than starting an empty one.
  uint32_t line_count() const;

 private:
  uint32_t column_of(uint32_t line, uint32_t byte) const;
  std::string_view text_;
  std::vector<uint32_t> starts_;
};

// Hashes a node's identity within a tree: its subtree and its start byte.
struct NodeKeyHash {
  size_t operator()(const std::pair<const void*, uint32_t>& key) const {
    return std::hash<const void*>()(key.first) ^ (static_cast<size_t>(key.second) << 1);
  }
};

class SyntaxTree {
 public:
  // Parses `text`, which must outlive the tree. Never fails: a file with syntax errors gives a
  // tree with ERROR nodes (has_errors()), whose well-formed parts are still analysed.
  SyntaxTree(Language language, std::string_view text);

  Language language() const { return language_; }
  std::string_view source() const { return text_; }
  TSNode root() const { return ts_tree_root_node(tree_.get()); }
  bool has_errors() const { return ts_node_has_error(root()); }
  // Start bytes of the ERROR nodes and MISSING tokens, in document order.
  std::vector<uint32_t> error_starts() const;
  // The line of the first syntax error (1-based); 0 when none.
  uint32_t first_error_line() const;
  // How deep the tree nests (the root alone is 1) and the line (1-based) where it is deepest.
  // Analyses that recurse over the tree need a bounded depth: each level costs them stack.
  struct Nesting {
    uint32_t depth = 0;
    uint32_t line = 0;
  };
  Nesting nesting() const;
  const LineIndex& lines() const { return lines_; }

  std::string_view text(TSNode node) const;  // empty for a null node
  // named_children(node) of a node of this tree, found once and kept: every taint and memory
  // pass of the file reads the same nodes' children (the reference stays valid).
  const std::vector<TSNode>& children(TSNode node) const;
  Span span(TSNode node) const { return lines_.span(ts_node_start_byte(node), ts_node_end_byte(node)); }

 private:
  struct TreeDeleter {
    void operator()(TSTree* tree) const { ts_tree_delete(tree); }
  };
  Language language_;
  std::string_view text_;
  std::unique_ptr<TSTree, TreeDeleter> tree_;
  LineIndex lines_;
  // By the node's subtree and start byte (a subtree's position is part of the node it makes).
  mutable std::unordered_map<std::pair<const void*, uint32_t>, std::vector<TSNode>, NodeKeyHash>
      children_;
};

// Small readers over tree-sitter nodes. tree-sitter's own functions crash on a null node (a
// field that is absent); these answer "nothing" instead, so use them rather than ts_node_*.
// node_type() and field() read tables built once per grammar (symbol names with their lengths,
// field ids by name): ts_node_type() needs a strlen and ts_node_child_by_field_name() compares
// the name with every field name of the grammar, on every call of the analyses' hot paths.
std::string_view node_type(TSNode node);  // "" for a null node
inline uint32_t child_count(TSNode node) { return ts_node_is_null(node) ? 0 : ts_node_child_count(node); }
inline uint32_t named_child_count(TSNode node) { return ts_node_is_null(node) ? 0 : ts_node_named_child_count(node); }
inline TSNode child_at(TSNode node, uint32_t i) { return i < child_count(node) ? ts_node_child(node, i) : TSNode{}; }
inline TSNode named_child_at(TSNode node, uint32_t i) {
  return i < named_child_count(node) ? ts_node_named_child(node, i) : TSNode{};
}
inline TSNode parent_of(TSNode node) { return ts_node_is_null(node) ? node : ts_node_parent(node); }
inline bool is_named(TSNode node) { return !ts_node_is_null(node) && ts_node_is_named(node); }
inline bool is(TSNode node, std::string_view type) { return !ts_node_is_null(node) && node_type(node) == type; }
inline bool one_of(std::string_view type, std::initializer_list<std::string_view> types) {
  return std::find(types.begin(), types.end(), type) != types.end();
}
TSNode field(TSNode node, std::string_view name);  // null node when absent (or `node` is null)

// A set of node type names (the kinds of statement, expression … the analyses tell apart), tested
// by grammar symbol: each grammar's symbols are matched against the names once, when the set is
// made, so that a test is a table lookup instead of comparing the node's type with every name.
class NodeTypes {
 public:
  explicit NodeTypes(std::initializer_list<std::string_view> names);
  bool contains(TSNode node) const;  // false for a null node

 private:
  std::vector<std::string_view> names_;        // for a symbol no table covers (ERROR)
  std::vector<std::vector<bool>> by_grammar_;  // [index in kAllLanguages][symbol]
};

std::vector<TSNode> named_children(TSNode node);  // empty for a null node

// Moves `cursor` past its current node's subtree, to the next node in document order: its next
// sibling, or else the next sibling of its nearest ancestor that has one. Returns how many levels
// it climbed on the way (0 for a sibling), or nullopt when no node follows below the node the
// cursor was created on (the walk is over). No recursion: a tree can be as deep as its file is
// long.
std::optional<uint32_t> skip_subtree(TSTreeCursor& cursor);

// Calls `visit` on `node` and every named node below it, in document order (the named children
// of each node, as named_children() gives them). `visit` returns false to skip a node's children.
// One tree cursor walks the whole subtree: ts_node_named_child(node, i) scans from the first
// child on every call, which is quadratic on long statement lists, and a vector of children per
// node costs an allocation per node.
template <typename Visit>
void walk(TSNode node, Visit&& visit) {
  if (ts_node_is_null(node) || !visit(node)) return;
  TSTreeCursor cursor = ts_tree_cursor_new(node);
  for (bool more = ts_tree_cursor_goto_first_child(&cursor); more;) {
    TSNode current = ts_tree_cursor_current_node(&cursor);
    // An anonymous node's subtree is skipped, as named_children() leaves it out.
    if (ts_node_is_named(current) && visit(current) && ts_tree_cursor_goto_first_child(&cursor)) {
      continue;
    }
    more = skip_subtree(cursor).has_value();
  }
  ts_tree_cursor_delete(&cursor);
}

}  // namespace ward::scan
