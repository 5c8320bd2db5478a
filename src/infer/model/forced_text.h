#pragma once
// Token healing's constraint on the first generated tokens (GenerateOptions::forced_prefix): each
// token's text must agree with what is left of the forced text, being a prefix of it or beginning
// with it. Forced text that ends in spaces is the indentation an editor put before the cursor:
// the suggestion starts after it, so no token may indent further, also just after it.
//
// A value type: a beam search copies it into each hypothesis.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "infer/tokenizer/tokenizer.h"

namespace ward::infer::model {

class ForcedText {
 public:
  explicit ForcedText(std::string text);

  bool active() const { return !rest_.empty() || indentation_; }

  // A copy of `logits` in which only the tokens allowed next keep their value. Tokens with no
  // text (control, unused) are never allowed.
  std::vector<float> mask(std::span<const float> logits,
                          const tokenizer::Tokenizer& vocabulary) const;

  // The part of a generated token's text after the forced text, which it consumes.
  std::string_view consume(std::string_view piece);

 private:
  bool allows(std::string_view piece) const;

  std::string rest_;
  bool indentation_;  // the forced text ends in indentation not yet followed by other text
};

}  // namespace ward::infer::model
