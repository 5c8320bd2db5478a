#pragma once
// Reading a rule file's TOML tables with errors that name the file and the key, so that a rule
// author learns exactly what to fix. Used by every part of a rule (metadata, patterns, taint).

#include <toml++/toml.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace re2 {
class RE2;
}

namespace ward::scan {

class TomlReader {
 public:
  // `where` names the file; `prefix` the table inside it ("" for the top level, "taint.sink[0]").
  TomlReader(const toml::table& table, std::string where, std::string prefix = "");

  const toml::table& table() const { return table_; }
  const std::string& where() const { return where_; }
  std::string key_path(std::string_view key) const;
  bool has(std::string_view key) const { return table_.contains(key); }

  core::Result<std::string> string(std::string_view key) const;  // required
  core::Result<std::optional<std::string>> optional_string(std::string_view key) const;
  // An array of strings; a single string counts as a one-element array. Missing: empty.
  core::Result<std::vector<std::string>> strings(std::string_view key) const;
  core::Result<std::vector<int64_t>> integers(std::string_view key) const;
  core::Result<std::optional<int64_t>> optional_integer(std::string_view key) const;
  core::Result<std::optional<bool>> optional_boolean(std::string_view key) const;
  core::Result<std::optional<double>> optional_number(std::string_view key) const;
  // An RE2 regular expression; null when the key is missing.
  core::Result<std::shared_ptr<const re2::RE2>> optional_regex(std::string_view key) const;
  // Sub-tables: a table, or an array of tables. Missing: empty.
  core::Result<std::vector<TomlReader>> tables(std::string_view key) const;
  // Fails when the table has a key outside `known` (catches typos such as `severtiy`).
  core::Status only_keys(std::initializer_list<std::string_view> known) const;

  core::Error error(std::string_view key, std::string_view message) const;

 private:
  const toml::table& table_;
  std::string where_;
  std::string prefix_;
};

}  // namespace ward::scan
