#include "infer/model/forced_text.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace ward::infer::model {
namespace {

bool is_space_or_tab(char c) {
  return c == ' ' || c == '\t';
}

}  // namespace

ForcedText::ForcedText(std::string text)
    : rest_(std::move(text)), indentation_(!rest_.empty() && is_space_or_tab(rest_.back())) {}

std::vector<float> ForcedText::mask(std::span<const float> logits,
                                    const tokenizer::Tokenizer& vocabulary) const {
  std::vector<float> masked(logits.size(), -std::numeric_limits<float>::infinity());
  for (size_t id = 0; id < logits.size(); ++id) {
    auto piece = vocabulary.token_to_piece(static_cast<tokenizer::TokenId>(id));
    if (piece && !piece->empty() && allows(*piece)) masked[id] = logits[id];
  }
  return masked;
}

std::string_view ForcedText::consume(std::string_view piece) {
  const size_t consumed = std::min(piece.size(), rest_.size());
  rest_.erase(0, consumed);
  if (consumed < piece.size()) indentation_ = false;  // text followed the indentation
  return piece.substr(consumed);
}

bool ForcedText::allows(std::string_view piece) const {
  if (!rest_.empty() && std::string_view(rest_).starts_with(piece)) return true;
  if (!piece.starts_with(rest_)) return false;
  return !(indentation_ && piece.size() > rest_.size() && is_space_or_tab(piece[rest_.size()]));
}

}  // namespace ward::infer::model
