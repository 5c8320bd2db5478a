#include "scan/language.h"

#include <algorithm>
#include <array>
#include <string>

extern "C" {
const TSLanguage* tree_sitter_python(void);
const TSLanguage* tree_sitter_javascript(void);
const TSLanguage* tree_sitter_typescript(void);
const TSLanguage* tree_sitter_tsx(void);
const TSLanguage* tree_sitter_java(void);
const TSLanguage* tree_sitter_go(void);
const TSLanguage* tree_sitter_c(void);
const TSLanguage* tree_sitter_cpp(void);
}

namespace ward::scan {
namespace {

struct LanguageEntry {
  Language language;
  std::string_view name;
  std::array<std::string_view, 6> extensions;  // lower case, with the dot; unused slots empty
};

constexpr LanguageEntry kLanguages[] = {
    {Language::kPython, "python", {".py", ".pyw"}},
    {Language::kJavaScript, "javascript", {".js", ".mjs", ".cjs", ".jsx"}},
    {Language::kTypeScript, "typescript", {".ts", ".mts", ".cts"}},
    {Language::kTsx, "tsx", {".tsx"}},
    {Language::kJava, "java", {".java"}},
    {Language::kGo, "go", {".go"}},
    {Language::kC, "c", {".c", ".h"}},
    {Language::kCpp, "cpp", {".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx"}},
};

const LanguageEntry& entry(Language language) {
  for (const auto& e : kLanguages) {
    if (e.language == language) return e;
  }
  return kLanguages[0];  // unreachable: every enumerator has an entry
}

}  // namespace

std::string_view language_name(Language language) { return entry(language).name; }

std::optional<Language> parse_language(std::string_view name) {
  for (const auto& e : kLanguages) {
    if (e.name == name) return e.language;
  }
  if (name == "c++") return Language::kCpp;
  if (name == "js") return Language::kJavaScript;
  if (name == "ts") return Language::kTypeScript;
  return std::nullopt;
}

std::optional<Language> language_of(const std::filesystem::path& file) {
  std::string extension = file.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (extension.empty()) return std::nullopt;
  for (const auto& e : kLanguages) {
    for (std::string_view candidate : e.extensions) {
      if (candidate == extension) return e.language;
    }
  }
  return std::nullopt;
}

const TSLanguage* grammar(Language language) {
  switch (language) {
    case Language::kPython: return tree_sitter_python();
    case Language::kJavaScript: return tree_sitter_javascript();
    case Language::kTypeScript: return tree_sitter_typescript();
    case Language::kTsx: return tree_sitter_tsx();
    case Language::kJava: return tree_sitter_java();
    case Language::kGo: return tree_sitter_go();
    case Language::kC: return tree_sitter_c();
    case Language::kCpp: return tree_sitter_cpp();
  }
  return tree_sitter_python();
}

}  // namespace ward::scan
