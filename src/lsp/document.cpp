#include "lsp/document.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace ward::lsp {
namespace {

using core::Code;
using core::Error;

}  // namespace

std::size_t utf8_sequence_length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

core::Result<Position> parse_position(const nlohmann::json& value, std::string_view where) {
  auto field = [&](const char* name) -> core::Result<std::uint32_t> {
    if (!value.is_object() || !value.contains(name) || !value[name].is_number_integer() ||
        value[name].get<std::int64_t>() < 0 ||
        value[name].get<std::int64_t>() > std::numeric_limits<std::uint32_t>::max()) {
      return Error(Code::kInvalidArgument, std::string(where),
                   std::string("a position needs \"") + name + "\", a whole number from 0");
    }
    return value[name].get<std::uint32_t>();
  };
  auto line = field("line");
  if (!line) return line.error();
  auto character = field("character");
  if (!character) return character.error();
  return Position{*line, *character};
}

nlohmann::json to_json(const Position& position) {
  return {{"line", position.line}, {"character", position.character}};
}

Document::Document(std::string uri, std::string language_id, std::int64_t version, std::string text,
                   PositionEncoding encoding)
    : uri_(std::move(uri)),
      language_id_(std::move(language_id)),
      version_(version),
      text_(std::move(text)),
      encoding_(encoding) {
  index_lines();
}

bool Document::starts_line(std::size_t offset) const {
  const char before = text_[offset - 1];
  return before == '\n' || (before == '\r' && (offset == text_.size() || text_[offset] != '\n'));
}

void Document::index_lines() {
  line_starts_.assign(1, 0);
  for (std::size_t offset = 1; offset <= text_.size(); ++offset) {
    if (starts_line(offset)) line_starts_.push_back(offset);
  }
}

// Whether a line starts at an offset depends on the two bytes around it, so only the starts in
// the replaced range (its ends included) can change; those after it move by the size difference.
void Document::replace(std::size_t from, std::size_t to, std::string_view text) {
  const auto first_changed = std::lower_bound(line_starts_.begin() + 1, line_starts_.end(), from);
  const auto first_after = std::upper_bound(first_changed, line_starts_.end(), to);
  std::vector<std::size_t> after(first_after, line_starts_.end());
  line_starts_.erase(first_changed, line_starts_.end());
  text_.replace(from, to - from, text);
  for (std::size_t offset = std::max<std::size_t>(from, 1); offset <= from + text.size();
       ++offset) {
    if (offset <= text_.size() && starts_line(offset)) line_starts_.push_back(offset);
  }
  for (std::size_t start : after) line_starts_.push_back(start - to + from + text.size());
}

std::size_t Document::line_end(std::size_t line) const {
  if (line + 1 >= line_starts_.size()) return text_.size();
  std::size_t end = line_starts_[line + 1] - 1;  // the '\n' or lone '\r'
  if (text_[end] == '\n' && end > line_starts_[line] && text_[end - 1] == '\r') --end;
  return end;
}

std::size_t Document::offset_of(Position position) const {
  if (position.line >= line_starts_.size()) return text_.size();
  std::size_t at = line_starts_[position.line];
  const std::size_t end = line_end(position.line);
  for (std::uint32_t units = 0; at < end;) {
    const std::size_t length =
        std::min(utf8_sequence_length(static_cast<unsigned char>(text_[at])), end - at);
    const std::uint32_t width = encoding_ == PositionEncoding::kUtf8 ? length : length == 4 ? 2 : 1;
    if (units + width > position.character) break;
    units += width;
    at += length;
  }
  return at;
}

Position Document::position_of(std::size_t offset) const {
  offset = std::min(offset, text_.size());
  const auto next = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  const auto line = static_cast<std::size_t>(next - line_starts_.begin()) - 1;
  const std::size_t end = std::min(offset, line_end(line));
  std::uint32_t units = 0;
  for (std::size_t at = line_starts_[line]; at < end;) {
    const std::size_t length = utf8_sequence_length(static_cast<unsigned char>(text_[at]));
    units += encoding_ == PositionEncoding::kUtf8 ? length : length == 4 ? 2 : 1;
    at += length;
  }
  return Position{static_cast<std::uint32_t>(line), units};
}

core::Status Document::apply_changes(const nlohmann::json& changes) {
  if (!changes.is_array()) {
    return Error(Code::kInvalidArgument, "contentChanges", "must be an array of changes");
  }
  Document edited = *this;
  for (const nlohmann::json& change : changes) {
    if (auto status = edited.apply_change(change); !status) return status;
  }
  *this = std::move(edited);
  ++revision_;
  return {};
}

core::Status Document::apply_change(const nlohmann::json& change) {
  if (!change.is_object() || !change.contains("text") || !change["text"].is_string()) {
    return Error(Code::kInvalidArgument, "contentChanges",
                 "each change needs \"text\", a string (and \"range\" for part of the document)");
  }
  const std::string& text = change["text"].get_ref<const std::string&>();
  std::size_t from = 0;
  std::size_t to = text_.size();
  if (change.contains("range")) {
    const nlohmann::json& range = change["range"];
    if (!range.is_object()) {
      return Error(Code::kInvalidArgument, "contentChanges.range",
                   "a range is an object with \"start\" and \"end\" positions");
    }
    auto start =
        parse_position(range.value("start", nlohmann::json()), "contentChanges.range.start");
    if (!start) return start.error();
    auto end = parse_position(range.value("end", nlohmann::json()), "contentChanges.range.end");
    if (!end) return end.error();
    from = offset_of(*start);
    to = offset_of(*end);
    if (to < from) {
      return Error(Code::kInvalidArgument, "contentChanges.range",
                   "the range ends before it starts");
    }
  }
  if (text_.size() - (to - from) + text.size() > kMaxDocumentBytes) {
    return Error(Code::kResourceExhausted, uri_,
                 fmt::format("the document would hold more than the {} MiB Ward keeps of one "
                             "document",
                             kMaxDocumentBytes / (1024 * 1024)));
  }
  replace(from, to, text);
  return {};
}

}  // namespace ward::lsp
