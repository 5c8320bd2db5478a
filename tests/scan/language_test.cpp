#include "scan/language.h"

#include <gtest/gtest.h>
#include <tree_sitter/api.h>

namespace ward::scan {
namespace {

TEST(ScanLanguage, RecognisesFilesByExtension) {
  EXPECT_EQ(language_of("a/b/app.py"), Language::kPython);
  EXPECT_EQ(language_of("Main.JAVA"), Language::kJava);
  EXPECT_EQ(language_of("x.tsx"), Language::kTsx);
  EXPECT_EQ(language_of("x.hpp"), Language::kCpp);
  EXPECT_EQ(language_of("x.h"), Language::kC);
  EXPECT_EQ(language_of("Makefile"), std::nullopt);
  EXPECT_EQ(language_of("notes.txt"), std::nullopt);
}

TEST(ScanLanguage, NamesRoundTrip) {
  for (Language language : kAllLanguages) {
    EXPECT_EQ(parse_language(language_name(language)), language);
  }
  EXPECT_EQ(parse_language("cobol"), std::nullopt);
}

// Every grammar must be one the linked runtime accepts, and must parse its own language.
TEST(ScanLanguage, EveryGrammarLoadsAndParses) {
  struct Case {
    Language language;
    std::string source;
  };
  const Case cases[] = {
      {Language::kPython, "def f(x):\n    return x + 1\n"},
      {Language::kJavaScript, "function f(x) { return x + 1; }\n"},
      {Language::kTypeScript, "function f(x: number): number { return x + 1; }\n"},
      {Language::kTsx, "const a = <div>{x}</div>;\n"},
      {Language::kJava, "class A { int f(int x) { return x + 1; } }\n"},
      {Language::kGo, "package a\nfunc f(x int) int { return x + 1 }\n"},
      {Language::kC, "int f(int x) { return x + 1; }\n"},
      {Language::kCpp, "template <class T> T f(T x) { return x + 1; }\n"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(language_name(c.language)));
    TSParser* parser = ts_parser_new();
    ASSERT_TRUE(ts_parser_set_language(parser, grammar(c.language)));
    TSTree* tree = ts_parser_parse_string(parser, nullptr, c.source.data(),
                                          static_cast<uint32_t>(c.source.size()));
    ASSERT_NE(tree, nullptr);
    EXPECT_FALSE(ts_node_has_error(ts_tree_root_node(tree)));
    ts_tree_delete(tree);
    ts_parser_delete(parser);
  }
}

}  // namespace
}  // namespace ward::scan
