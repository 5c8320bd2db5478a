#include "assist/chat.h"

#include <fmt/format.h>

namespace ward::assist {
namespace {

using core::Code;
using core::Error;
using infer::chat::Message;
using infer::chat::Role;

constexpr int32_t kMaxTokens = 4096;
// Bytes of context per token of the model's window, for fitting files before tokenizing: code
// averages three to four bytes a token; two leaves room for the conversation itself.
constexpr int64_t kContextBytesPerToken = 2;

Error invalid(std::string field, std::string message) {
  return Error(Code::kInvalidArgument, std::move(field), std::move(message));
}

std::string_view instructions(ChatMode mode) {
  switch (mode) {
    case ChatMode::kExplain:
      return "You are Ward, a coding assistant. Explain the code the user asks about: what it "
             "does, how, and anything surprising in it. Be precise and brief.";
    case ChatMode::kGenerate:
      return "You are Ward, a coding assistant. Write the code the user asks for, in the "
             "language and style of their files, in one fenced code block, followed by a short "
             "note on anything they must know.";
    case ChatMode::kArchitecture:
      return "You are Ward, a coding assistant. Give architecture guidance: the options, their "
             "trade-offs and a recommendation, grounded in the user's code where given.";
    case ChatMode::kTroubleshoot:
      return "You are Ward, a coding assistant. Find the cause of the problem the user "
             "describes: reason from the error and the code, name the most likely cause, and "
             "give the fix.";
    case ChatMode::kGeneral:
      break;
  }
  return "You are Ward, a coding assistant. Answer questions about code clearly and briefly.";
}

std::string fenced(std::string_view content) {
  return fmt::format("\n```\n{}\n```", content);
}

// The system message: the mode's instructions, then the selection and the files that fit in
// `budget` bytes.
std::string system_message(const ChatRequest& request, int64_t budget, size_t& files_used) {
  std::string text(instructions(request.mode));
  if (!request.selection.empty()) {
    const auto room = static_cast<size_t>(std::max<int64_t>(budget, 0));
    const std::string_view selection =
        std::string_view(request.selection).substr(0, std::min(request.selection.size(), room));
    text += fmt::format("\n\nThe user selected this code in {}:{}",
                        request.selection_path.empty() ? "their editor" : request.selection_path,
                        fenced(selection));
    budget -= static_cast<int64_t>(selection.size());
  }
  files_used = 0;
  for (const auto& file : request.files) {
    const std::string block = "\n\n" + file.path + ":" + fenced(file.content);
    if (static_cast<int64_t>(block.size()) > budget) break;
    if (files_used == 0) text += "\n\nFiles from the user's workspace:";
    text += block;
    budget -= static_cast<int64_t>(block.size());
    ++files_used;
  }
  return text;
}

}  // namespace

std::string_view chat_mode_name(ChatMode mode) {
  switch (mode) {
    case ChatMode::kGeneral:
      return "general";
    case ChatMode::kExplain:
      return "explain";
    case ChatMode::kGenerate:
      return "generate";
    case ChatMode::kArchitecture:
      return "architecture";
    case ChatMode::kTroubleshoot:
      return "troubleshoot";
  }
  return "general";
}

core::Result<ChatMode> parse_chat_mode(std::string_view name) {
  for (ChatMode mode : {ChatMode::kGeneral, ChatMode::kExplain, ChatMode::kGenerate,
                        ChatMode::kArchitecture, ChatMode::kTroubleshoot}) {
    if (chat_mode_name(mode) == name) return mode;
  }
  return invalid("mode", fmt::format("unknown mode \"{}\"; use general, explain, generate, "
                                     "architecture or troubleshoot",
                                     name));
}

core::Status ChatService::validate(const ChatRequest& request) {
  if (request.messages.empty()) return invalid("messages", "give at least one message");
  if (request.messages.back().role != Role::kUser) {
    return invalid("messages", "the last message must be the user's");
  }
  if (request.max_tokens < 1 || request.max_tokens > kMaxTokens) {
    return invalid("max_tokens",
                   fmt::format("must be between 1 and {}, got {}", kMaxTokens, request.max_tokens));
  }
  if (!(request.temperature >= 0.0f && request.temperature <= 2.0f)) {
    return invalid("temperature",
                   fmt::format("must be between 0 and 2, got {}", request.temperature));
  }
  return core::ok_status();
}

core::Result<ChatResult> ChatService::chat(backend::Backend& backend, const ChatRequest& request,
                                           const ChatSink& on_delta,
                                           std::atomic<bool>& stop) const {
  if (auto status = validate(request); !status) return status.error();
  ChatResult result;
  int64_t budget = (backend.info().context_length - request.max_tokens) * kContextBytesPerToken;
  // The newest stored turns that fit in half the budget; the oldest go first.
  size_t first_kept = request.history.size();
  for (int64_t history_budget = budget / 2; first_kept > 0; --first_kept) {
    const auto size = static_cast<int64_t>(request.history[first_kept - 1].content.size());
    if (size > history_budget) break;
    history_budget -= size;
    budget -= size;
  }
  result.history_messages_used = request.history.size() - first_kept;
  backend::ChatPrompt prompt;
  // The client's own system messages follow Ward's, so the organisation's instructions lead.
  prompt.messages.push_back(
      {Role::kSystem, system_message(request, budget, result.context_files_used)});
  prompt.messages.insert(prompt.messages.end(), request.history.begin() + first_kept,
                         request.history.end());
  for (const Message& m : request.messages) prompt.messages.push_back(m);
  backend::GenerationRequest generation;
  generation.prompt = std::move(prompt);
  generation.max_tokens = request.max_tokens;
  if (request.temperature > 0.0f) {
    generation.sampler = infer::sampling::SamplerOptions{};
    generation.sampler.temperature = request.temperature;
    generation.sampler.seed = request.seed;
  }
  auto sink = [&](std::string_view piece) {
    if (on_delta && !stop.load() && !on_delta(piece)) stop = true;
  };
  auto answer = backend.generate(generation, sink, stop);
  if (!answer) return answer.error();
  result.text = std::move(answer->text);
  result.finish = std::string(backend::finish_reason_name(answer->finish));
  result.prompt_tokens = answer->prompt_tokens;
  result.completion_tokens = answer->completion_tokens;
  return result;
}

}  // namespace ward::assist
