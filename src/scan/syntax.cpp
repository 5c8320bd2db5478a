#include "scan/syntax.h"

#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>

namespace ward::scan {
namespace {

bool is_continuation_byte(unsigned char c) { return (c & 0xC0) == 0x80; }

TSTree* parse(Language language, std::string_view text) {
  TSParser* parser = ts_parser_new();
  ts_parser_set_language(parser, grammar(language));
  TSTree* tree = ts_parser_parse_string(parser, nullptr, text.data(), static_cast<uint32_t>(text.size()));
  ts_parser_delete(parser);
  return tree;
}

// What node_type() and field() look up for one grammar.
struct GrammarTables {
  const TSLanguage* language = nullptr;
  size_t index = 0;                            // of the language in kAllLanguages
  std::vector<std::string_view> symbol_names;  // by symbol id
  std::unordered_map<std::string_view, TSFieldId> field_ids;
};

GrammarTables tables_of(const TSLanguage* language) {
  GrammarTables tables;
  tables.language = language;
  uint32_t symbols = ts_language_symbol_count(language);
  tables.symbol_names.reserve(symbols);
  for (uint32_t symbol = 0; symbol < symbols; ++symbol) {
    tables.symbol_names.emplace_back(
        ts_language_symbol_name(language, static_cast<TSSymbol>(symbol)));
  }
  uint32_t fields = ts_language_field_count(language);
  for (uint32_t id = 1; id <= fields; ++id) {
    const char* name = ts_language_field_name_for_id(language, static_cast<TSFieldId>(id));
    if (name != nullptr) tables.field_ids.emplace(name, static_cast<TSFieldId>(id));
  }
  return tables;
}

using AllGrammarTables = std::array<GrammarTables, std::size(kAllLanguages)>;

const AllGrammarTables& all_grammar_tables() {
  static const auto kTables = [] {
    AllGrammarTables tables;
    for (size_t i = 0; i < tables.size(); ++i) {
      tables[i] = tables_of(grammar(kAllLanguages[i]));
      tables[i].index = i;
    }
    return tables;
  }();
  return kTables;
}

// The tables of the grammar `node`'s tree was parsed with; null for a grammar that is not one of
// the scanner's languages (the callers then ask tree-sitter directly).
const GrammarTables* grammar_tables(TSNode node) {
  const TSLanguage* language = ts_tree_language(node.tree);
  // A thread reads one tree at a time, so the grammar is nearly always the last one asked for.
  thread_local const GrammarTables* last = nullptr;
  if (last != nullptr && last->language == language) return last;
  for (const auto& tables : all_grammar_tables()) {
    if (tables.language == language) return last = &tables;
  }
  return nullptr;
}

}  // namespace

NodeTypes::NodeTypes(std::initializer_list<std::string_view> names) : names_(names) {
  for (const GrammarTables& tables : all_grammar_tables()) {
    std::vector<bool>& member = by_grammar_.emplace_back(tables.symbol_names.size(), false);
    for (size_t symbol = 0; symbol < member.size(); ++symbol) {
      member[symbol] =
          std::find(names_.begin(), names_.end(), tables.symbol_names[symbol]) != names_.end();
    }
  }
}

bool NodeTypes::contains(TSNode node) const {
  if (ts_node_is_null(node)) return false;
  if (const GrammarTables* tables = grammar_tables(node)) {
    const std::vector<bool>& member = by_grammar_[tables->index];
    TSSymbol symbol = ts_node_symbol(node);
    if (symbol < member.size()) return member[symbol];
  }
  return std::find(names_.begin(), names_.end(), node_type(node)) != names_.end();
}

std::string_view node_type(TSNode node) {
  if (ts_node_is_null(node)) return "";
  const GrammarTables* tables = grammar_tables(node);
  TSSymbol symbol = ts_node_symbol(node);
  // ERROR's symbol id lies past the grammar's own symbols.
  if (tables == nullptr || symbol >= tables->symbol_names.size()) return ts_node_type(node);
  return tables->symbol_names[symbol];
}

LineIndex::LineIndex(std::string_view text) : text_(text) {
  starts_.push_back(0);
  for (uint32_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts_.push_back(i + 1);
  }
}

uint32_t LineIndex::line_count() const {
  if (text_.empty()) return 0;
  return static_cast<uint32_t>(starts_.size()) - (text_.back() == '\n' ? 1 : 0);
}

uint32_t LineIndex::line_of(uint32_t byte) const {
  auto it = std::upper_bound(starts_.begin(), starts_.end(), byte);
  return static_cast<uint32_t>(it - starts_.begin());
}

uint32_t LineIndex::column_of(uint32_t line, uint32_t byte) const {
  uint32_t column = 1;
  for (uint32_t i = starts_[line - 1]; i < byte && i < text_.size(); ++i) {
    if (!is_continuation_byte(static_cast<unsigned char>(text_[i]))) ++column;
  }
  return column;
}

Span LineIndex::span(uint32_t start_byte, uint32_t end_byte) const {
  Span span;
  span.start_byte = start_byte;
  span.end_byte = end_byte;
  span.start_line = line_of(start_byte);
  span.start_column = column_of(span.start_line, start_byte);
  span.end_line = line_of(end_byte);
  span.end_column = column_of(span.end_line, end_byte);
  return span;
}

std::string_view LineIndex::lines(uint32_t first, uint32_t last) const {
  if (first < 1 || first > starts_.size()) return {};
  last = std::min<uint32_t>(std::max(first, last), static_cast<uint32_t>(starts_.size()));
  size_t begin = starts_[first - 1];
  size_t end = last < starts_.size() ? starts_[last] - 1 : text_.size();
  if (end > begin && text_[end - 1] == '\r') --end;
  return text_.substr(begin, end - begin);
}

SyntaxTree::SyntaxTree(Language language, std::string_view text)
    : language_(language), text_(text), tree_(parse(language, text)), lines_(text) {}

std::string_view SyntaxTree::text(TSNode node) const {
  if (ts_node_is_null(node)) return {};
  uint32_t start = ts_node_start_byte(node);
  uint32_t end = ts_node_end_byte(node);
  if (start > text_.size() || end > text_.size() || end < start) return {};
  return text_.substr(start, end - start);
}

const std::vector<TSNode>& SyntaxTree::children(TSNode node) const {
  auto [it, added] =
      children_.try_emplace({node.id, ts_node_is_null(node) ? 0 : ts_node_start_byte(node)});
  if (added) it->second = named_children(node);
  return it->second;
}

// One cursor, entering only subtrees that hold an error: a clean file costs nothing more, and no
// recursion (a tree can be as deep as the file is long).
std::vector<uint32_t> SyntaxTree::error_starts() const {
  std::vector<uint32_t> starts;
  if (!has_errors()) return starts;
  TSTreeCursor cursor = ts_tree_cursor_new(root());
  for (;;) {
    TSNode node = ts_tree_cursor_current_node(&cursor);
    // A MISSING token (an unclosed parenthesis) is anonymous: every child counts, named or not.
    if (ts_node_is_missing(node) || node_type(node) == "ERROR")
      starts.push_back(ts_node_start_byte(node));
    if (ts_node_has_error(node) && ts_tree_cursor_goto_first_child(&cursor)) continue;
    if (!skip_subtree(cursor)) break;
  }
  ts_tree_cursor_delete(&cursor);
  return starts;
}

uint32_t SyntaxTree::first_error_line() const {
  if (!has_errors()) return 0;
  const std::vector<uint32_t> starts = error_starts();
  return starts.empty() ? 1 : lines_.line_of(starts.front());
}

SyntaxTree::Nesting SyntaxTree::nesting() const {
  TSTreeCursor cursor = ts_tree_cursor_new(root());
  Nesting deepest{1, 1};
  uint32_t depth = 1;
  for (bool more = true; more;) {
    if (ts_tree_cursor_goto_first_child(&cursor)) {
      if (++depth > deepest.depth) {
        deepest = {depth, ts_node_start_point(ts_tree_cursor_current_node(&cursor)).row + 1};
      }
      continue;
    }
    const auto climbed = skip_subtree(cursor);
    more = climbed.has_value();
    depth -= climbed.value_or(0);
  }
  ts_tree_cursor_delete(&cursor);
  return deepest;
}

std::optional<uint32_t> skip_subtree(TSTreeCursor& cursor) {
  uint32_t climbed = 0;
  while (!ts_tree_cursor_goto_next_sibling(&cursor)) {
    if (!ts_tree_cursor_goto_parent(&cursor)) return std::nullopt;
    ++climbed;
  }
  return climbed;
}

TSNode field(TSNode node, std::string_view name) {
  if (ts_node_is_null(node)) return node;
  const GrammarTables* tables = grammar_tables(node);
  if (tables == nullptr) {
    return ts_node_child_by_field_name(node, name.data(), static_cast<uint32_t>(name.size()));
  }
  auto id = tables->field_ids.find(name);
  return id == tables->field_ids.end() ? TSNode{} : ts_node_child_by_field_id(node, id->second);
}

std::vector<TSNode> named_children(TSNode node) {
  std::vector<TSNode> children;
  if (ts_node_is_null(node)) return children;
  children.reserve(ts_node_named_child_count(node));
  // One cursor per thread, reset for each call: a new cursor allocates its stack.
  struct Cursor {
    TSTreeCursor cursor = ts_tree_cursor_new(TSNode{});
    ~Cursor() { ts_tree_cursor_delete(&cursor); }
  };
  thread_local Cursor reused;
  TSTreeCursor& cursor = reused.cursor;
  ts_tree_cursor_reset(&cursor, node);
  if (ts_tree_cursor_goto_first_child(&cursor)) {
    do {
      TSNode child = ts_tree_cursor_current_node(&cursor);
      if (ts_node_is_named(child)) children.push_back(child);
    } while (ts_tree_cursor_goto_next_sibling(&cursor));
  }
  return children;
}

}  // namespace ward::scan
