// Unit tests of the tokenizer on small vocabularies built by hand, where every expected id can be
// worked out on paper: SPM score order and byte fallback, BPE rank order, special tokens,
// BOS/EOS rules, invalid input and invalid ids, and the errors of inconsistent vocabularies.

#include "infer/tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "infer/gguf/gguf.h"
#include "infer/gguf/writer.h"

namespace ward::infer::tokenizer {
namespace {

using Ids = std::vector<TokenId>;

// --- A SentencePiece vocabulary -------------------------------------------------------------
// 0 <unk>, 1 <s>, 2 </s>, 3..258 the byte tokens <0x00>..<0xFF>, then the pieces below.
constexpr TokenId kByte0 = 3;
constexpr TokenId kSpace = 259;  // "▁"
constexpr TokenId kA = 260, kB = 261, kC = 262, kSpaceA = 263, kAB = 264, kSpaceAB = 265;
constexpr TokenId kBC = 266, kABC = 267, kTag = 268, kCtl = 269, kX = 270, kY = 271, kZ = 272;
constexpr TokenId kXY = 273, kYZ = 274;

TokenId byte_token(unsigned char b) {
  return kByte0 + b;
}

Vocabulary spm_vocabulary() {
  Vocabulary v;
  v.model = "llama";
  const auto add = [&](std::string text, float score, int32_t type) {
    v.tokens.push_back(std::move(text));
    v.scores.push_back(score);
    v.token_types.push_back(type);
  };
  add("<unk>", 0, 2);
  add("<s>", 0, 3);
  add("</s>", 0, 3);
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b)
    add(std::string{'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>'}, 0, 6);
  add("\xE2\x96\x81", -1, 1);  // 259 ▁
  add("a", -2, 1);             // 260
  add("b", -2, 1);             // 261
  add("c", -2, 1);             // 262
  add("\xE2\x96\x81"
      "a",
      -3, 1);           // 263 ▁a
  add("ab", -1.5f, 1);  // 264
  add("\xE2\x96\x81"
      "ab",
      -0.5f, 1);         // 265 ▁ab
  add("bc", -4, 1);      // 266
  add("abc", -6, 1);     // 267
  add("<tag>", 0, 4);    // 268 user-defined
  add("<|ctl|>", 0, 3);  // 269 control
  add("x", -2, 1);       // 270
  add("y", -2, 1);       // 271
  add("z", -2, 1);       // 272
  add("xy", -1, 1);      // 273
  add("yz", -1, 1);      // 274
  return v;
}

Tokenizer make(Vocabulary v) {
  auto t = Tokenizer::create(std::move(v));
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().to_string());
  return std::move(*t);
}

std::string detok(const Tokenizer& t, const Ids& ids, DetokenizeOptions options = {}) {
  auto text = t.detokenize(ids, options);
  EXPECT_TRUE(text.ok()) << (text.ok() ? "" : text.error().to_string());
  return text.ok() ? *text : std::string("<error>");
}

TEST(InferTokenizerSpm, MergesTheBestScoringPairFirst) {
  const Tokenizer t = make(spm_vocabulary());
  // "▁ab": ab (-1.5) beats ▁a (-3); then ▁+ab forms ▁ab (-0.5).
  EXPECT_EQ(t.tokenize("ab", false), (Ids{kSpaceAB}));
  // "▁abc": ab, then ▁ab; "▁abc" is no token, and bc/abc went stale.
  EXPECT_EQ(t.tokenize("abc", false), (Ids{kSpaceAB, kC}));
  // "▁cab": only ab forms a token.
  EXPECT_EQ(t.tokenize("cab", false), (Ids{kSpace, kC, kAB}));
  // Equal scores: the leftmost pair merges first (xy before yz).
  EXPECT_EQ(t.tokenize("xyz", false), (Ids{kSpace, kXY, kZ}));
}

TEST(InferTokenizerSpm, SpacesBecomeTheMarkerAndTheTextGetsOneInFront) {
  const Tokenizer t = make(spm_vocabulary());
  EXPECT_EQ(t.tokenize(" ab", false), (Ids{kSpace, kSpaceAB}));
  EXPECT_EQ(t.tokenize("a b", false), (Ids{kSpaceA, kSpace, kB}));
  EXPECT_TRUE(t.tokenize("", false).empty());

  Vocabulary v = spm_vocabulary();
  v.add_space_prefix = false;
  const Tokenizer no_prefix = make(std::move(v));
  EXPECT_EQ(no_prefix.tokenize("ab", false), (Ids{kAB}));
  EXPECT_EQ(detok(no_prefix, {kSpaceAB}), " ab");  // no prefix to remove
}

TEST(InferTokenizerSpm, UnknownCharactersFallBackToByteTokens) {
  const Tokenizer t = make(spm_vocabulary());
  // ż is C5 BC; no piece covers it.
  EXPECT_EQ(t.tokenize("\xC5\xBC", false), (Ids{kSpace, byte_token(0xC5), byte_token(0xBC)}));
  EXPECT_EQ(detok(t, {kSpace, byte_token(0xC5), byte_token(0xBC)}), "\xC5\xBC");
  // A tab is not a space: it stays a character of its own.
  EXPECT_EQ(t.tokenize("\ta", false), (Ids{kSpace, byte_token('\t'), kA}));
}

TEST(InferTokenizerSpm, InvalidUtf8PassesThroughAsBytes) {
  const Tokenizer t = make(spm_vocabulary());
  // 0xFF announces a 4-byte character, so "\xFF" "b" is one (unknown) character: both bytes are
  // spelled with byte tokens, and the text comes back unchanged.
  const Ids ids = t.tokenize(
      "a\xFF"
      "b",
      false);
  EXPECT_EQ(ids, (Ids{kSpaceA, byte_token(0xFF), byte_token('b')}));
  EXPECT_EQ(detok(t, ids),
            "a\xFF"
            "b");
}

TEST(InferTokenizerSpm, DetokenizeRemovesTheSpacePrefixAsUpstream) {
  const Tokenizer t = make(spm_vocabulary());
  EXPECT_EQ(detok(t, {kSpaceAB}), "ab");
  EXPECT_EQ(detok(t, {kSpace, kSpaceAB}), " ab");
  // With a BOS first, upstream strips nothing: the BOS piece (empty) takes the removal.
  EXPECT_EQ(detok(t, {1, kSpaceAB}), " ab");
  EXPECT_EQ(detok(t, {1, kSpaceAB}, {.remove_special = true, .unparse_special = false}), " ab");
  EXPECT_EQ(detok(t, {1, kSpaceAB, 2}, {.remove_special = false, .unparse_special = true}),
            "<s> ab</s>");
}

TEST(InferTokenizerSpm, BosAndEos) {
  const Tokenizer t = make(spm_vocabulary());
  EXPECT_EQ(t.special_tokens().bos, 1);
  EXPECT_EQ(t.special_tokens().eos, 2);
  EXPECT_EQ(t.special_tokens().unknown, 0);
  EXPECT_TRUE(t.special_tokens().add_bos);  // SPM default
  EXPECT_FALSE(t.special_tokens().add_eos);
  EXPECT_EQ(t.tokenize("ab", true), (Ids{1, kSpaceAB}));
  EXPECT_EQ(t.tokenize("", true), (Ids{1}));

  Vocabulary v = spm_vocabulary();
  v.add_eos = true;
  v.add_bos = false;
  v.ids.eos = kTag;
  const Tokenizer other = make(std::move(v));
  EXPECT_EQ(other.tokenize("ab", true), (Ids{kSpaceAB, kTag}));
  EXPECT_EQ(other.tokenize("ab", false), (Ids{kSpaceAB}));
}

TEST(InferTokenizerSpm, SpecialTokens) {
  const Tokenizer t = make(spm_vocabulary());
  // A user-defined token is matched even without parse_special; the text after it gets the
  // space prefix again.
  EXPECT_EQ(t.tokenize("a<tag>b", false), (Ids{kSpaceA, kTag, kSpace, kB}));
  // A control token's text is plain text unless parse_special.
  EXPECT_EQ(t.tokenize("<|ctl|>", false, false),
            (Ids{kSpace, byte_token('<'), byte_token('|'), kC, byte_token('t'), byte_token('l'),
                 byte_token('|'), byte_token('>')}));
  EXPECT_EQ(t.tokenize("<|ctl|>", false, true), (Ids{kCtl}));
  EXPECT_EQ(t.tokenize("ab<|ctl|>ab", true, true), (Ids{1, kSpaceAB, kCtl, kSpaceAB}));
  // The BOS text itself, parsed.
  EXPECT_EQ(t.tokenize("<s>ab", false, true), (Ids{1, kSpaceAB}));
  // Pieces: control tokens are empty unless asked for; user-defined ones always show.
  EXPECT_EQ(*t.token_to_piece(kCtl), "");
  EXPECT_EQ(*t.token_to_piece(kCtl, true), "<|ctl|>");
  EXPECT_EQ(*t.token_to_piece(kTag), "<tag>");
  EXPECT_EQ(*t.token_to_piece(kSpaceAB), " ab");
  EXPECT_EQ(*t.token_to_piece(byte_token(0x41)), "A");
  EXPECT_EQ(t.find_token("\xE2\x96\x81"
                         "ab"),
            kSpaceAB);
  EXPECT_EQ(t.find_token("nope"), std::nullopt);
  EXPECT_EQ(*t.token_type(kTag), TokenType::kUserDefined);
  EXPECT_EQ(*t.token_type(byte_token(0)), TokenType::kByte);
  EXPECT_EQ(*t.token_text(kSpace), "\xE2\x96\x81");
}

TEST(InferTokenizerSpm, LongerSpecialTokensWinOverlaps) {
  Vocabulary v = spm_vocabulary();
  v.tokens.push_back("<ab>");  // 275, user-defined
  v.scores.push_back(0);
  v.token_types.push_back(4);
  v.tokens.push_back("b>c");  // 276, user-defined, shorter: loses the overlap at "b>"
  v.scores.push_back(0);
  v.token_types.push_back(4);
  const Tokenizer t = make(std::move(v));
  EXPECT_EQ(t.tokenize("<ab>c", false), (Ids{275, kSpace, kC}));
}

TEST(InferTokenizerSpm, Phi3NamesDropWhiteSpaceAfterSpecialTokens) {
  Vocabulary v = spm_vocabulary();
  v.name = "Phi3 mini";
  const Tokenizer phi = make(std::move(v));
  // The newline after the control token is dropped, and "ab" gets the space prefix.
  EXPECT_EQ(phi.tokenize("<|ctl|>\n ab", false, true), (Ids{kCtl, kSpaceAB}));
  // <s> is exempt.
  EXPECT_EQ(phi.tokenize("<s> ab", false, true), (Ids{1, kSpace, kSpaceAB}));
  // Any other model keeps the white space.
  const Tokenizer plain = make(spm_vocabulary());
  EXPECT_EQ(plain.tokenize("<|ctl|> ab", false, true), (Ids{kCtl, kSpace, kSpaceAB}));
}

// --- A byte-level BPE vocabulary ------------------------------------------------------------
// GPT-2's byte alphabet, from its published definition: printable bytes stand for themselves,
// the other 68 take U+0100 upwards in byte order.
std::string gpt2_char(int byte) {
  int next = 256;
  char32_t cp = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
    const int mapped = printable ? b : next++;
    if (b == byte) cp = static_cast<char32_t>(mapped);
  }
  std::string out;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return out;
}

// Ids 0..255: the byte with that value. Then merged tokens.
constexpr TokenId kHe = 256, kLl = 257, kHell = 258, kHello = 259, kGw = 260, kOr = 261;
constexpr TokenId kGwor = 262, kLd = 263, kGworld = 264, kEnd = 265, kOl = 266, kXyz = 267;
constexpr TokenId kImEnd = 268, kFimPre = 269;

Vocabulary bpe_vocabulary(std::string pre) {
  Vocabulary v;
  v.model = "gpt2";
  v.pre = std::move(pre);
  for (int b = 0; b < 256; ++b) v.tokens.push_back(gpt2_char(b));
  const std::string g = gpt2_char(' ');  // "Ġ"
  for (const std::string& t :
       {std::string("he"), std::string("ll"), std::string("hell"), std::string("hello"), g + "w",
        std::string("or"), g + "wor", std::string("ld"), g + "world", std::string("<|endoftext|>"),
        std::string("ol"), std::string("xyz"), std::string("<|im_end|>"),
        std::string("<fim_prefix>")}) {
    v.tokens.push_back(t);
  }
  v.token_types.assign(v.tokens.size(), 1);
  v.token_types[kEnd] = 3;
  v.token_types[kImEnd] = 4;   // user-defined in the file; detection makes it control
  v.token_types[kFimPre] = 4;  // likewise
  v.merges = {"h e", "l l",      "he ll", "hell o",     g + " w",
              "o r", g + "w or", "l d",   g + "wor ld", "o l"};
  v.ids.bos = kEnd;
  v.ids.eos = kEnd;
  return v;
}

TEST(InferTokenizerBpe, MergesByRank) {
  const Tokenizer t = make(bpe_vocabulary("gpt-2"));
  EXPECT_EQ(t.model(), TokenizerModel::kBpe);
  EXPECT_EQ(t.tokenize("hello world", false), (Ids{kHello, kGworld}));
  // "oll": l l (rank 1) beats the leftmost o l (rank 9), and "o ll" is no merge.
  EXPECT_EQ(t.tokenize("oll", false), (Ids{'o', kLl}));
  // A byte outside ASCII is its own symbol: é is C3 A9.
  EXPECT_EQ(t.tokenize("\xC3\xA9", false), (Ids{0xC3, 0xA9}));
  EXPECT_EQ(detok(t, {kHello, kGworld, 0xC3, 0xA9}), "hello world\xC3\xA9");
  EXPECT_EQ(*t.token_to_piece(kGworld), " world");
}

TEST(InferTokenizerBpe, WordsNeverMergeAcrossPreTokenizerBoundaries) {
  const Tokenizer t = make(bpe_vocabulary("gpt-2"));
  // "he" + "llo" would merge to "hello" in one word; the space makes "he" and " llo" separate.
  EXPECT_EQ(t.tokenize("he llo", false), (Ids{kHe, ' ', kLl, 'o'}));
}

TEST(InferTokenizerBpe, Llama3UsesWholeWordTokensAndAddsBos) {
  const Tokenizer gpt2 = make(bpe_vocabulary("gpt-2"));
  EXPECT_EQ(gpt2.tokenize("xyz", false), (Ids{'x', 'y', 'z'}));  // no merges lead to xyz
  EXPECT_FALSE(gpt2.special_tokens().add_bos);
  EXPECT_EQ(gpt2.tokenize("xyz", true), (Ids{'x', 'y', 'z'}));

  const Tokenizer llama3 = make(bpe_vocabulary("llama-bpe"));
  EXPECT_EQ(llama3.pre_tokenizer(), PreTokenizer::kLlama3);
  EXPECT_EQ(llama3.tokenize("xyz", false), (Ids{kXyz}));  // the word is a token: taken whole
  EXPECT_TRUE(llama3.special_tokens().add_bos);
  EXPECT_EQ(llama3.tokenize("xyz", true), (Ids{kEnd, kXyz}));

  Vocabulary v = bpe_vocabulary("llama-bpe");
  v.add_bos = false;  // the file's flag beats the pre-tokenizer's default
  EXPECT_EQ(make(std::move(v)).tokenize("xyz", true), (Ids{kXyz}));
}

TEST(InferTokenizerBpe, InvalidUtf8BecomesReplacementCharacters) {
  const Tokenizer t = make(bpe_vocabulary("gpt-2"));
  // 0xFF is no UTF-8: it becomes U+FFFD (EF BF BD), as upstream.
  const Ids ids = t.tokenize(
      "a\xFF"
      "b",
      false);
  EXPECT_EQ(ids, (Ids{'a', 0xEF, 0xBF, 0xBD, 'b'}));
  EXPECT_EQ(detok(t, ids),
            "a\xEF\xBF\xBD"
            "b");
  // A truncated sequence at the end: one U+FFFD per byte.
  EXPECT_EQ(t.tokenize("\xE2\x82", false), (Ids{0xEF, 0xBF, 0xBD, 0xEF, 0xBF, 0xBD}));
}

TEST(InferTokenizerBpe, SpecialTokensAndDetectedIds) {
  const Tokenizer t = make(bpe_vocabulary("gpt-2"));
  const std::string end = "<|endoftext|>";
  // A control token is plain text without parse_special: words "<|", "endoftext", "|>", and no
  // merge applies inside them, so each byte is its own token (ids equal the bytes here).
  const Ids plain = t.tokenize(end, false, false);
  EXPECT_EQ(plain, Ids(end.begin(), end.end()));
  EXPECT_EQ(detok(t, plain), end);
  EXPECT_EQ(t.tokenize("hello" + end + "hello", false, true), (Ids{kHello, kEnd, kHello}));
  // <|im_end|> was user-defined in the file, but its text marks an end of turn: it became a
  // control token (so it is plain text without parse_special) and the EOT.
  EXPECT_EQ(t.special_tokens().eot, kImEnd);
  EXPECT_EQ(*t.token_type(kImEnd), TokenType::kControl);
  EXPECT_EQ(t.tokenize("<|im_end|>", false, true), (Ids{kImEnd}));
  EXPECT_NE(t.tokenize("<|im_end|>", false, false), (Ids{kImEnd}));
  EXPECT_EQ(t.special_tokens().fim_pre, kFimPre);
  EXPECT_EQ(t.special_tokens().fim_mid, kNoToken);
  EXPECT_TRUE(t.is_end_of_generation(kEnd));
  EXPECT_TRUE(t.is_end_of_generation(kImEnd));
  EXPECT_FALSE(t.is_end_of_generation(kHello));
  EXPECT_FALSE(t.is_end_of_generation(-5));
  EXPECT_EQ(detok(t, {kHello, kImEnd}), "hello");
  EXPECT_EQ(detok(t, {kHello, kImEnd}, {.remove_special = false, .unparse_special = true}),
            "hello<|im_end|>");
}

TEST(InferTokenizerBpe, MetadataIdsBeatDetection) {
  Vocabulary v = bpe_vocabulary("gpt-2");
  v.ids.eot = kEnd;
  v.ids.fim_pre = kXyz;
  const Tokenizer t = make(std::move(v));
  EXPECT_EQ(t.special_tokens().eot, kEnd);
  EXPECT_EQ(t.special_tokens().fim_pre, kXyz);
  // <fim_prefix> was not detected, so it stays user-defined: matched even without parse_special.
  EXPECT_EQ(*t.token_type(kFimPre), TokenType::kUserDefined);
  EXPECT_EQ(t.tokenize("<fim_prefix>", false, false), (Ids{kFimPre}));
}

TEST(InferTokenizerBpe, EndOfGenerationMarkersAndUpstreamWorkarounds) {
  // Behaviour observed in llama.cpp (node-llama-cpp 3.21.1) with vocabularies holding these texts
  // as normal tokens.
  const auto with = [](std::vector<std::string> extra) {
    Vocabulary v = bpe_vocabulary("gpt-2");
    for (std::string& text : extra) {
      v.tokens.push_back(std::move(text));
      v.token_types.push_back(1);
    }
    return make(std::move(v));
  };
  constexpr TokenId kFirst = 270;  // the first extra token
  {
    // </s> ends generation and becomes a control token.
    const Tokenizer t = with({"</s>"});
    EXPECT_TRUE(t.is_end_of_generation(kFirst));
    EXPECT_EQ(*t.token_type(kFirst), TokenType::kControl);
    EXPECT_EQ(*t.token_to_piece(kFirst), "");
  }
  {
    // ... unless <|tool_response>, also an end marker, is there (Gemma 4 uses </s> as text).
    const Tokenizer t = with({"</s>", "<|tool_response>"});
    EXPECT_FALSE(t.is_end_of_generation(kFirst));
    EXPECT_EQ(*t.token_type(kFirst), TokenType::kNormal);
    EXPECT_TRUE(t.is_end_of_generation(kFirst + 1));
  }
  {
    // Harmony markup: with <|return|> and <|call|>, <|end|> separates messages instead.
    const Tokenizer t = with({"<|end|>", "<|return|>", "<|call|>", "<|channel|>"});
    EXPECT_FALSE(t.is_end_of_generation(kFirst));
    EXPECT_EQ(*t.token_type(kFirst), TokenType::kUserDefined);
    EXPECT_TRUE(t.is_end_of_generation(kFirst + 1));
    EXPECT_TRUE(t.is_end_of_generation(kFirst + 2));
    EXPECT_EQ(*t.token_type(kFirst + 3), TokenType::kUserDefined);  // always shown and matched
    EXPECT_EQ(t.tokenize("<|channel|>", false, false), (Ids{kFirst + 3}));
  }
  {
    // Without them <|end|> is an end marker.
    const Tokenizer t = with({"<|end|>"});
    EXPECT_TRUE(t.is_end_of_generation(kFirst));
    EXPECT_EQ(*t.token_type(kFirst), TokenType::kControl);
  }
}

// --- Invalid ids ----------------------------------------------------------------------------

TEST(InferTokenizer, InvalidIdsAreErrors) {
  const Tokenizer t = make(spm_vocabulary());
  for (TokenId id : {-1, t.vocab_size(), 1 << 30}) {
    auto piece = t.token_to_piece(id);
    ASSERT_FALSE(piece.ok());
    EXPECT_EQ(piece.error().code(), core::Code::kInvalidArgument);
    EXPECT_FALSE(t.token_text(id).ok());
    EXPECT_FALSE(t.token_type(id).ok());
  }
  const Ids ids = {kSpaceAB, 99999};
  auto text = t.detokenize(ids);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().where(), "token 1 of 2");
  EXPECT_EQ(text.error().message(),
            "token id 99999 is outside the vocabulary (valid ids are 0 to 274)");
}

// --- Inconsistent vocabularies --------------------------------------------------------------

void expect_error(Vocabulary v, const std::string& key, const std::string& message_part) {
  auto t = Tokenizer::create(std::move(v));
  ASSERT_FALSE(t.ok()) << "expected an error naming " << key;
  EXPECT_EQ(t.error().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(t.error().where(), key);
  EXPECT_NE(t.error().message().find(message_part), std::string::npos) << t.error().message();
}

TEST(InferTokenizer, InconsistentVocabulariesNameTheKey) {
  {
    Vocabulary v = spm_vocabulary();
    v.model = "bert";
    expect_error(std::move(v), "tokenizer.ggml.model", "unsupported tokenizer model \"bert\"");
  }
  {
    Vocabulary v = spm_vocabulary();
    v.scores.pop_back();
    expect_error(std::move(v), "tokenizer.ggml.scores", "274 scores for 275 tokens");
  }
  {
    Vocabulary v = spm_vocabulary();
    v.token_types.push_back(1);
    expect_error(std::move(v), "tokenizer.ggml.token_type", "276 token types for 275 tokens");
  }
  {
    Vocabulary v = spm_vocabulary();
    v.token_types[7] = 9;
    expect_error(std::move(v), "tokenizer.ggml.token_type", "token 7 has type 9");
  }
  {
    Vocabulary v = spm_vocabulary();
    v.tokens.clear();
    v.scores.clear();
    v.token_types.clear();
    expect_error(std::move(v), "tokenizer.ggml.tokens", "no tokens");
  }
  {
    Vocabulary v = spm_vocabulary();
    v.ids.bos = 275;
    expect_error(std::move(v), "tokenizer.ggml.bos_token_id", "token id 275 is outside");
  }
  {
    Vocabulary v = spm_vocabulary();
    v.ids.fim_mid = -2;
    expect_error(std::move(v), "tokenizer.ggml.fim_mid_token_id", "token id -2 is outside");
  }
  {
    Vocabulary v;  // one token: the SPM default BOS (1) does not exist, yet add_bos is on
    v.model = "llama";
    v.tokens = {"<unk>"};
    expect_error(std::move(v), "tokenizer.ggml.add_bos_token", "has none");
  }
  {
    Vocabulary v = bpe_vocabulary("tekken");
    expect_error(std::move(v), "tokenizer.ggml.pre", "unsupported pre-tokenizer \"tekken\"");
  }
  {
    Vocabulary v = bpe_vocabulary("gpt-2");
    v.merges.push_back("hq");
    expect_error(std::move(v), "tokenizer.ggml.merges",
                 "merge 10 is not two tokens separated by a space");
  }
  {
    Vocabulary v = bpe_vocabulary("gpt-2");
    v.merges.push_back("h q\xC3\xA9");
    expect_error(std::move(v), "tokenizer.ggml.merges",
                 "merge 10 names \"q\xC3\xA9\", which is not a token");
  }
  {
    // Text from the file is quoted and escaped in messages.
    Vocabulary v = bpe_vocabulary("gpt-2");
    v.merges.push_back("h \x01\n");
    expect_error(std::move(v), "tokenizer.ggml.merges", "merge 10 names \"\\x01\\n\"");
  }
  {
    Vocabulary v = bpe_vocabulary("gpt-2");
    v.merges.clear();
    expect_error(std::move(v), "tokenizer.ggml.merges", "needs its merges");
  }
}

TEST(InferTokenizer, BpeWithoutPreTokenizerNameUsesDefault) {
  Vocabulary v = bpe_vocabulary("");
  const Tokenizer t = make(std::move(v));
  EXPECT_EQ(t.pre_tokenizer(), PreTokenizer::kDefault);
}

TEST(InferTokenizer, CopiesShareOneImmutableVocabulary) {
  const Tokenizer a = make(spm_vocabulary());
  const Tokenizer b = a;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(b.tokenize("ab", false), a.tokenize("ab", false));
  EXPECT_EQ(b.token_to_piece(kSpaceAB)->data(), a.token_to_piece(kSpaceAB)->data());
}

// --- GGUF loading ---------------------------------------------------------------------------

core::Result<gguf::File> gguf_of(const gguf::Writer& writer) {
  auto bytes = writer.serialize();
  if (!bytes) return std::move(bytes).error();
  std::vector<std::byte> data(bytes->size());
  std::memcpy(data.data(), bytes->data(), bytes->size());
  return gguf::File::from_bytes(std::move(data), "test.gguf");
}

TEST(InferTokenizerGguf, LoadsEveryKeyAndOwnsItsStrings) {
  const Vocabulary v = spm_vocabulary();
  gguf::Writer w;
  w.set_string("tokenizer.ggml.model", "llama");
  w.set_string("general.name", "phi-3 test");
  w.set_array("tokenizer.ggml.tokens", std::span<const std::string>(v.tokens));
  w.set_array("tokenizer.ggml.scores", std::span<const float>(v.scores));
  w.set_array("tokenizer.ggml.token_type", std::span<const int32_t>(v.token_types));
  w.set_uint32("tokenizer.ggml.eos_token_id", kTag);
  w.set_uint32("tokenizer.ggml.fim_pre_token_id", kX);
  w.set_uint32("tokenizer.ggml.prefix_token_id", kY);  // the older key wins, as upstream
  w.set_bool("tokenizer.ggml.add_eos_token", true);
  w.set_bool("tokenizer.ggml.add_space_prefix", false);
  std::optional<Tokenizer> t;
  {
    auto file = gguf_of(w);
    ASSERT_TRUE(file.ok()) << file.error().to_string();
    auto loaded = Tokenizer::from_gguf(*file);
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    t.emplace(std::move(*loaded));
  }  // the file is gone; the tokenizer must not point into it
  EXPECT_EQ(t->vocab_size(), 275);
  EXPECT_EQ(t->special_tokens().eos, kTag);
  EXPECT_EQ(t->special_tokens().fim_pre, kY);
  EXPECT_EQ(t->tokenize("ab", true), (Ids{1, kAB, kTag}));  // no space prefix; BOS and EOS
  EXPECT_EQ(*t->token_text(kSpaceAB),
            "\xE2\x96\x81"
            "ab");
  EXPECT_EQ(t->tokenize("<|ctl|>\n ab", false, true), (Ids{kCtl, kAB}));  // the Phi-3 rule
}

TEST(InferTokenizerGguf, MissingOrMistypedKeysAreErrors) {
  {
    gguf::Writer w;
    w.set_string("general.name", "no tokenizer");
    auto file = gguf_of(w);
    ASSERT_TRUE(file.ok());
    auto t = Tokenizer::from_gguf(*file);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().where(), "tokenizer.ggml.model");
  }
  {
    gguf::Writer w;
    w.set_string("tokenizer.ggml.model", "llama");
    const std::vector<int32_t> not_strings = {1, 2, 3};
    w.set_array("tokenizer.ggml.tokens", std::span<const int32_t>(not_strings));
    auto file = gguf_of(w);
    ASSERT_TRUE(file.ok());
    auto t = Tokenizer::from_gguf(*file);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().where(), "tokenizer.ggml.tokens");
    EXPECT_NE(t.error().message().find("test.gguf"), std::string::npos) << t.error().message();
  }
  {
    gguf::Writer w;
    w.set_string("tokenizer.ggml.model", "llama");
    const std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
    w.set_array("tokenizer.ggml.tokens", std::span<const std::string>(tokens));
    w.set_string("tokenizer.ggml.bos_token_id", "1");
    auto file = gguf_of(w);
    ASSERT_TRUE(file.ok());
    auto t = Tokenizer::from_gguf(*file);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().where(), "tokenizer.ggml.bos_token_id");
  }
}

}  // namespace
}  // namespace ward::infer::tokenizer
