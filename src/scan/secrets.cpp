#include "scan/secrets.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "core/toml_types.h"

namespace ward::scan {
namespace {

using core::Code;
using core::Error;

constexpr std::array<std::string_view, 6> kKeys = {"regex",       "capture",    "keywords",
                                                   "min_entropy", "min_length", "allow"};

Error invalid(const std::string& where, std::string message) {
  return Error(Code::kInvalidArgument, where, std::move(message));
}

Error wrong_type(const std::string& where, std::string_view key, const toml::node& node,
                 std::string_view expected) {
  return invalid(where, fmt::format("`secret.{}` must be {}, not {}; fix the rule file", key,
                                    expected, core::toml_type_name(node)));
}

// Compiles `pattern` (RE2 syntax); `key` names it in the error, with RE2's reason.
core::Result<std::shared_ptr<const re2::RE2>> compile(const std::string& pattern,
                                                      std::string_view key,
                                                      const std::string& where) {
  RE2::Options options;
  options.set_log_errors(false);
  auto regex = std::make_shared<const re2::RE2>(pattern, options);
  if (!regex->ok()) {
    return invalid(where, fmt::format("`secret.{}` is not a valid RE2 regular expression ({}); "
                                      "fix the expression (RE2 has no look-around and no "
                                      "back-references)",
                                      key, regex->error()));
  }
  return std::shared_ptr<const re2::RE2>(std::move(regex));
}

core::Result<std::vector<std::string>> string_array(const toml::node& node, std::string_view key,
                                                    std::string_view expected,
                                                    const std::string& where) {
  const toml::array* array = node.as_array();
  if (array == nullptr) return wrong_type(where, key, node, expected);
  std::vector<std::string> values;
  for (const toml::node& item : *array) {
    if (!item.is_string()) return wrong_type(where, key, node, expected);
    values.push_back(item.as_string()->get());
    if (values.back().empty()) {
      return invalid(
          where, fmt::format("`secret.{}` has an empty entry; remove it from the rule file", key));
    }
  }
  return values;
}

core::Status check_keywords(const std::vector<std::string>& keywords, const std::string& where) {
  for (const std::string& keyword : keywords) {
    const bool lower =
        std::none_of(keyword.begin(), keyword.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    if (!lower) {
      return invalid(where, fmt::format("`secret.keywords` entry \"{}\" must be lower case (they "
                                        "are matched ignoring case); write it in lower case",
                                        keyword));
    }
  }
  return {};
}

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Whether a keyword occurs, ignoring ASCII case, in text[match_start, match_end) or in the
// kKeywordWindowBytes bytes before it that lie on the same line.
bool keyword_near(const std::vector<std::string>& keywords, std::string_view text,
                  size_t match_start, size_t match_end) {
  size_t start = match_start >= kKeywordWindowBytes ? match_start - kKeywordWindowBytes : 0;
  const size_t newline = text.substr(start, match_start - start).rfind('\n');
  if (newline != std::string_view::npos) start += newline + 1;
  std::string window(text.substr(start, match_end - start));
  std::transform(window.begin(), window.end(), window.begin(), ascii_lower);
  return std::any_of(keywords.begin(), keywords.end(), [&](const std::string& keyword) {
    return window.find(keyword) != std::string::npos;
  });
}

// Whether the value passes every filter of the spec other than the keywords.
bool value_accepted(const SecretSpec& spec, std::string_view value) {
  if (value.empty()) return false;
  if (spec.min_length && value.size() < *spec.min_length) return false;
  if (spec.min_entropy && shannon_entropy(value) < *spec.min_entropy) return false;
  return std::none_of(spec.allow.begin(), spec.allow.end(), [&](const auto& allow) {
    return RE2::PartialMatch(re2::StringPiece(value.data(), value.size()), *allow);
  });
}

}  // namespace

core::Result<SecretSpec> parse_secret_spec(const toml::table& table, const std::string& where) {
  for (const auto& [key, node] : table) {
    if (std::find(kKeys.begin(), kKeys.end(), key.str()) == kKeys.end()) {
      return invalid(where, fmt::format("unknown key `secret.{}`; the [secret] table takes regex, "
                                        "capture, keywords, min_entropy, min_length and allow",
                                        key.str()));
    }
  }

  SecretSpec spec;
  const toml::node* regex = table.get("regex");
  if (regex == nullptr) {
    return invalid(where,
                   "`secret.regex` is missing; give the regular expression (RE2 syntax) "
                   "that finds the secret");
  }
  if (!regex->is_string()) return wrong_type(where, "regex", *regex, "a string");
  if (regex->as_string()->get().empty()) {
    return invalid(where,
                   "`secret.regex` is empty; give the regular expression (RE2 syntax) "
                   "that finds the secret");
  }
  auto compiled = compile(regex->as_string()->get(), "regex", where);
  if (!compiled) return compiled.error();
  spec.regex = std::move(*compiled);

  if (const toml::node* capture = table.get("capture")) {
    if (!capture->is_integer()) return wrong_type(where, "capture", *capture, "an integer");
    const int64_t group = capture->as_integer()->get();
    if (group < 0 || group > spec.regex->NumberOfCapturingGroups()) {
      return invalid(where, fmt::format("`secret.capture` is {}, but `secret.regex` has {} "
                                        "capturing group(s); use 0 for the whole match or the "
                                        "number of the group that holds the secret",
                                        group, spec.regex->NumberOfCapturingGroups()));
    }
    spec.capture = static_cast<int>(group);
  }

  if (const toml::node* keywords = table.get("keywords")) {
    auto words = string_array(*keywords, "keywords", "an array of strings", where);
    if (!words) return words.error();
    if (auto status = check_keywords(*words, where); !status) return status.error();
    spec.keywords = std::move(*words);
  }

  if (const toml::node* entropy = table.get("min_entropy")) {
    double value = 0;
    if (entropy->is_floating_point()) {
      value = entropy->as_floating_point()->get();
    } else if (entropy->is_integer()) {
      value = static_cast<double>(entropy->as_integer()->get());
    } else {
      return wrong_type(where, "min_entropy", *entropy, "a number");
    }
    if (!(value >= 0 && value <= 8)) {
      return invalid(where, fmt::format("`secret.min_entropy` is {}, but entropy is measured in "
                                        "bits per byte: give a number from 0 to 8 (3.5 suits "
                                        "random tokens)",
                                        value));
    }
    spec.min_entropy = value;
  }

  if (const toml::node* length = table.get("min_length")) {
    if (!length->is_integer()) return wrong_type(where, "min_length", *length, "an integer");
    const int64_t value = length->as_integer()->get();
    if (value < 0 || value > std::numeric_limits<uint32_t>::max()) {
      return invalid(where, fmt::format("`secret.min_length` is {}; give a length in bytes, 0 "
                                        "or more",
                                        value));
    }
    spec.min_length = static_cast<uint32_t>(value);
  }

  if (const toml::node* allow = table.get("allow")) {
    auto patterns =
        string_array(*allow, "allow", "an array of regular expressions (strings)", where);
    if (!patterns) return patterns.error();
    for (const std::string& pattern : *patterns) {
      auto compiled_allow = compile(pattern, "allow", where);
      if (!compiled_allow) return compiled_allow.error();
      spec.allow.push_back(std::move(*compiled_allow));
    }
  }
  return spec;
}

std::vector<SecretMatch> find_secrets(const SecretSpec& spec, std::string_view text) {
  std::vector<SecretMatch> matches;
  if (!spec.regex) return matches;
  text = text.substr(0, std::min<size_t>(text.size(), std::numeric_limits<uint32_t>::max()));
  const re2::RE2& regex = *spec.regex;
  const int groups = spec.capture + 1;
  std::vector<re2::StringPiece> found(static_cast<size_t>(groups));
  const re2::StringPiece input(text.data(), text.size());
  size_t position = 0;
  while (position <= text.size() &&
         regex.Match(input, position, text.size(), RE2::UNANCHORED, found.data(), groups)) {
    const re2::StringPiece whole = found[0];
    const size_t match_start = static_cast<size_t>(whole.data() - text.data());
    const size_t match_end = match_start + whole.size();
    position = whole.empty() ? match_end + 1 : match_end;

    const re2::StringPiece captured = found[static_cast<size_t>(spec.capture)];
    if (captured.data() == nullptr || captured.empty()) continue;  // the group did not take part
    const std::string_view value(captured.data(), captured.size());
    if (!value_accepted(spec, value)) continue;
    if (!spec.keywords.empty() && !keyword_near(spec.keywords, text, match_start, match_end)) {
      continue;
    }
    const auto value_start = static_cast<uint32_t>(captured.data() - text.data());
    matches.push_back({value_start, value_start + static_cast<uint32_t>(captured.size())});
  }
  return matches;
}

double shannon_entropy(std::string_view value) {
  if (value.empty()) return 0;
  std::array<size_t, 256> counts{};
  for (char c : value) ++counts[static_cast<unsigned char>(c)];
  const double total = static_cast<double>(value.size());
  double entropy = 0;
  for (size_t count : counts) {
    if (count == 0) continue;
    const double p = static_cast<double>(count) / total;
    entropy -= p * std::log2(p);
  }
  return entropy;
}

std::string redact(std::string_view value) {
  // Where each UTF-8 code point starts (continuation bytes are 10xxxxxx).
  size_t characters = 0;
  for (char c : value) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++characters;
  }
  const size_t keep = std::min<size_t>(4, characters / 4);
  std::string redacted;
  redacted.reserve(characters);
  size_t seen = 0;
  for (char c : value) {
    const bool starts_character = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (starts_character) ++seen;
    if (seen <= keep) {
      redacted.push_back(c);
    } else if (starts_character) {
      redacted.push_back('*');
    }
  }
  return redacted;
}

}  // namespace ward::scan
