// StopMatcher on stop strings and UTF-8 characters split across pieces, overlapping candidates and
// a stop at the very start; a randomized check that, for any way of cutting a text into pieces,
// the emitted text is the text before the first stop string (or all of it) and never ends inside
// a UTF-8 character or a stop-string prefix that could still complete; Limits and StopPolicy.

#include "infer/sampling/stop.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace ward::infer::sampling {
namespace {

StopMatcher matcher(std::vector<std::string> stops) {
  auto created = StopMatcher::create(std::move(stops));
  EXPECT_TRUE(created) << created.error().to_string();
  return std::move(*created);
}

struct Run {
  std::vector<std::string> emitted;  // per piece
  std::optional<size_t> hit;
  std::string all;
};

Run feed(StopMatcher& m, const std::vector<std::string>& pieces) {
  Run run;
  for (const std::string& piece : pieces) {
    auto out = m.push(piece);
    run.emitted.push_back(out.text);
    run.all += out.text;
    if (out.stop_hit) {
      EXPECT_FALSE(run.hit) << "a second stop after the first";
      run.hit = out.stop_hit;
    }
  }
  return run;
}

TEST(InferSamplingStop, StopStringSplitAcrossPieces) {
  auto m = matcher({"</code>"});
  const auto run = feed(m, {"int x;", " </co", "de> more"});
  EXPECT_EQ(run.emitted, (std::vector<std::string>{"int x;", " ", ""}));
  EXPECT_EQ(run.all, "int x; ");
  ASSERT_TRUE(run.hit);
  EXPECT_EQ(*run.hit, 0u);
  EXPECT_TRUE(m.stopped());
  EXPECT_EQ(m.push("later").text, "");  // ignored after the stop
}

TEST(InferSamplingStop, HeldPrefixIsReleasedWhenItStopsMatching) {
  auto m = matcher({"\n\n"});
  const auto run = feed(m, {"a\n", "b\n", "\n"});
  EXPECT_EQ(run.emitted, (std::vector<std::string>{"a", "\nb", ""}));
  ASSERT_TRUE(run.hit);
  auto other = matcher({"STOP"});
  EXPECT_EQ(feed(other, {"ST", "O", "P!"}).all, "");
  auto released = matcher({"STOP"});
  const auto partial = feed(released, {"ST", "O", "RY"});
  EXPECT_EQ(partial.emitted, (std::vector<std::string>{"", "", "STORY"}));
  EXPECT_FALSE(partial.hit);
}

TEST(InferSamplingStop, Utf8CharacterSplitAcrossPieces) {
  auto m = matcher({});
  // "é" is C3 A9, "€" is E2 82 AC, "😀" is F0 9F 98 80.
  const auto run = feed(m, {"caf\xC3", "\xA9 ", "\xE2\x82", "\xAC", "\xF0", "\x9F\x98", "\x80!"});
  EXPECT_EQ(run.emitted, (std::vector<std::string>{"caf", "\xC3\xA9 ", "", "\xE2\x82\xAC", "", "",
                                                   "\xF0\x9F\x98\x80!"}));
  // A finish() in the middle of a character hands over the raw bytes.
  auto cut = matcher({});
  EXPECT_EQ(cut.push("x\xE2\x82").text, "x");
  EXPECT_EQ(cut.finish(), "\xE2\x82");
  EXPECT_TRUE(cut.stopped());
  // Bytes that can never complete a character are not held (nothing to wait for).
  auto broken = matcher({});
  EXPECT_EQ(broken.push("a\x80\x80").text, "a\x80\x80");
  EXPECT_EQ(broken.push("\xFF").text, "\xFF");
}

TEST(InferSamplingStop, Utf8StopStringSplitInsideACharacter) {
  auto m = matcher({"«fin»"});
  const auto run = feed(m, {"x \xC2", "\xAB", "fi", "n\xC2", "\xBB", "y"});
  EXPECT_EQ(run.all, "x ");
  ASSERT_TRUE(run.hit);
}

TEST(InferSamplingStop, OverlappingCandidatesCutAtTheEarliestStart) {
  // "abcd" and "bc": in "xabcd" "bc" completes first and starts later than "abcd" would; the
  // text stops before "bc" as soon as it is there.
  auto m = matcher({"abcd", "bc"});
  const auto run = feed(m, {"xa", "bc", "d"});
  EXPECT_EQ(run.all, "xa");
  EXPECT_EQ(*run.hit, 1u);
  // Both complete in one piece: the one starting earlier wins.
  auto both = matcher({"cd", "abcd"});
  const auto same = feed(both, {"xxabcdyy"});
  EXPECT_EQ(same.all, "xx");
  EXPECT_EQ(*same.hit, 1u);
  // One stop string's prefix overlaps another's: "aab" with "ab"; "aa" is held, "aab" stops
  // before "aab" (start 0) rather than "ab" (start 1).
  auto overlap = matcher({"ab", "aab"});
  const auto o = feed(overlap, {"a", "a", "b"});
  EXPECT_EQ(o.all, "");
  EXPECT_EQ(*o.hit, 1u);
  // A self-overlapping stop string: "aab" in "aaab".
  auto self = matcher({"aab"});
  const auto s = feed(self, {"a", "a", "a", "b"});
  EXPECT_EQ(s.emitted, (std::vector<std::string>{"", "", "a", ""}));
  EXPECT_EQ(s.all, "a");
}

TEST(InferSamplingStop, StopAtTheVeryStart) {
  auto m = matcher({"<|im_end|>"});
  const auto run = feed(m, {"<|im_end|>", "more"});
  EXPECT_EQ(run.all, "");
  ASSERT_TRUE(run.hit);
  auto split = matcher({"\n"});
  EXPECT_EQ(feed(split, {"\nabc"}).all, "");
}

TEST(InferSamplingStop, FinishReleasesAHeldPrefix) {
  auto m = matcher({"```"});
  EXPECT_EQ(m.push("end ``").text, "end ");
  EXPECT_EQ(m.finish(), "``");
  EXPECT_EQ(m.push("more").text, "");
}

TEST(InferSamplingStop, EmptyStopStringIsRefused) {
  auto created = StopMatcher::create({"ok", ""});
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().where(), "stop");
  EXPECT_EQ(created.error().message(),
            "stop string 2 is empty; it would end generation before any text (remove it)");
}

// What the emitted text must be, computed directly on the whole text.
std::string expected_output(const std::string& text, const std::vector<std::string>& stops) {
  size_t first = std::string::npos;
  for (const auto& stop : stops) first = std::min(first, text.find(stop));
  return first == std::string::npos ? text : text.substr(0, first);
}

TEST(InferSamplingStop, RandomPiecesGiveTheSameTextAsTheWholeText) {
  std::mt19937 generator(17);
  const std::vector<std::string> alphabet = {
      "a", "b", "\n", " ", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "<", "/", ">"};
  const std::vector<std::vector<std::string>> stop_sets = {{},
                                                           {"ab"},
                                                           {"aab", "ba"},
                                                           {"</a>"},
                                                           {"\n\n", "\xE2\x82\xAC\xE2\x82\xAC"},
                                                           {"\xC3\xA9"
                                                            "a"}};
  for (int round = 0; round < 3000; ++round) {
    const auto& stops = stop_sets[round % stop_sets.size()];
    std::string text;
    const int characters = std::uniform_int_distribution<int>(0, 30)(generator);
    for (int i = 0; i < characters; ++i) {
      text += alphabet[std::uniform_int_distribution<size_t>(0, alphabet.size() - 1)(generator)];
    }
    // Random cut points, anywhere, including inside characters.
    std::vector<std::string> pieces;
    for (size_t at = 0; at < text.size();) {
      const size_t length = std::uniform_int_distribution<size_t>(1, 5)(generator);
      pieces.push_back(text.substr(at, length));
      at += length;
    }
    auto m = matcher(stops);
    std::string out;
    bool hit = false;
    for (const auto& piece : pieces) {
      auto step = m.push(piece);
      out += step.text;
      hit = hit || step.stop_hit.has_value();
      ASSERT_EQ(text.compare(0, out.size(), out), 0) << "emitted text is not a prefix";
      // Never stops inside a character: the next byte of the (valid UTF-8) text is not a
      // continuation byte.
      if (out.size() < text.size()) {
        ASSERT_NE(static_cast<unsigned char>(text[out.size()]) & 0xC0, 0x80) << "round " << round;
      }
    }
    if (!hit) out += m.finish();
    const std::string expected = expected_output(text, stops);
    ASSERT_EQ(out, expected) << "round " << round;
    ASSERT_EQ(hit, expected.size() != text.size()) << "round " << round;
  }
}

TEST(InferSamplingLimits, ValidationAndStopReasons) {
  EXPECT_TRUE(Limits{}.validate());
  auto negative = Limits{-1, std::chrono::milliseconds(0)}.validate();
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().message(), "max_tokens must be at least 0 (0 = no limit), got -1");
  auto time = Limits{0, std::chrono::milliseconds(-5)}.validate();
  ASSERT_FALSE(time);
  EXPECT_EQ(time.error().where(), "time_budget");
  EXPECT_EQ(time.error().message(), "time_budget must be at least 0 ms (0 = no limit), got -5 ms");

  const auto start = StopPolicy::Clock::time_point{} + std::chrono::seconds(100);
  const StopPolicy policy(Limits{8, std::chrono::milliseconds(500)}, start);
  const auto at = [&](int ms) { return start + std::chrono::milliseconds(ms); };
  EXPECT_EQ(policy.check(1, false, at(10), false), StopReason::kNone);
  EXPECT_EQ(policy.check(7, false, at(499), false), StopReason::kNone);
  EXPECT_EQ(policy.check(8, false, at(10), false), StopReason::kMaxTokens);
  EXPECT_EQ(policy.check(3, false, at(500), false), StopReason::kTimeBudget);
  EXPECT_EQ(policy.check(3, true, at(10), false), StopReason::kEos);
  EXPECT_EQ(policy.check(8, true, at(900), false), StopReason::kEos);
  EXPECT_EQ(policy.check(8, true, at(900), true), StopReason::kCancelled);
  const StopPolicy unlimited(Limits{}, start);
  EXPECT_EQ(unlimited.check(1000000, false, at(100000000), false), StopReason::kNone);

  EXPECT_EQ(stop_reason_name(StopReason::kEos), "eos");
  EXPECT_EQ(stop_reason_name(StopReason::kStopString), "stop_string");
  EXPECT_EQ(stop_reason_name(StopReason::kMaxTokens), "max_tokens");
  EXPECT_EQ(stop_reason_name(StopReason::kTimeBudget), "time_budget");
  EXPECT_EQ(stop_reason_name(StopReason::kCancelled), "cancelled");
  EXPECT_EQ(stop_reason_name(StopReason::kNone), "none");
}

}  // namespace
}  // namespace ward::infer::sampling
