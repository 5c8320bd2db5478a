// The editor rules of suggestion.h, on hand-written model outputs, fed in pieces of every size
// (a rule must not depend on where the stream's pieces happen to split).

#include "assist/suggestion.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace ward::assist {
namespace {

struct Outcome {
  std::string result;
  bool stopped_early = false;  // add() returned false before the output ran out
};

Outcome run(std::string_view prefix, std::string_view suffix, std::string_view output,
            size_t piece = 1) {
  SuggestionGuard guard(prefix, suffix, mode_at_cursor(suffix));
  Outcome outcome;
  for (size_t i = 0; i < output.size(); i += piece) {
    if (!guard.add(output.substr(i, piece))) {
      outcome.stopped_early = true;
      break;
    }
  }
  outcome.result = guard.result();
  return outcome;
}

void expect_for_every_piece_size(std::string_view prefix, std::string_view suffix,
                                 std::string_view output, std::string_view expected,
                                 bool stopped_early) {
  for (size_t piece : {size_t{1}, size_t{3}, output.size()}) {
    const Outcome outcome = run(prefix, suffix, output, piece);
    EXPECT_EQ(outcome.result, expected) << "pieces of " << piece;
    EXPECT_EQ(outcome.stopped_early, stopped_early) << "pieces of " << piece;
  }
}

TEST(AssistSuggestion, ModeFollowsTheTextAfterTheCursor) {
  EXPECT_EQ(mode_at_cursor(")\nreturn 1\n"), CompletionMode::kSingleLine);
  EXPECT_EQ(mode_at_cursor("   \nreturn 1\n"), CompletionMode::kMultiLine);
  EXPECT_EQ(mode_at_cursor(""), CompletionMode::kMultiLine);
}

TEST(AssistSuggestion, SingleLineEndsAtTheNewlineAndDropsWhatTheSuffixRepeats) {
  expect_for_every_piece_size("print(", ")\nx = 1\n", "len(items))\nmore code", "len(items)", true);
}

TEST(AssistSuggestion, ABlockEndsWhereTheIndentationDrops) {
  const char* prefix = "def area(r):\n    ";
  expect_for_every_piece_size(prefix, "\n",
                              "pi = 3.14159\n    return pi * r * r\n\nprint(area(2))\n",
                              "pi = 3.14159\n    return pi * r * r", true);
}

TEST(AssistSuggestion, ABlockOpenedAtTheCursorEndsBackAtItsLevelButKeepsItsClosingBracket) {
  expect_for_every_piece_size("int main() {", "\n", "\n  return 0;\n}\n\nint other() {\n",
                              "\n  return 0;\n}", true);
  expect_for_every_piece_size("if ready:", "\n", "\n    go()\nelse:\n    wait()\n", "\n    go()",
                              true);
}

TEST(AssistSuggestion, StopsWhereItWouldRepeatTheSuffix) {
  const char* prefix = "def f(x):\n    y = x * 2\n    ";
  const char* suffix = "\n    return y\n";
  expect_for_every_piece_size(prefix, suffix, "y += 1\n    return y\n    pass\n", "y += 1", true);
}

TEST(AssistSuggestion, WhitespaceOnlyIsNoSuggestion) {
  expect_for_every_piece_size("x = 1\n", "", "   \n\t\n", "", false);
}

TEST(AssistSuggestion, CommittedTextIsAPrefixOfTheResultThatNoLaterTextChanges) {
  SuggestionGuard guard("def f():\n    ", "\n", CompletionMode::kMultiLine);
  EXPECT_TRUE(guard.add("a = 1\n    b = 2"));
  EXPECT_EQ(guard.committed(), "");  // the last line may still be cut or trimmed
  EXPECT_TRUE(guard.add("\n    c = 3\n"));
  EXPECT_EQ(guard.committed(), "a = 1\n    b = 2");
  EXPECT_FALSE(guard.add("x = 0\n"));
  EXPECT_EQ(guard.result(), "a = 1\n    b = 2\n    c = 3");
  EXPECT_TRUE(guard.result().starts_with(guard.committed()));
}

}  // namespace
}  // namespace ward::assist
