#pragma once
// The editor's open documents as the language server keeps them: the text the editor last sent
// (didOpen, then whole or ranged didChange), and positions converted between LSP's (line,
// character) and byte offsets. LSP counts characters in UTF-16 code units unless client and
// server agree on UTF-8 at initialize; lines end at "\n", "\r\n" or "\r".
//
// Threads: plain values.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace ward::lsp {

// The bytes of the UTF-8 sequence that `lead` starts (1 for a stray continuation byte).
std::size_t utf8_sequence_length(unsigned char lead);

enum class PositionEncoding { kUtf16, kUtf8 };

// The most text a document may hold (as many bytes as one message may carry).
inline constexpr std::size_t kMaxDocumentBytes = 16 * 1024 * 1024;

struct Position {
  std::uint32_t line = 0;
  std::uint32_t character = 0;
};

// {"line": …, "character": …}; errors (invalid_argument) name `where` when a field is missing,
// negative or not a number.
core::Result<Position> parse_position(const nlohmann::json& value, std::string_view where);
nlohmann::json to_json(const Position& position);

class Document {
 public:
  Document(std::string uri, std::string language_id, std::int64_t version, std::string text,
           PositionEncoding encoding);

  const std::string& uri() const { return uri_; }
  const std::string& language_id() const { return language_id_; }
  std::int64_t version() const { return version_; }
  const std::string& text() const { return text_; }

  // The byte offset of `position`. As LSP says, a character past the end of its line means the
  // line's end, and a line past the last means the end of the text; a position inside a
  // character (half of a UTF-16 surrogate pair) means that character's start.
  std::size_t offset_of(Position position) const;
  Position position_of(std::size_t offset) const;

  // didChange's contentChanges, in order: {"text"} replaces the whole text, {"range", "text"}
  // the range. All or nothing: errors (invalid_argument for a malformed change or a range that
  // ends before it starts, resource_exhausted for a text over kMaxDocumentBytes) leave the
  // document as it was. Each change costs the text after it and the lines, not a scan of the
  // whole text (an editor's replace-all sends thousands of changes at once).
  core::Status apply_changes(const nlohmann::json& changes);
  void set_version(std::int64_t version) { version_ = version; }
  // Counts the changes made since the document was opened: unlike the editor's version, which
  // a didChange need not carry, it names the text.
  std::uint64_t revision() const { return revision_; }

 private:
  core::Status apply_change(const nlohmann::json& change);
  void replace(std::size_t from, std::size_t to, std::string_view text);
  bool starts_line(std::size_t offset) const;  // a line begins at `offset` (not 0)
  void index_lines();
  std::size_t line_end(std::size_t line) const;  // before its line break

  std::string uri_;
  std::string language_id_;
  std::int64_t version_;
  std::string text_;
  PositionEncoding encoding_;
  std::vector<std::size_t> line_starts_;
  std::uint64_t revision_ = 0;
};

}  // namespace ward::lsp
