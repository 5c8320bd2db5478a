#include "infer/tokenizer/tokenizer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "infer/gguf/gguf.h"
#include "infer/gguf/text.h"
#include "infer/tokenizer/tokenizer_data.h"
#include "infer/tokenizer/unicode.h"

namespace ward::infer::tokenizer {

namespace {

using Data = Tokenizer::Data;

core::Error invalid(std::string where, std::string message) {
  return core::Error(core::Code::kInvalidArgument, std::move(where), std::move(message));
}

uint16_t attr_of_type(int32_t type) {
  switch (static_cast<TokenType>(type)) {
    case TokenType::kNormal:
      return kAttrNormal;
    case TokenType::kUnknown:
      return kAttrUnknown;
    case TokenType::kControl:
      return kAttrControl;
    case TokenType::kUserDefined:
      return kAttrUserDefined;
    case TokenType::kUnused:
      return kAttrUnused;
    case TokenType::kByte:
      return kAttrByte;
    case TokenType::kUndefined:
      break;
  }
  return kAttrUndefined;
}

// Texts by which upstream (llama.cpp as node-llama-cpp 3.21.1 ships it) recognises special
// tokens whose ids the metadata does not give, in the order Ward prefers them when a vocabulary
// has several (upstream's choice then depends on hash order). Checked against that build with
// vocabularies holding each text.
constexpr std::string_view kEotTexts[] = {"<|eot_id|>",
                                          "<|im_end|>",
                                          "<|end|>",
                                          "<end_of_turn>",
                                          "<|endoftext|>",
                                          "<|end_of_text|>",
                                          "<EOT>",
                                          "_<EOT>",
                                          "<｜end▁of▁sentence｜>",
                                          "<end_of_utterance>",
                                          "[EOT]"};
constexpr std::string_view kEomTexts[] = {"<|eom_id|>"};
constexpr std::string_view kFimPreTexts[] = {"<|fim_prefix|>",  "<fim-prefix>", "<fim_prefix>",
                                             "<｜fim▁begin｜>", "<PRE>",        "▁<PRE>",
                                             "<|code_prefix|>", "<|prefix|>"};
constexpr std::string_view kFimSufTexts[] = {"<|fim_suffix|>",  "<fim-suffix>", "<fim_suffix>",
                                             "<｜fim▁hole｜>",  "<SUF>",        "▁<SUF>",
                                             "<|code_suffix|>", "<|suffix|>"};
constexpr std::string_view kFimMidTexts[] = {"<|fim_middle|>",  "<fim-middle>", "<fim_middle>",
                                             "<｜fim▁end｜>",   "<MID>",        "▁<MID>",
                                             "<|code_middle|>", "<|middle|>"};
constexpr std::string_view kFimPadTexts[] = {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>",
                                             "[PAD]"};
constexpr std::string_view kFimRepTexts[] = {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>",
                                             "<REPO>", "<reponame>"};
constexpr std::string_view kFimSepTexts[] = {"<|file_sep|>"};
// Tokens that end generation whatever the metadata says; each becomes a control token.
constexpr std::string_view kEndOfGenerationTexts[] = {"<|eot_id|>",
                                                      "<|im_end|>",
                                                      "<|end|>",
                                                      "<|return|>",
                                                      "<|call|>",
                                                      "<|flush|>",
                                                      "<|calls|>",
                                                      "<end_of_turn>",
                                                      "<|endoftext|>",
                                                      "</s>",
                                                      "<|eom_id|>",
                                                      "<EOT>",
                                                      "_<EOT>",
                                                      "[EOT]",
                                                      "[EOS]",
                                                      "<|end_of_text|>",
                                                      "<end_of_utterance>",
                                                      "<eos>",
                                                      "<turn|>",
                                                      "<|tool_response>"};
// Tokens upstream always renders and matches as user-defined (gpt-oss's harmony markup).
constexpr std::string_view kUserDefinedTexts[] = {"<|channel|>", "<|message|>", "<|start|>",
                                                  "<|constrain|>"};

// "<0x0A>" -> 0x0A; -1 when the text is not a byte token's.
int parse_byte_token(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
  int value = 0;
  for (char c : text.substr(3, 2)) {
    value <<= 4;
    if (c >= '0' && c <= '9') {
      value |= c - '0';
    } else if (c >= 'A' && c <= 'F') {
      value |= c - 'A' + 10;
    } else if (c >= 'a' && c <= 'f') {
      value |= c - 'a' + 10;
    } else {
      return -1;
    }
  }
  return value;
}

// SPM's "▁" back to spaces.
std::string unescape_spaces(std::string_view text) {
  static constexpr std::string_view kMarker = "\xE2\x96\x81";
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t hit = text.find(kMarker, pos);
    if (hit == text.npos) {
      out.append(text.substr(pos));
      break;
    }
    out.append(text.substr(pos, hit - pos));
    out.push_back(' ');
    pos = hit + kMarker.size();
  }
  return out;
}

// A byte-level token's text back to its bytes. A code point outside GPT-2's alphabet (a token
// some converter added as raw text) is kept as its UTF-8.
std::string decode_byte_level(std::string_view text) {
  std::vector<char32_t> cps;
  decode_utf8(text, cps);
  std::string out;
  out.reserve(cps.size());
  for (char32_t cp : cps) {
    if (int byte = byte_of_unicode(cp); byte >= 0) {
      out.push_back(static_cast<char>(byte));
    } else {
      append_utf8(cp, out);
    }
  }
  return out;
}

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// A slice of the input: raw text [begin, end), or a special token matched in it.
struct Fragment {
  TokenId token = kNoToken;
  size_t begin = 0;
  size_t end = 0;
};

// Cuts `text` at every occurrence of each special token, longest token first, as upstream does
// (so a longer token wins over a shorter one that overlaps it, wherever each starts).
std::vector<Fragment> partition(const Data& d, std::string_view text, bool parse_special) {
  std::vector<Fragment> fragments;
  if (text.empty()) return fragments;
  fragments.push_back({kNoToken, 0, text.size()});
  std::vector<Fragment> next;
  for (TokenId id : d.specials_by_length) {
    const uint16_t attr = d.attrs[id];
    if (!parse_special && (attr & (kAttrControl | kAttrUnknown))) continue;
    const std::string_view needle = d.texts[id];
    next.clear();
    bool found = false;
    for (const Fragment& f : fragments) {
      if (f.token != kNoToken) {
        next.push_back(f);
        continue;
      }
      size_t begin = f.begin;
      while (begin < f.end) {
        const size_t hit = text.substr(0, f.end).find(needle, begin);
        if (hit == std::string_view::npos) break;
        found = true;
        size_t left_end = hit;
        if (attr & kAttrLstrip) {
          while (left_end > begin && is_ascii_space(text[left_end - 1])) --left_end;
        }
        if (left_end > begin) next.push_back({kNoToken, begin, left_end});
        next.push_back({id, 0, 0});
        begin = hit + needle.size();
        if (attr & kAttrRstrip) {
          while (begin < f.end && is_ascii_space(text[begin])) ++begin;
        }
      }
      if (begin < f.end) next.push_back({kNoToken, begin, f.end});
    }
    if (found) fragments.swap(next);
  }
  return fragments;
}

core::Status check_id(std::string_view key, const std::optional<int64_t>& value, int32_t size,
                      TokenId& out) {
  if (!value) return core::ok_status();
  if (*value < 0 || *value >= size) {
    return invalid(std::string(key), "token id " + std::to_string(*value) +
                                         " is outside the vocabulary of " + std::to_string(size) +
                                         " tokens");
  }
  out = static_cast<TokenId>(*value);
  return core::ok_status();
}

// Builds the lookup tables; every error names the key at fault.
core::Result<std::shared_ptr<Data>> build(Vocabulary v) {
  auto d = std::make_shared<Data>();
  if (v.model == "llama") {
    d->model = TokenizerModel::kSpm;
  } else if (v.model == "gpt2") {
    d->model = TokenizerModel::kBpe;
  } else {
    return invalid("tokenizer.ggml.model",
                   "unsupported tokenizer model " + gguf::quote_for_message(v.model) +
                       "; Ward supports \"llama\" (SentencePiece) and \"gpt2\" (byte-level BPE)");
  }
  if (v.tokens.empty()) return invalid("tokenizer.ggml.tokens", "the vocabulary has no tokens");
  if (v.tokens.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return invalid("tokenizer.ggml.tokens", "the vocabulary has more tokens than ids can hold");
  }
  const auto n = static_cast<int32_t>(v.tokens.size());
  if (!v.scores.empty() && v.scores.size() != v.tokens.size()) {
    return invalid("tokenizer.ggml.scores", "there are " + std::to_string(v.scores.size()) +
                                                " scores for " + std::to_string(n) + " tokens");
  }
  if (!v.token_types.empty() && v.token_types.size() != v.tokens.size()) {
    return invalid("tokenizer.ggml.token_type",
                   "there are " + std::to_string(v.token_types.size()) + " token types for " +
                       std::to_string(n) + " tokens");
  }

  if (d->model == TokenizerModel::kBpe) {
    const std::string pre = v.pre.empty() ? "default" : v.pre;
    auto profile = pre_tokenizer_named(pre);
    if (!profile) {
      return invalid("tokenizer.ggml.pre",
                     "unsupported pre-tokenizer " + gguf::quote_for_message(pre) +
                         "; Ward knows default, llama3, llama-bpe, qwen2, deepseek-coder, "
                         "starcoder, refact, gpt-2, falcon and their aliases");
    }
    d->pre = *profile;
  }

  // Tokens. An empty text is renamed as upstream does, so that it cannot match everywhere.
  d->texts = std::move(v.tokens);
  for (int32_t id = 0; id < n; ++id) {
    if (d->texts[id].empty()) d->texts[id] = "[EMPTY_" + std::to_string(id) + "]";
  }
  d->scores = v.scores.empty() ? std::vector<float>(n, 0.0f) : std::move(v.scores);
  for (int32_t id = 0; id < n; ++id) {
    if (std::isnan(d->scores[id])) {
      return invalid("tokenizer.ggml.scores",
                     "the score of token " + std::to_string(id) + " is not a number");
    }
  }
  d->attrs.assign(n, kAttrNormal);
  for (size_t id = 0; id < v.token_types.size(); ++id) {
    const int32_t type = v.token_types[id];
    if (type < 0 || type > 6) {
      return invalid("tokenizer.ggml.token_type",
                     "token " + std::to_string(id) + " has type " + std::to_string(type) +
                         ", which is not a token type (0 undefined, 1 normal, 2 unknown, "
                         "3 control, 4 user-defined, 5 unused, 6 byte)");
    }
    d->attrs[id] = attr_of_type(type);
  }
  d->by_text.build(d->texts);  // a later duplicate wins

  // Merges (BPE).
  if (d->model == TokenizerModel::kBpe) {
    if (v.merges.empty()) {
      return invalid("tokenizer.ggml.merges", "a byte-level BPE vocabulary needs its merges");
    }
    if (v.merges.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      return invalid("tokenizer.ggml.merges", "there are more merges than ranks can hold");
    }
    d->merges.reserve(v.merges.size());
    std::string joined;
    for (size_t rank = 0; rank < v.merges.size(); ++rank) {
      const std::string_view merge = v.merges[rank];
      const size_t space = merge.size() > 1 ? merge.find(' ', 1) : std::string_view::npos;
      if (space == std::string_view::npos) {
        return invalid("tokenizer.ggml.merges",
                       "merge " + std::to_string(rank) + " is not two tokens separated by a space");
      }
      const std::string_view left = merge.substr(0, space);
      const std::string_view right = merge.substr(space + 1);
      const TokenId a = d->find(left);
      const TokenId b = d->find(right);
      if (a == kNoToken || b == kNoToken) {
        return invalid("tokenizer.ggml.merges",
                       "merge " + std::to_string(rank) + " names " +
                           gguf::quote_for_message(a == kNoToken ? left : right) +
                           ", which is not a token of the vocabulary");
      }
      joined.assign(left);
      joined.append(right);
      d->merges.insert(a, b, {static_cast<int32_t>(rank), d->find(joined)});
    }
    for (int b = 0; b < 256; ++b) d->byte_tokens[b] = d->find(byte_to_unicode(b));
  }

  // Special tokens: the model's defaults, then the metadata.
  SpecialTokens& s = d->special;
  const auto fallback = [n](TokenId id) { return id < n ? id : kNoToken; };
  if (d->model == TokenizerModel::kSpm) {
    s.bos = fallback(1);
    s.eos = fallback(2);
    s.unknown = 0;
    s.add_bos = true;
    s.add_eos = false;
    s.add_space_prefix = true;
  } else {
    s.bos = fallback(11);
    s.eos = fallback(11);
    s.add_bos = d->pre.add_bos;
    s.add_eos = false;
    s.add_space_prefix = false;
  }
  const SpecialTokenIds& ids = v.ids;
  const std::pair<const char*, std::pair<const std::optional<int64_t>*, TokenId*>> id_keys[] = {
      {"tokenizer.ggml.bos_token_id", {&ids.bos, &s.bos}},
      {"tokenizer.ggml.eos_token_id", {&ids.eos, &s.eos}},
      {"tokenizer.ggml.unknown_token_id", {&ids.unknown, &s.unknown}},
      {"tokenizer.ggml.seperator_token_id", {&ids.sep, &s.sep}},
      {"tokenizer.ggml.padding_token_id", {&ids.pad, &s.pad}},
      {"tokenizer.ggml.mask_token_id", {&ids.mask, &s.mask}},
      {"tokenizer.ggml.eot_token_id", {&ids.eot, &s.eot}},
      {"tokenizer.ggml.eom_token_id", {&ids.eom, &s.eom}},
      {"tokenizer.ggml.fim_pre_token_id", {&ids.fim_pre, &s.fim_pre}},
      {"tokenizer.ggml.fim_suf_token_id", {&ids.fim_suf, &s.fim_suf}},
      {"tokenizer.ggml.fim_mid_token_id", {&ids.fim_mid, &s.fim_mid}},
      {"tokenizer.ggml.fim_pad_token_id", {&ids.fim_pad, &s.fim_pad}},
      {"tokenizer.ggml.fim_rep_token_id", {&ids.fim_rep, &s.fim_rep}},
      {"tokenizer.ggml.fim_sep_token_id", {&ids.fim_sep, &s.fim_sep}},
  };
  for (const auto& [key, slot] : id_keys) {
    if (auto st = check_id(key, *slot.first, n, *slot.second); !st) return std::move(st).error();
  }
  if (v.add_bos) s.add_bos = *v.add_bos;
  if (v.add_eos) s.add_eos = *v.add_eos;
  if (v.add_space_prefix) s.add_space_prefix = *v.add_space_prefix;
  if (s.add_bos && s.bos == kNoToken) {
    return invalid("tokenizer.ggml.add_bos_token",
                   "the vocabulary asks for a BOS token but has none (set "
                   "tokenizer.ggml.bos_token_id)");
  }
  if (s.add_eos && s.eos == kNoToken) {
    return invalid("tokenizer.ggml.add_eos_token",
                   "the vocabulary asks for an EOS token but has none (set "
                   "tokenizer.ggml.eos_token_id)");
  }

  // Tokens the metadata does not name, found by their text; they become control tokens (keeping
  // their other attributes, as upstream).
  const auto detect = [&](TokenId& slot, std::span<const std::string_view> texts) {
    if (slot != kNoToken) return;
    for (std::string_view text : texts) {
      if (TokenId id = d->find(text); id != kNoToken) {
        slot = id;
        d->attrs[id] |= kAttrControl;
        return;
      }
    }
  };
  detect(s.eot, kEotTexts);
  detect(s.eom, kEomTexts);
  detect(s.fim_pre, kFimPreTexts);
  detect(s.fim_suf, kFimSufTexts);
  detect(s.fim_mid, kFimMidTexts);
  detect(s.fim_pad, kFimPadTexts);
  detect(s.fim_rep, kFimRepTexts);
  detect(s.fim_sep, kFimSepTexts);

  // End of generation, in upstream's order: FIM fillers, the known end markers (made control),
  // the harmony markup made user-defined, then EOS/EOT/EOM; last the two upstream workarounds.
  std::vector<bool>& eog = d->end_of_generation;
  eog.assign(n, false);
  for (TokenId id : {s.fim_pad, s.fim_rep, s.fim_sep}) {
    if (id != kNoToken) eog[id] = true;
  }
  for (std::string_view text : kEndOfGenerationTexts) {
    if (TokenId id = d->find(text); id != kNoToken) {
      eog[id] = true;
      d->attrs[id] |= kAttrControl;
    }
  }
  for (std::string_view text : kUserDefinedTexts) {
    if (TokenId id = d->find(text); id != kNoToken) d->attrs[id] = kAttrUserDefined;
  }
  for (TokenId id : {s.eos, s.eot, s.eom}) {
    if (id != kNoToken) eog[id] = true;
  }
  const auto eog_token = [&](std::string_view text) {
    const TokenId id = d->find(text);
    return id != kNoToken && eog[id] ? id : kNoToken;
  };
  // Harmony-style vocabularies (gpt-oss, Solar Open) use <|end|> between messages, not to stop.
  const TokenId end = eog_token("<|end|>");
  const bool call = eog_token("<|call|>") != kNoToken || eog_token("<|calls|>") != kNoToken;
  if (end != kNoToken && call &&
      (eog_token("<|return|>") != kNoToken || eog_token("<|flush|>") != kNoToken)) {
    eog[end] = false;
    d->attrs[end] = kAttrUserDefined;
  }
  // Gemma 4 uses </s> as text.
  if (const TokenId close = eog_token("</s>");
      close != kNoToken && eog_token("<|tool_response>") != kNoToken) {
    eog[close] = false;
    d->attrs[close] = kAttrNormal;
  }

  for (TokenId id = 0; id < n; ++id) {
    if (d->attrs[id] & (kAttrControl | kAttrUserDefined | kAttrUnknown)) {
      d->specials_by_length.push_back(id);
    }
  }
  std::stable_sort(d->specials_by_length.begin(), d->specials_by_length.end(),
                   [&](TokenId a, TokenId b) { return d->texts[a].size() > d->texts[b].size(); });

  // Phi-3's converted vocabularies drop the white space that follows a special token; upstream
  // keys this on the model's name, as nothing in the vocabulary says so.
  std::string lower_name = v.name;
  for (char& c : lower_name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower_name.find("phi-3") != std::string::npos ||
      lower_name.find("phi3") != std::string::npos) {
    const auto set_rstrip = [&](TokenId id, bool on) {
      if (id == kNoToken) return;
      d->attrs[id] = on ? (d->attrs[id] | kAttrRstrip) : (d->attrs[id] & ~kAttrRstrip);
    };
    for (TokenId id : d->specials_by_length) set_rstrip(id, true);
    set_rstrip(d->find("</s>"), true);
    for (std::string_view text : {"<unk>", "<s>", "<|endoftext|>"}) {
      set_rstrip(d->find(text), false);
    }
  }

  // Renderings.
  d->pieces.resize(n);
  for (TokenId id = 0; id < n; ++id) {
    const uint16_t attr = d->attrs[id];
    const std::string& text = d->texts[id];
    if (d->model == TokenizerModel::kSpm) {
      if (attr & kAttrNormal) {
        d->pieces[id] = unescape_spaces(text);
      } else if (attr & kAttrByte) {
        const int byte = parse_byte_token(text);
        d->pieces[id] = byte >= 0 ? std::string(1, static_cast<char>(byte)) : text;
      }
    } else if (attr & kAttrNormal) {
      d->pieces[id] = decode_byte_level(text);
    }
  }

  // SPM byte fallback: <0xXX>, else the byte as a one-character token, else the unknown token.
  if (d->model == TokenizerModel::kSpm) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) {
      const std::string name = {'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>'};
      TokenId id = d->find(name);
      if (id == kNoToken) id = d->find(std::string(1, static_cast<char>(b)));
      if (id == kNoToken) id = s.unknown;
      d->byte_fallback[b] = id;
    }
    std::array<bool, 256> in_longer_token{};
    for (const std::string& text : d->texts) {
      if (text.size() < 2) continue;
      for (unsigned char c : text) in_longer_token[c] = true;
    }
    for (int b = 0; b < 128; ++b) d->spm_barrier[b] = !in_longer_token[b];
  }
  return d;
}

core::Error bad_id(TokenId id, int32_t size, std::string where) {
  return invalid(std::move(where), "token id " + std::to_string(id) +
                                       " is outside the vocabulary (valid ids are 0 to " +
                                       std::to_string(size - 1) + ")");
}

}  // namespace

core::Result<Tokenizer> Tokenizer::create(Vocabulary vocabulary) {
  auto data = build(std::move(vocabulary));
  if (!data) return std::move(data).error();
  return Tokenizer(std::move(*data));
}

core::Result<Tokenizer> Tokenizer::from_gguf(const gguf::File& file) {
  auto vocabulary = read_vocabulary(file);
  if (!vocabulary)
    return std::move(vocabulary).error().with_context("model file " + file.path().string() + ": ");
  auto tokenizer = create(std::move(*vocabulary));
  if (!tokenizer) {
    return std::move(tokenizer).error().with_context("model file " + file.path().string() + ": ");
  }
  return tokenizer;
}

std::vector<TokenId> Tokenizer::tokenize(std::string_view text, bool add_special,
                                         bool parse_special) const {
  const Data& d = *data_;
  const SpecialTokens& s = d.special;
  // Even with every byte a space turned into a 3-byte "▁", positions then fit 31 bits.
  text = text.substr(0, kMaxTextBytes);
  std::vector<TokenId> out;
  out.reserve(text.size() / 3 + 2);
  if (add_special && s.add_bos) out.push_back(s.bos);
  const std::vector<Fragment> fragments = partition(d, text, parse_special);

  if (d.model == TokenizerModel::kSpm) {
    // The space prefix goes before the first fragment and before each fragment that follows a
    // special token, as SentencePiece saw each such fragment as a text of its own.
    bool after_special = true;
    std::string escaped;
    for (const Fragment& f : fragments) {
      if (f.token != kNoToken) {
        out.push_back(f.token);
        after_special = true;
        continue;
      }
      escaped.clear();
      if (s.add_space_prefix && after_special) escaped += "\xE2\x96\x81";
      for (char c : text.substr(f.begin, f.end - f.begin)) {
        if (c == ' ') {
          escaped += "\xE2\x96\x81";
        } else {
          escaped.push_back(c);
        }
      }
      tokenize_spm(d, escaped, out);
      after_special = false;
    }
  } else {
    BpeSession session(d);
    for (const Fragment& f : fragments) {
      if (f.token != kNoToken) {
        out.push_back(f.token);
      } else {
        session.tokenize(text.substr(f.begin, f.end - f.begin), out);
      }
    }
  }

  if (add_special && s.add_eos) out.push_back(s.eos);
  return out;
}

core::Result<std::string_view> Tokenizer::token_to_piece(TokenId id, bool special) const {
  const Data& d = *data_;
  if (!d.valid(id)) return bad_id(id, vocab_size(), "token " + std::to_string(id));
  const uint16_t attr = d.attrs[id];
  if (attr & (kAttrControl | kAttrUnknown)) {
    return special ? std::string_view(d.texts[id]) : std::string_view();
  }
  if (attr & kAttrUserDefined) return std::string_view(d.texts[id]);
  return std::string_view(d.pieces[id]);
}

core::Result<std::string> Tokenizer::detokenize(std::span<const TokenId> ids,
                                                DetokenizeOptions options) const {
  const Data& d = *data_;
  const SpecialTokens& s = d.special;
  size_t first = 0;
  size_t last = ids.size();
  bool remove_space = s.add_space_prefix;
  if (options.remove_special && s.add_bos && last > first && ids[first] == s.bos) {
    remove_space = false;  // upstream keeps the space when it drops a BOS
    ++first;
  }
  if (options.remove_special && s.add_eos && last > first && ids[last - 1] == s.eos) --last;

  std::string out;
  for (size_t i = first; i < last; ++i) {
    if (!d.valid(ids[i])) {
      return bad_id(ids[i], vocab_size(),
                    "token " + std::to_string(i) + " of " + std::to_string(ids.size()));
    }
    auto piece = token_to_piece(ids[i], options.unparse_special);
    if (!piece) return std::move(piece).error();
    std::string_view text = *piece;
    if (remove_space && !text.empty() && text.front() == ' ') text.remove_prefix(1);
    remove_space = false;
    out.append(text);
  }
  return out;
}

int32_t Tokenizer::vocab_size() const {
  return static_cast<int32_t>(data_->texts.size());
}

TokenizerModel Tokenizer::model() const {
  return data_->model;
}

PreTokenizer Tokenizer::pre_tokenizer() const {
  return data_->pre.kind;
}

const SpecialTokens& Tokenizer::special_tokens() const {
  return data_->special;
}

std::optional<TokenId> Tokenizer::find_token(std::string_view text) const {
  const TokenId id = data_->find(text);
  if (id == kNoToken) return std::nullopt;
  return id;
}

core::Result<std::string_view> Tokenizer::token_text(TokenId id) const {
  if (!data_->valid(id)) return bad_id(id, vocab_size(), "token " + std::to_string(id));
  return std::string_view(data_->texts[id]);
}

core::Result<TokenType> Tokenizer::token_type(TokenId id) const {
  if (!data_->valid(id)) return bad_id(id, vocab_size(), "token " + std::to_string(id));
  const uint16_t attr = data_->attrs[id];
  if (attr & kAttrControl) return TokenType::kControl;
  if (attr & kAttrUserDefined) return TokenType::kUserDefined;
  if (attr & kAttrUnknown) return TokenType::kUnknown;
  if (attr & kAttrByte) return TokenType::kByte;
  if (attr & kAttrUnused) return TokenType::kUnused;
  if (attr & kAttrNormal) return TokenType::kNormal;
  return TokenType::kUndefined;
}

bool Tokenizer::is_end_of_generation(TokenId id) const {
  return data_->valid(id) && data_->end_of_generation[id];
}

}  // namespace ward::infer::tokenizer
