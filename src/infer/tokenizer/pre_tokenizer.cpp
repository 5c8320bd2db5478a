#include "infer/tokenizer/pre_tokenizer.h"

#include <utility>

#include "infer/tokenizer/unicode.h"

namespace ward::infer::tokenizer {

namespace {

// The text being split, with each code point's flags looked up once.
class Text {
 public:
  explicit Text(std::span<const char32_t> cps) : cps_(cps) {
    flags_.reserve(cps.size());
    for (char32_t cp : cps) flags_.push_back(char_flags(cp));
  }

  char32_t at(uint32_t i) const { return cps_[i]; }
  bool letter(uint32_t i) const { return flags_class(flags_[i]) == CharClass::kLetter; }
  bool number(uint32_t i) const { return flags_class(flags_[i]) == CharClass::kNumber; }
  bool punctuation(uint32_t i) const { return flags_class(flags_[i]) == CharClass::kPunctuation; }
  bool space(uint32_t i) const { return flags_whitespace(flags_[i]); }
  // [^\s\p{L}\p{N}]
  bool other(uint32_t i) const { return !space(i) && !letter(i) && !number(i); }
  bool newline(uint32_t i) const { return cps_[i] == '\r' || cps_[i] == '\n'; }

 private:
  std::span<const char32_t> cps_;
  std::vector<uint8_t> flags_;
};

using Words = std::vector<WordSpan>;

// Emits consecutive words of one piece: each call ends the current word at `end`.
class Emitter {
 public:
  Emitter(uint32_t begin, Words& out) : pos_(begin), out_(out) {}
  uint32_t pos() const { return pos_; }
  void to(uint32_t end) {
    out_.push_back({pos_, end});
    pos_ = end;
  }

 private:
  uint32_t pos_;
  Words& out_;
};

char32_t ascii_lower(char32_t c) {
  return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

// The length of a contraction ('s 't 're 've 'm 'll 'd) starting at `pos`, or 0. Upper case
// letters count only when `any_case` (Llama 3's (?i:...)).
uint32_t contraction_length(const Text& t, uint32_t pos, uint32_t end, bool any_case) {
  if (t.at(pos) != '\'' || pos + 1 >= end) return 0;
  const auto fold = [&](char32_t c) { return any_case ? ascii_lower(c) : c; };
  const char32_t a = fold(t.at(pos + 1));
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (pos + 2 >= end) return 0;
  const char32_t b = fold(t.at(pos + 2));
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

// The white-space tail shared by GPT-2's and Llama 3's rules at a white-space code point:
// \s+(?!\S) takes a run but leaves its last code point to the word that follows (unless the piece
// ends there); \s+ takes a lone white-space code point.
void whitespace_run(const Text& t, uint32_t end, Emitter& emit) {
  uint32_t k = emit.pos();
  while (k < end && t.space(k)) ++k;
  const uint32_t run = k - emit.pos();
  if (run > 1 && k < end) {
    emit.to(k - 1);
  } else if (run > 0) {
    emit.to(k);
  } else {
    emit.to(emit.pos() + 1);  // not reached: every code point is white space, L, N or other
  }
}

// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
void split_gpt2(const Text& t, uint32_t begin, uint32_t end, Words& out) {
  Emitter emit(begin, out);
  while (emit.pos() < end) {
    const uint32_t pos = emit.pos();
    if (uint32_t n = contraction_length(t, pos, end, false)) {
      emit.to(pos + n);
      continue;
    }
    // The optional leading space belongs to the word only when a word follows it.
    uint32_t p = (t.at(pos) == ' ' && pos + 1 < end) ? pos + 1 : pos;
    if (t.letter(p)) {
      while (p < end && t.letter(p)) ++p;
      emit.to(p);
      continue;
    }
    if (t.number(p)) {
      while (p < end && t.number(p)) ++p;
      emit.to(p);
      continue;
    }
    if (t.other(p)) {
      while (p < end && t.other(p)) ++p;
      emit.to(p);
      continue;
    }
    whitespace_run(t, end, emit);
  }
}

// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,max_digits}|
// ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
void split_llama3(const Text& t, uint32_t begin, uint32_t end, uint32_t max_digits, Words& out) {
  Emitter emit(begin, out);
  while (emit.pos() < end) {
    const uint32_t pos = emit.pos();
    if (uint32_t n = contraction_length(t, pos, end, true)) {
      emit.to(pos + n);
      continue;
    }
    // One code point that is not \r, \n, a letter or a digit may lead a run of letters.
    if (!t.newline(pos) && !t.number(pos) &&
        (t.letter(pos) || (pos + 1 < end && t.letter(pos + 1)))) {
      uint32_t p = pos + 1;
      while (p < end && t.letter(p)) ++p;
      emit.to(p);
      continue;
    }
    if (t.number(pos)) {
      uint32_t p = pos;
      while (p < end && t.number(p) && p - pos < max_digits) ++p;
      emit.to(p);
      continue;
    }
    uint32_t p = t.at(pos) == ' ' ? pos + 1 : pos;
    if (p < end && t.other(p)) {
      while (p < end && t.other(p)) ++p;
      while (p < end && t.newline(p)) ++p;
      emit.to(p);
      continue;
    }
    // \s*[\r\n]+ : a white-space run that holds a line break ends after its last one.
    uint32_t k = pos;
    uint32_t after_last_newline = 0;
    while (k < end && t.space(k)) {
      if (t.newline(k)) after_last_newline = k + 1;
      ++k;
    }
    if (after_last_newline != 0) {
      emit.to(after_last_newline);
      continue;
    }
    whitespace_run(t, end, emit);
  }
}

// X+ : maximal runs of code points for which `in_class` holds, and the runs between them.
template <typename Predicate>
void split_runs(uint32_t begin, uint32_t end, Words& out, Predicate in_class) {
  uint32_t pos = begin;
  while (pos < end) {
    const bool inside = in_class(pos);
    uint32_t p = pos + 1;
    while (p < end && in_class(p) == inside) ++p;
    out.push_back({pos, p});
    pos = p;
  }
}

// X : each code point for which `in_class` holds alone, and the runs between them.
template <typename Predicate>
void split_each(uint32_t begin, uint32_t end, Words& out, Predicate in_class) {
  uint32_t gap = begin;
  for (uint32_t pos = begin; pos < end; ++pos) {
    if (!in_class(pos)) continue;
    if (gap < pos) out.push_back({gap, pos});
    out.push_back({pos, pos + 1});
    gap = pos + 1;
  }
  if (gap < end) out.push_back({gap, end});
}

// \s?X+ searched left to right: a match starts at the first position holding X, or holding white
// space followed by X; what lies between matches is a word too.
template <typename Predicate>
void split_space_then_run(const Text& t, uint32_t begin, uint32_t end, Words& out,
                          Predicate in_class) {
  uint32_t gap = begin;
  uint32_t pos = begin;
  while (pos < end) {
    uint32_t p = pos;
    if (t.space(pos) && pos + 1 < end && in_class(pos + 1)) {
      p = pos + 1;
    } else if (!in_class(pos)) {
      ++pos;
      continue;
    }
    while (p < end && in_class(p)) ++p;
    if (gap < pos) out.push_back({gap, pos});
    out.push_back({pos, p});
    pos = p;
    gap = p;
  }
  if (gap < end) out.push_back({gap, end});
}

// [0-9][0-9][0-9] searched left to right.
void split_ascii_digit_triples(const Text& t, uint32_t begin, uint32_t end, Words& out) {
  const auto digit = [&](uint32_t i) { return t.at(i) >= '0' && t.at(i) <= '9'; };
  uint32_t gap = begin;
  uint32_t pos = begin;
  while (pos < end) {
    if (pos + 3 <= end && digit(pos) && digit(pos + 1) && digit(pos + 2)) {
      if (gap < pos) out.push_back({gap, pos});
      out.push_back({pos, pos + 3});
      pos += 3;
      gap = pos;
    } else {
      ++pos;
    }
  }
  if (gap < end) out.push_back({gap, end});
}

bool is_one_of(char32_t c, std::u32string_view set) {
  return set.find(c) != set.npos;
}

// Runs one stage over every current word.
template <typename Stage>
void apply(Words& words, Words& scratch, Stage stage) {
  scratch.clear();
  for (const WordSpan& w : words) stage(w.begin, w.end, scratch);
  words.swap(scratch);
}

}  // namespace

std::optional<PreTokenizerProfile> pre_tokenizer_named(std::string_view name) {
  struct Entry {
    std::string_view name;
    PreTokenizerProfile profile;
  };
  using P = PreTokenizer;
  static constexpr Entry kEntries[] = {
      {"default", {P::kDefault, false, false}},
      {"llama3", {P::kLlama3, true, true}},
      {"llama-v3", {P::kLlama3, true, true}},
      {"llama-bpe", {P::kLlama3, true, true}},
      {"falcon3", {P::kLlama3, true, true}},
      {"pixtral", {P::kLlama3, true, true}},
      {"dbrx", {P::kLlama3, false, false}},
      {"smaug-bpe", {P::kLlama3, false, false}},
      {"qwen2", {P::kQwen2, false, false}},
      {"deepseek-r1-qwen", {P::kQwen2, false, false}},
      {"megrez", {P::kQwen2, false, false}},
      {"stablelm2", {P::kQwen2, false, false}},
      {"deepseek-coder", {P::kDeepseekCoder, false, false}},
      {"starcoder", {P::kStarcoder, false, false}},
      {"refact", {P::kStarcoder, false, false}},
      {"smollm", {P::kStarcoder, false, false}},
      {"codeshell", {P::kStarcoder, false, false}},
      {"command-r", {P::kStarcoder, false, false}},
      {"exaone", {P::kStarcoder, false, false}},
      {"minerva-7b", {P::kStarcoder, false, false}},
      {"falcon", {P::kFalcon, false, false}},
      {"gpt-2", {P::kGpt2, false, false}},
      {"phi-2", {P::kGpt2, false, false}},
      {"mpt", {P::kGpt2, false, false}},
      {"olmo", {P::kGpt2, false, false}},
      {"jais", {P::kGpt2, false, false}},
      {"exaone4", {P::kGpt2, false, false}},
  };
  for (const Entry& e : kEntries) {
    if (e.name == name) return e.profile;
  }
  return std::nullopt;
}

std::string_view pre_tokenizer_name(PreTokenizer kind) {
  switch (kind) {
    case PreTokenizer::kDefault:
      return "default";
    case PreTokenizer::kGpt2:
      return "gpt-2";
    case PreTokenizer::kLlama3:
      return "llama3";
    case PreTokenizer::kQwen2:
      return "qwen2";
    case PreTokenizer::kDeepseekCoder:
      return "deepseek-coder";
    case PreTokenizer::kStarcoder:
      return "starcoder";
    case PreTokenizer::kFalcon:
      return "falcon";
  }
  return "unknown";
}

void split_words(PreTokenizer kind, std::span<const char32_t> text, std::vector<WordSpan>& out) {
  if (text.empty()) return;
  const Text t(text);
  Words words{{0, static_cast<uint32_t>(text.size())}};
  Words scratch;

  const auto gpt2 = [&](uint32_t b, uint32_t e, Words& o) { split_gpt2(t, b, e, o); };
  const auto digits = [&](uint32_t b, uint32_t e, Words& o) {
    split_runs(b, e, o, [&](uint32_t i) { return t.number(i); });
  };
  const auto single_digits = [&](uint32_t b, uint32_t e, Words& o) {
    split_each(b, e, o, [&](uint32_t i) { return t.number(i); });
  };
  const auto triples = [&](uint32_t b, uint32_t e, Words& o) {
    split_ascii_digit_triples(t, b, e, o);
  };
  // [\p{P}...]+ with the ASCII symbols each pattern adds to the punctuation class.
  const auto punctuation_runs = [&](std::u32string_view extra) {
    return [&t, extra](uint32_t b, uint32_t e, Words& o) {
      split_runs(b, e, o,
                 [&](uint32_t i) { return t.punctuation(i) || is_one_of(t.at(i), extra); });
    };
  };

  switch (kind) {
    case PreTokenizer::kDefault:
      apply(words, scratch, punctuation_runs(U"$+<=>^~|"));
      apply(words, scratch, gpt2);
      apply(words, scratch, digits);
      apply(words, scratch, triples);
      break;
    case PreTokenizer::kGpt2:
      apply(words, scratch, gpt2);
      break;
    case PreTokenizer::kLlama3:
    case PreTokenizer::kQwen2: {
      const uint32_t max_digits = kind == PreTokenizer::kLlama3 ? 3 : 1;
      apply(words, scratch,
            [&](uint32_t b, uint32_t e, Words& o) { split_llama3(t, b, e, max_digits, o); });
      break;
    }
    case PreTokenizer::kDeepseekCoder:
      apply(words, scratch, [&](uint32_t b, uint32_t e, Words& o) {
        split_each(b, e, o, [&](uint32_t i) { return t.newline(i); });
      });
      apply(words, scratch, [&](uint32_t b, uint32_t e, Words& o) {
        split_space_then_run(t, b, e, o, [&](uint32_t i) { return t.letter(i); });
      });
      apply(words, scratch, [&](uint32_t b, uint32_t e, Words& o) {
        split_space_then_run(t, b, e, o, [&](uint32_t i) { return t.punctuation(i); });
      });
      // Upstream matches this class on the code points themselves, but with every non-ASCII
      // white-space code point replaced by U+000B first, so U+3000 and friends never match.
      apply(words, scratch, [&](uint32_t b, uint32_t e, Words& o) {
        split_runs(b, e, o, [&](uint32_t i) {
          const char32_t c = t.at(i);
          return ((c >= 0x0800 && c <= 0x9FA5) || (c >= 0xAC00 && c <= 0xD7FF)) && !t.space(i);
        });
      });
      apply(words, scratch, single_digits);
      break;
    case PreTokenizer::kStarcoder:
      apply(words, scratch, single_digits);
      apply(words, scratch, gpt2);
      break;
    case PreTokenizer::kFalcon:
      apply(words, scratch, punctuation_runs(U"$+<=>^~|`"));
      apply(words, scratch, gpt2);
      apply(words, scratch, triples);
      break;
  }
  out.insert(out.end(), words.begin(), words.end());
}

std::vector<std::string> split_words(PreTokenizer kind, std::string_view text) {
  std::vector<char32_t> cps;
  decode_utf8(text, cps);
  std::vector<WordSpan> spans;
  split_words(kind, cps, spans);
  std::vector<std::string> words;
  words.reserve(spans.size());
  for (const WordSpan& span : spans) {
    std::string word;
    for (uint32_t i = span.begin; i < span.end; ++i) append_utf8(cps[i], word);
    words.push_back(std::move(word));
  }
  return words;
}

}  // namespace ward::infer::tokenizer
