#include "infer/chat/chat.h"

#include <fmt/format.h>

namespace ward::infer::chat {
namespace {

using core::Code;
using core::Error;

Error invalid(std::string where, std::string message) {
  return Error(Code::kInvalidArgument, std::move(where), std::move(message));
}

}  // namespace

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kSystem:
      return "system";
    case Role::kUser:
      return "user";
    case Role::kAssistant:
      return "assistant";
  }
  return "user";
}

core::Result<Role> parse_role(std::string_view name) {
  for (Role role : {Role::kSystem, Role::kUser, Role::kAssistant}) {
    if (role_name(role) == name) return role;
  }
  return invalid("role", fmt::format("unknown role \"{}\"; use system, user or assistant", name));
}

std::string_view layout_name(Layout layout) {
  switch (layout) {
    case Layout::kChatMl:
      return "chatml";
    case Layout::kLlama3:
      return "llama3";
    case Layout::kLlama2:
      return "llama2";
    case Layout::kDeepSeekCoder:
      return "deepseek-coder";
    case Layout::kPlain:
      return "plain";
  }
  return "plain";
}

Layout detect_layout(const gguf::File& file, const tokenizer::Tokenizer& tokenizer) {
  if (const gguf::Value* value = file.find("tokenizer.chat_template")) {
    if (auto text = value->as_string()) {
      // The markers each family's Jinja template writes, checked most specific first.
      if (text->find("<|start_header_id|>") != std::string_view::npos) return Layout::kLlama3;
      if (text->find("<|im_start|>") != std::string_view::npos) return Layout::kChatMl;
      if (text->find("### Instruction") != std::string_view::npos) return Layout::kDeepSeekCoder;
      if (text->find("[INST]") != std::string_view::npos) return Layout::kLlama2;
    }
  }
  if (tokenizer.find_token("<|im_start|>") && tokenizer.find_token("<|im_end|>")) {
    return Layout::kChatMl;
  }
  return Layout::kPlain;
}

core::Result<PromptBuilder> PromptBuilder::create(const tokenizer::Tokenizer& tokenizer,
                                                  Layout layout) {
  PromptBuilder builder(tokenizer, layout);
  std::vector<std::string_view> needed;
  switch (layout) {
    case Layout::kChatMl:
      needed = {"<|im_start|>", "<|im_end|>"};
      break;
    case Layout::kLlama3:
      needed = {"<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"};
      break;
    case Layout::kDeepSeekCoder:
      needed = {"<|EOT|>"};
      builder.stop_strings_ = {"\n### Instruction:"};
      break;
    case Layout::kLlama2:
      if (tokenizer.special_tokens().eos == tokenizer::kNoToken) {
        return invalid("chat template",
                       "the llama2 layout needs an EOS token; the vocabulary "
                       "has none");
      }
      break;
    case Layout::kPlain:
      builder.stop_strings_ = {"\nUser:", "\nSystem:"};
      break;
  }
  for (std::string_view text : needed) {
    if (auto id = builder.special(text); !id) return id.error();
  }
  return builder;
}

core::Result<TokenId> PromptBuilder::special(std::string_view text) const {
  if (auto id = tokenizer_.find_token(text)) return *id;
  return invalid("chat template", fmt::format("the {} layout needs the token {} and the "
                                              "vocabulary has no such token",
                                              layout_name(layout_), text));
}

core::Result<std::vector<PromptBuilder::Piece>> PromptBuilder::pieces(
    std::span<const Message> messages) const {
  std::vector<Piece> out;
  auto text = [&](std::string value) { out.push_back({std::move(value), tokenizer::kNoToken}); };
  auto token = [&](std::string_view marker) -> core::Status {
    auto id = special(marker);
    if (!id) return id.error();
    out.push_back({{}, *id});
    return core::ok_status();
  };
  const tokenizer::SpecialTokens& ids = tokenizer_.special_tokens();
  switch (layout_) {
    case Layout::kChatMl:
      for (const Message& m : messages) {
        (void)token("<|im_start|>");
        text(std::string(role_name(m.role)) + "\n" + m.content);
        (void)token("<|im_end|>");
        text("\n");
      }
      (void)token("<|im_start|>");
      text("assistant\n");
      break;
    case Layout::kLlama3:
      for (const Message& m : messages) {
        (void)token("<|start_header_id|>");
        text(std::string(role_name(m.role)));
        (void)token("<|end_header_id|>");
        text("\n\n" + m.content);
        (void)token("<|eot_id|>");
      }
      (void)token("<|start_header_id|>");
      text("assistant");
      (void)token("<|end_header_id|>");
      text("\n\n");
      break;
    case Layout::kLlama2: {
      // The system message goes inside the first [INST], as Meta's reference code puts it.
      std::string system;
      bool first_turn = true;
      for (const Message& m : messages) {
        if (m.role == Role::kSystem) {
          system += m.content;
        } else if (m.role == Role::kUser) {
          if (!first_turn && ids.bos != tokenizer::kNoToken) out.push_back({{}, ids.bos});
          const std::string sys = system.empty() ? "" : "<<SYS>>\n" + system + "\n<</SYS>>\n\n";
          text("[INST] " + sys + m.content + " [/INST]");
          system.clear();
          first_turn = false;
        } else {
          text(" " + m.content + " ");
          out.push_back({{}, ids.eos});
        }
      }
      break;
    }
    case Layout::kDeepSeekCoder:
      for (const Message& m : messages) {
        if (m.role == Role::kSystem) {
          text(m.content + "\n");
        } else if (m.role == Role::kUser) {
          text("### Instruction:\n" + m.content + "\n");
        } else {
          text("### Response:\n" + m.content + "\n");
          (void)token("<|EOT|>");
          text("\n");
        }
      }
      text("### Response:\n");
      break;
    case Layout::kPlain:
      for (const Message& m : messages) {
        const char* speaker = m.role == Role::kSystem ? "System"
                              : m.role == Role::kUser ? "User"
                                                      : "Assistant";
        text(fmt::format("{}: {}\n\n", speaker, m.content));
      }
      text("Assistant:");
      break;
  }
  return out;
}

core::Result<std::vector<TokenId>> PromptBuilder::build(std::span<const Message> messages) const {
  if (messages.empty()) return invalid("messages", "a conversation needs at least one message");
  if (messages.back().role == Role::kAssistant) {
    return invalid("messages", "the last message is the assistant's; end with a user message");
  }
  auto parts = pieces(messages);
  if (!parts) return parts.error();
  std::vector<TokenId> ids;
  const tokenizer::SpecialTokens& special_ids = tokenizer_.special_tokens();
  if (special_ids.add_bos && special_ids.bos != tokenizer::kNoToken) ids.push_back(special_ids.bos);
  // Adjacent text pieces are tokenized together, as llama.cpp tokenizes the text between two
  // special tokens of the rendered template as one fragment.
  std::string pending;
  auto flush = [&] {
    if (pending.empty()) return;
    const auto tokens =
        tokenizer_.tokenize(pending, /*add_special=*/false, /*parse_special=*/false);
    ids.insert(ids.end(), tokens.begin(), tokens.end());
    pending.clear();
  };
  for (const Piece& piece : *parts) {
    if (piece.token == tokenizer::kNoToken) {
      pending += piece.text;
    } else {
      flush();
      ids.push_back(piece.token);
    }
  }
  flush();
  return ids;
}

}  // namespace ward::infer::chat
