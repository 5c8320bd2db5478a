#include "scan/rule_toml.h"

#include <re2/re2.h>

#include <algorithm>

namespace ward::scan {

TomlReader::TomlReader(const toml::table& table, std::string where, std::string prefix)
    : table_(table), where_(std::move(where)), prefix_(std::move(prefix)) {}

std::string TomlReader::key_path(std::string_view key) const {
  return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

core::Error TomlReader::error(std::string_view key, std::string_view message) const {
  return core::Error(core::Code::kInvalidArgument, where_, "`" + key_path(key) + "` " + std::string(message));
}

core::Result<std::string> TomlReader::string(std::string_view key) const {
  auto value = optional_string(key);
  if (!value) return value.error();
  if (!value->has_value() || (*value)->empty()) return error(key, "is required: give it a non-empty string");
  return **value;
}

core::Result<std::optional<std::string>> TomlReader::optional_string(std::string_view key) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) return std::optional<std::string>();
  if (const auto* text = node->as_string()) return std::optional<std::string>(text->get());
  return error(key, "must be a string");
}

core::Result<std::vector<std::string>> TomlReader::strings(std::string_view key) const {
  std::vector<std::string> values;
  const toml::node* node = table_.get(key);
  if (node == nullptr) return values;
  if (const auto* text = node->as_string()) return std::vector<std::string>{text->get()};
  const auto* array = node->as_array();
  if (array == nullptr) return error(key, "must be a string or an array of strings");
  for (const auto& element : *array) {
    const auto* text = element.as_string();
    if (text == nullptr) return error(key, "must hold only strings");
    values.push_back(text->get());
  }
  return values;
}

core::Result<std::vector<int64_t>> TomlReader::integers(std::string_view key) const {
  std::vector<int64_t> values;
  const toml::node* node = table_.get(key);
  if (node == nullptr) return values;
  if (const auto* number = node->as_integer()) return std::vector<int64_t>{number->get()};
  const auto* array = node->as_array();
  if (array == nullptr) return error(key, "must be an integer or an array of integers");
  for (const auto& element : *array) {
    const auto* number = element.as_integer();
    if (number == nullptr) return error(key, "must hold only integers");
    values.push_back(number->get());
  }
  return values;
}

core::Result<std::optional<int64_t>> TomlReader::optional_integer(std::string_view key) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) return std::optional<int64_t>();
  if (const auto* number = node->as_integer()) return std::optional<int64_t>(number->get());
  return error(key, "must be an integer");
}

core::Result<std::optional<bool>> TomlReader::optional_boolean(std::string_view key) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) return std::optional<bool>();
  if (const auto* flag = node->as_boolean()) return std::optional<bool>(flag->get());
  return error(key, "must be true or false");
}

core::Result<std::optional<double>> TomlReader::optional_number(std::string_view key) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) return std::optional<double>();
  if (const auto* number = node->as_floating_point()) return std::optional<double>(number->get());
  if (const auto* number = node->as_integer()) return std::optional<double>(static_cast<double>(number->get()));
  return error(key, "must be a number");
}

core::Result<std::shared_ptr<const re2::RE2>> TomlReader::optional_regex(std::string_view key) const {
  auto text = optional_string(key);
  if (!text) return text.error();
  if (!text->has_value()) return std::shared_ptr<const re2::RE2>();
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto regex = std::make_shared<const re2::RE2>(**text, options);
  if (!regex->ok()) return error(key, "is not a valid RE2 regular expression: " + regex->error());
  return std::shared_ptr<const re2::RE2>(regex);
}

core::Result<std::vector<TomlReader>> TomlReader::tables(std::string_view key) const {
  std::vector<TomlReader> readers;
  const toml::node* node = table_.get(key);
  if (node == nullptr) return readers;
  if (const auto* table = node->as_table()) {
    readers.emplace_back(*table, where_, key_path(key));
    return readers;
  }
  const auto* array = node->as_array();
  if (array == nullptr) return error(key, "must be a table or an array of tables");
  for (size_t i = 0; i < array->size(); ++i) {
    const auto* table = (*array)[i].as_table();
    if (table == nullptr) return error(key, "must hold only tables");
    readers.emplace_back(*table, where_, key_path(key) + "[" + std::to_string(i) + "]");
  }
  return readers;
}

core::Status TomlReader::only_keys(std::initializer_list<std::string_view> known) const {
  for (const auto& [key, value] : table_) {
    if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
      return error(key.str(), "is not a known key here; check its spelling against docs/scanner.md");
    }
  }
  return core::ok_status();
}

}  // namespace ward::scan
