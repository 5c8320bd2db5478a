#pragma once
// Chat prompts: a conversation (system, user and assistant messages) as the token sequence an
// instruction-tuned model was trained on, ending with the header of the assistant's turn. Five
// layouts, each a fact of its model family:
//
//  - ChatML (Qwen2.5, many others): <|im_start|>ROLE\nCONTENT<|im_end|>\n ...
//  <|im_start|>assistant\n
//  - Llama 3: BOS <|start_header_id|>ROLE<|end_header_id|>\n\nCONTENT<|eot_id|> ...
//    <|start_header_id|>assistant<|end_header_id|>\n\n
//  - Llama 2 / CodeLlama-Instruct / Mistral: BOS [INST] <<SYS>>\nSYSTEM\n<</SYS>>\n\nUSER [/INST]
//    ASSISTANT EOS BOS [INST] USER [/INST]   (the markers are plain text in these vocabularies)
//  - DeepSeek-Coder-Instruct: BOS SYSTEM\n### Instruction:\nUSER\n###
//  Response:\nASSISTANT\n<|EOT|>\n
//    ... ### Response:\n
//  - plain, for a model without chat training: "System: ...\n\nUser: ...\n\nAssistant:", which
//    stops at "\nUser:".
// The layout is detected from the GGUF's tokenizer.chat_template (by the markers it uses, as
// llama.cpp does) or, without one, from the vocabulary's special tokens.
//
// Safety: markers that are special tokens are inserted as ids; message content is tokenized with
// special-token parsing off, so a user who types "<|im_end|>" cannot end their turn or forge a
// system message. Otherwise the ids are those llama.cpp gets from the rendered template text.
//
// Threads: a PromptBuilder is immutable after create(); build() may run on many threads.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "infer/gguf/gguf.h"
#include "infer/tokenizer/tokenizer.h"

namespace ward::infer::chat {

using tokenizer::TokenId;

enum class Role { kSystem, kUser, kAssistant };

// "system", "user", "assistant"; parse_role fails (kInvalidArgument) for anything else.
std::string_view role_name(Role role);
core::Result<Role> parse_role(std::string_view name);

struct Message {
  Role role = Role::kUser;
  std::string content;
};

enum class Layout { kChatMl, kLlama3, kLlama2, kDeepSeekCoder, kPlain };

// "chatml", "llama3", "llama2", "deepseek-coder", "plain".
std::string_view layout_name(Layout layout);

// The layout for a model: from tokenizer.chat_template when the file has one, else ChatML when
// the vocabulary has <|im_start|> and <|im_end|>, else plain.
Layout detect_layout(const gguf::File& file, const tokenizer::Tokenizer& tokenizer);

class PromptBuilder {
 public:
  // Fails (kInvalidArgument, where = "chat template") when the vocabulary lacks a special token
  // the layout needs, naming it.
  static core::Result<PromptBuilder> create(const tokenizer::Tokenizer& tokenizer, Layout layout);

  Layout layout() const { return layout_; }

  // The conversation's ids, ending with the assistant's turn header. Fails (kInvalidArgument,
  // where = "messages") for an empty conversation or one whose last message is the assistant's.
  core::Result<std::vector<TokenId>> build(std::span<const Message> messages) const;

  // Text that ends the assistant's turn where the layout has no end-of-generation token for it
  // (empty for the layouts whose end marker the vocabulary already treats as end of generation).
  const std::vector<std::string>& stop_strings() const { return stop_strings_; }

 private:
  // A piece of the prompt: text (tokenized without special-token parsing), or one token id.
  struct Piece {
    std::string text;
    TokenId token = tokenizer::kNoToken;
  };

  PromptBuilder(tokenizer::Tokenizer tokenizer, Layout layout)
      : tokenizer_(std::move(tokenizer)), layout_(layout) {}
  core::Result<TokenId> special(std::string_view text) const;
  core::Result<std::vector<Piece>> pieces(std::span<const Message> messages) const;

  tokenizer::Tokenizer tokenizer_;
  Layout layout_;
  std::vector<std::string> stop_strings_;
};

}  // namespace ward::infer::chat
