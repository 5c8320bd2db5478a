#include "gov/policy/pattern.h"

#include <fmt/format.h>

namespace ward::gov {
namespace {

constexpr std::string_view kPrincipalTagPrefix = "ward:PrincipalTag/";

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Length of the UTF-8 sequence starting at text[i] (1 for a stray or invalid byte).
std::size_t char_length(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  std::size_t length = 1;
  if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
  } else if (lead >= 0xE0) {
    length = lead <= 0xEF ? 3 : 1;
  } else if (lead >= 0xC2) {
    length = 2;
  }
  if (i + length > text.size()) return 1;
  for (std::size_t k = 1; k < length; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 1;
  }
  return length;
}

// One unit of a flattened pattern: a byte, `?` or `*`.
struct Unit {
  enum class Kind : unsigned char { kByte, kAny, kStar };
  Kind kind;
  char byte;
};

void append_literal(std::vector<Pattern::Part>& parts, std::string_view text) {
  if (text.empty()) return;
  if (!parts.empty() && parts.back().kind == Pattern::Part::Kind::kLiteral) {
    parts.back().text += text;
  } else {
    parts.push_back({Pattern::Part::Kind::kLiteral, std::string(text)});
  }
}

}  // namespace

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::optional<std::string> canonical_variable(std::string_view name) {
  if (equals_ignore_case(name, "ward:username")) return std::string("ward:username");
  if (equals_ignore_case(name, "ward:tenant")) return std::string("ward:tenant");
  if (name.size() > kPrincipalTagPrefix.size() &&
      equals_ignore_case(name.substr(0, kPrincipalTagPrefix.size()), kPrincipalTagPrefix)) {
    return std::string(kPrincipalTagPrefix) + std::string(name.substr(kPrincipalTagPrefix.size()));
  }
  return std::nullopt;
}

core::Result<Pattern> Pattern::parse(std::string_view text, PatternOptions options) {
  Pattern pattern;
  pattern.source_ = std::string(text);
  auto& parts = pattern.parts_;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (options.variables && c == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      const std::size_t close = text.find('}', i + 2);
      if (close == std::string_view::npos) {
        return core::Error(
            core::Code::kInvalidArgument, "",
            fmt::format("`${{` at character {} is not closed by `}}`; write `${{$}}` "
                        "for a literal `$`",
                        i + 1));
      }
      const std::string_view name = text.substr(i + 2, close - i - 2);
      if (name == "*" || name == "?" || name == "$") {
        append_literal(parts, name);
      } else if (auto canonical = canonical_variable(name)) {
        parts.push_back({Part::Kind::kVariable, std::move(*canonical)});
      } else {
        return core::Error(
            core::Code::kInvalidArgument, "",
            fmt::format("unknown policy variable `${{{}}}`; Ward substitutes "
                        "${{ward:username}}, ${{ward:tenant}} and "
                        "${{ward:PrincipalTag/NAME}} (and ${{*}}, ${{?}}, ${{$}} for "
                        "literal characters)",
                        name.substr(0, 64)));
      }
      i = close + 1;
    } else if (options.wildcards && c == '*') {
      if (parts.empty() || parts.back().kind != Part::Kind::kStar) {
        parts.push_back({Part::Kind::kStar, {}});
      }
      ++i;
    } else if (options.wildcards && c == '?') {
      parts.push_back({Part::Kind::kAnyChar, {}});
      ++i;
    } else {
      const std::size_t start = i;
      ++i;
      while (i < text.size() && text[i] != '$' &&
             !(options.wildcards && (text[i] == '*' || text[i] == '?'))) {
        ++i;
      }
      append_literal(parts, text.substr(start, i - start));
    }
  }
  return pattern;
}

bool Pattern::has_wildcards() const {
  for (const auto& part : parts_) {
    if (part.kind == Part::Kind::kStar || part.kind == Part::Kind::kAnyChar) return true;
  }
  return false;
}

bool Pattern::has_variables() const {
  for (const auto& part : parts_) {
    if (part.kind == Part::Kind::kVariable) return true;
  }
  return false;
}

core::Result<Pattern> Pattern::resolve(const VariableLookup& lookup) const {
  if (!has_variables()) return *this;
  Pattern resolved;
  resolved.source_ = source_;
  for (const auto& part : parts_) {
    if (part.kind != Part::Kind::kVariable) {
      if (part.kind == Part::Kind::kLiteral) {
        append_literal(resolved.parts_, part.text);
      } else {
        resolved.parts_.push_back(part);
      }
      continue;
    }
    auto value = lookup(part.text);
    if (!value) {
      return core::Error(core::Code::kInvalidArgument, "",
                         fmt::format("the policy variable ${{{}}} has no value in this request, so "
                                     "`{}` matches nothing",
                                     part.text, source_.substr(0, 128)));
    }
    append_literal(resolved.parts_, *value);
  }
  return resolved;
}

bool Pattern::matches(std::string_view text, bool ignore_case) const {
  std::vector<Unit> units;
  for (const auto& part : parts_) {
    switch (part.kind) {
      case Part::Kind::kVariable:
        return false;
      case Part::Kind::kStar:
        units.push_back({Unit::Kind::kStar, 0});
        break;
      case Part::Kind::kAnyChar:
        units.push_back({Unit::Kind::kAny, 0});
        break;
      case Part::Kind::kLiteral:
        for (char c : part.text) units.push_back({Unit::Kind::kByte, c});
        break;
    }
  }
  // Greedy matching with backtracking to the last `*`: O(pattern × text) in the worst case.
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;
  std::size_t mark = 0;
  while (t < text.size()) {
    if (p < units.size() && units[p].kind == Unit::Kind::kAny) {
      ++p;
      t += char_length(text, t);
    } else if (p < units.size() && units[p].kind == Unit::Kind::kByte &&
               (ignore_case ? lower(units[p].byte) == lower(text[t]) : units[p].byte == text[t])) {
      ++p;
      ++t;
    } else if (p < units.size() && units[p].kind == Unit::Kind::kStar) {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      mark += char_length(text, mark);
      t = mark;
    } else {
      return false;
    }
  }
  while (p < units.size() && units[p].kind == Unit::Kind::kStar) ++p;
  return p == units.size();
}

std::string Pattern::literal_text() const {
  std::string text;
  for (const auto& part : parts_) {
    switch (part.kind) {
      case Part::Kind::kLiteral:
        text += part.text;
        break;
      case Part::Kind::kStar:
        text += '*';
        break;
      case Part::Kind::kAnyChar:
        text += '?';
        break;
      case Part::Kind::kVariable:
        break;
    }
  }
  return text;
}

bool wildcard_match(std::string_view pattern, std::string_view text, bool ignore_case) {
  auto parsed = Pattern::parse(pattern, {.wildcards = true, .variables = false});
  return parsed.ok() && parsed->matches(text, ignore_case);
}

}  // namespace ward::gov
