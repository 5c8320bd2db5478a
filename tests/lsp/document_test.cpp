// Documents as the language server keeps them: LSP positions (UTF-16 or UTF-8 units) against
// byte offsets, line breaks of every kind, and didChange's edits.

#include "lsp/document.h"

#include <gtest/gtest.h>

#include <random>

#include "lsp/findings.h"

namespace ward::lsp {
namespace {

using nlohmann::json;

// "é" is 2 bytes and 1 UTF-16 unit; "😀" (U+1F600) 4 bytes and 2 UTF-16 units (a surrogate pair).
const std::string kText = "a = \"é😀\"; b\nsecond\n";

TEST(LspDocument, Utf16PositionsCountSurrogatePairsAsTwo) {
  const Document doc("file:///x.py", "python", 1, kText, PositionEncoding::kUtf16);
  // 'a',' ','=',' ','"' then é (1 unit), 😀 (2 units), '"' → the '"' after the emoji is unit 8.
  EXPECT_EQ(doc.offset_of({0, 5}), 5u);   // before é
  EXPECT_EQ(doc.offset_of({0, 6}), 7u);   // after é (2 bytes)
  EXPECT_EQ(doc.offset_of({0, 8}), 11u);  // after 😀 (4 bytes)
  EXPECT_EQ(doc.offset_of({0, 7}), 7u);   // inside the surrogate pair: the emoji's start
  EXPECT_EQ(doc.position_of(11).character, 8u);
  EXPECT_EQ(doc.position_of(11).line, 0u);
}

TEST(LspDocument, Utf8PositionsCountBytes) {
  const Document doc("file:///x.py", "python", 1, kText, PositionEncoding::kUtf8);
  EXPECT_EQ(doc.offset_of({0, 11}), 11u);
  EXPECT_EQ(doc.offset_of({0, 9}), 7u);  // inside the emoji's bytes: its start
  EXPECT_EQ(doc.position_of(11).character, 11u);
}

TEST(LspDocument, PastTheLineOrTheTextMeansItsEnd) {
  const Document doc("file:///x.py", "python", 1, kText, PositionEncoding::kUtf16);
  const std::size_t first_line_end = kText.find('\n');
  EXPECT_EQ(doc.offset_of({0, 500}), first_line_end);
  EXPECT_EQ(doc.offset_of({1, 0}), first_line_end + 1);
  EXPECT_EQ(doc.offset_of({9, 0}), kText.size());
  EXPECT_EQ(doc.position_of(kText.size()).line, 2u);  // the empty line after the last break
}

TEST(LspDocument, EveryKindOfLineBreakEndsALine) {
  const Document doc("file:///x.py", "python", 1, "one\r\ntwo\rthree\nfour",
                     PositionEncoding::kUtf16);
  EXPECT_EQ(doc.offset_of({1, 0}), 5u);
  EXPECT_EQ(doc.offset_of({2, 0}), 9u);
  EXPECT_EQ(doc.offset_of({3, 0}), 15u);
  EXPECT_EQ(doc.offset_of({0, 9}), 3u);  // before "\r\n", not between them
  EXPECT_EQ(doc.position_of(4).line, 0u);
  EXPECT_EQ(doc.position_of(4).character, 3u);
  EXPECT_EQ(doc.position_of(10).line, 2u);
}

TEST(LspDocument, RangedAndWholeChangesEditTheText) {
  Document doc("file:///x.py", "python", 1, "def f():\n    return 1\n", PositionEncoding::kUtf16);
  auto change = [](int l0, int c0, int l1, int c1, const std::string& text) {
    return json{{"range",
                 {{"start", {{"line", l0}, {"character", c0}}},
                  {"end", {{"line", l1}, {"character", c1}}}}},
                {"text", text}};
  };
  ASSERT_TRUE(doc.apply_changes(json::array({change(1, 11, 1, 12, "42")})));
  EXPECT_EQ(doc.text(), "def f():\n    return 42\n");
  ASSERT_TRUE(doc.apply_changes(json::array({change(0, 8, 1, 4, " ")})));  // join the lines
  EXPECT_EQ(doc.text(), "def f(): return 42\n");
  ASSERT_TRUE(doc.apply_changes(json::array({change(1, 0, 1, 0, "x = f()\n")})));
  EXPECT_EQ(doc.text(), "def f(): return 42\nx = f()\n");
  EXPECT_EQ(doc.offset_of({1, 4}), 23u);  // lines were indexed again
  ASSERT_TRUE(doc.apply_changes(json::array({json{{"text", "new"}}})));
  EXPECT_EQ(doc.text(), "new");
}

TEST(LspDocument, BadChangesAreErrorsAndLeaveTheTextAlone) {
  Document doc("file:///x.py", "python", 1, "abc\n", PositionEncoding::kUtf16);
  const json backwards = {
      {"range",
       {{"start", {{"line", 0}, {"character", 2}}}, {"end", {{"line", 0}, {"character", 1}}}}},
      {"text", "x"}};
  auto error = doc.apply_changes(json::array({backwards}));
  ASSERT_FALSE(error);
  EXPECT_NE(error.error().message().find("ends before it starts"), std::string::npos);
  for (const json& bad :
       {json{{"range", {{"start", {{"line", -1}, {"character", 0}}}}}, {"text", ""}},
        json{{"range", "0:1"}, {"text", ""}}, json{{"text", 5}}, json("text")}) {
    EXPECT_FALSE(doc.apply_changes(json::array({bad}))) << bad;
  }
  EXPECT_EQ(doc.text(), "abc\n");
}

TEST(LspDocument, ChangesApplyAllOrNothing) {
  Document doc("file:///x.py", "python", 1, "abc\n", PositionEncoding::kUtf16);
  const json insert = {
      {"range",
       {{"start", {{"line", 0}, {"character", 0}}}, {"end", {{"line", 0}, {"character", 0}}}}},
      {"text", "x\n"}};
  EXPECT_FALSE(doc.apply_changes(json::array({insert, json{{"text", 5}}})));
  EXPECT_EQ(doc.text(), "abc\n");
  EXPECT_EQ(doc.revision(), 0u);
  ASSERT_TRUE(doc.apply_changes(json::array({insert, insert})));
  EXPECT_EQ(doc.text(), "x\nx\nabc\n");
  EXPECT_EQ(doc.revision(), 1u);
  EXPECT_FALSE(doc.apply_changes(json{{"text", "not an array"}}));
}

TEST(LspDocument, ADocumentCannotGrowPastItsBound) {
  Document doc("file:///x.py", "python", 1, std::string(kMaxDocumentBytes - 1, 'a'),
               PositionEncoding::kUtf16);
  auto grown = doc.apply_changes(json::array({json{
      {"range",
       {{"start", {{"line", 0}, {"character", 0}}}, {"end", {{"line", 0}, {"character", 0}}}}},
      {"text", "bb"}}}));
  ASSERT_FALSE(grown);
  EXPECT_EQ(grown.error().code(), core::Code::kResourceExhausted);
  EXPECT_EQ(doc.text().size(), kMaxDocumentBytes - 1);
}

// Lines are indexed again only around each edit: after many random edits (line breaks of every
// kind made and split by them, multi-byte characters), every position must be what a document
// opened with the final text gives.
TEST(LspDocument, EditedLineIndexesMatchAFreshDocument) {
  const std::vector<std::string> pieces = {"a", "\n", "\r", "\r\n", "é", "😀", "xy", ""};
  std::mt19937 random(7);
  for (PositionEncoding encoding : {PositionEncoding::kUtf16, PositionEncoding::kUtf8}) {
    Document doc("file:///x.py", "python", 1, "one\r\ntwo\rthree\n", encoding);
    for (int step = 0; step < 500; ++step) {
      const Document before = doc;
      const std::size_t lines = before.position_of(before.text().size()).line + 1;
      auto place = [&] {
        return Position{static_cast<std::uint32_t>(random() % (lines + 1)),
                        static_cast<std::uint32_t>(random() % 12)};
      };
      Position start = place(), end = place();
      if (before.offset_of(start) > before.offset_of(end)) std::swap(start, end);
      const std::string text = pieces[random() % pieces.size()] + pieces[random() % pieces.size()];
      ASSERT_TRUE(doc.apply_changes(json::array(
          {json{{"range", {{"start", to_json(start)}, {"end", to_json(end)}}}, {"text", text}}})));
      const Document fresh("file:///x.py", "python", 1, doc.text(), encoding);
      for (std::size_t offset = 0; offset <= doc.text().size(); ++offset) {
        const Position got = doc.position_of(offset);
        const Position want = fresh.position_of(offset);
        ASSERT_EQ(got.line, want.line) << "step " << step << " offset " << offset;
        ASSERT_EQ(got.character, want.character) << "step " << step << " offset " << offset;
      }
      for (std::uint32_t line = 0; line <= lines + 1; ++line) {
        ASSERT_EQ(doc.offset_of({line, 0}), fresh.offset_of({line, 0})) << "step " << step;
      }
    }
  }
}

TEST(LspDocument, FileUrisBecomePaths) {
  EXPECT_EQ(file_path_of("file:///home/a%20b/x.py"), "/home/a b/x.py");
  EXPECT_EQ(file_path_of("file://localhost/srv/x.go"), "/srv/x.go");
  EXPECT_EQ(file_path_of("file:///c%3A/x.py?query#frag"), "/c:/x.py");
  EXPECT_EQ(file_path_of("untitled:Untitled-1"), std::nullopt);
  EXPECT_EQ(file_path_of("file:///bad%2"), std::nullopt);
  EXPECT_EQ(file_path_of("file:///bad%zz"), std::nullopt);
  EXPECT_EQ(file_path_of("file:///x%FF.py"), std::nullopt);  // not UTF-8: not a name to send on
}

TEST(LspDocument, TheScannedLanguageComesFromTheLanguageIdOrTheExtension) {
  auto language = [](const std::string& uri, const std::string& id) {
    return scanned_language(Document(uri, id, 1, "", PositionEncoding::kUtf16));
  };
  EXPECT_EQ(language("file:///a.txt", "python"), scan::Language::kPython);
  EXPECT_EQ(language("file:///a.jsx", "javascriptreact"), scan::Language::kJavaScript);
  EXPECT_EQ(language("file:///a.tsx", "typescriptreact"), scan::Language::kTsx);
  EXPECT_EQ(language("file:///a.go", "plaintext"), scan::Language::kGo);
  EXPECT_EQ(language("file:///notes.md", "markdown"), std::nullopt);
  EXPECT_EQ(language("untitled:1", "ruby"), std::nullopt);
}

}  // namespace
}  // namespace ward::lsp
