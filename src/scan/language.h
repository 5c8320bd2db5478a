#pragma once
// The languages the scanner parses, how a file's language is recognised, and their tree-sitter
// grammars.

#include <filesystem>
#include <optional>
#include <string_view>

extern "C" {
typedef struct TSLanguage TSLanguage;
}

namespace ward::scan {

enum class Language { kPython, kJavaScript, kTypeScript, kTsx, kJava, kGo, kC, kCpp };

inline constexpr Language kAllLanguages[] = {Language::kPython, Language::kJavaScript,
                                             Language::kTypeScript, Language::kTsx,
                                             Language::kJava, Language::kGo,
                                             Language::kC, Language::kCpp};

// "python", "javascript", "typescript", "tsx", "java", "go", "c", "cpp".
std::string_view language_name(Language language);
std::optional<Language> parse_language(std::string_view name);

// By file extension (.py, .js/.mjs/.cjs/.jsx, .ts/.mts/.cts, .tsx, .java, .go, .c, .h, .cc/.cpp/
// .cxx/.hpp/.hh/.hxx); nullopt for anything else.
std::optional<Language> language_of(const std::filesystem::path& file);

// The grammar tree-sitter parses the language with (never null).
const TSLanguage* grammar(Language language);

}  // namespace ward::scan
