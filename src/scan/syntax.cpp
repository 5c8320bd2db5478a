#include "scan/syntax.h"

#include <algorithm>

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

}  // namespace

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

// Every child, named or not: a MISSING token (an unclosed parenthesis) is anonymous.
static uint32_t first_error_line_below(TSNode node) {
  if (!ts_node_has_error(node)) return 0;
  if (node_type(node) == "ERROR" || ts_node_is_missing(node)) return ts_node_start_point(node).row + 1;
  for (uint32_t i = 0; i < child_count(node); ++i) {
    if (uint32_t line = first_error_line_below(child_at(node, i)); line != 0) return line;
  }
  return 0;
}

uint32_t SyntaxTree::first_error_line() const {
  uint32_t line = first_error_line_below(root());
  return line != 0 || !has_errors() ? line : 1;
}

TSNode field(TSNode node, std::string_view name) {
  if (ts_node_is_null(node)) return node;
  return ts_node_child_by_field_name(node, name.data(), static_cast<uint32_t>(name.size()));
}

std::vector<TSNode> named_children(TSNode node) {
  std::vector<TSNode> children;
  if (ts_node_is_null(node)) return children;
  TSTreeCursor cursor = ts_tree_cursor_new(node);
  if (ts_tree_cursor_goto_first_child(&cursor)) {
    do {
      TSNode child = ts_tree_cursor_current_node(&cursor);
      if (ts_node_is_named(child)) children.push_back(child);
    } while (ts_tree_cursor_goto_next_sibling(&cursor));
  }
  ts_tree_cursor_delete(&cursor);
  return children;
}

}  // namespace ward::scan
