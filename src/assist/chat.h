#pragma once
// Chat about code: a conversation with a model backend, in one of four modes that set the
// assistant's instructions (explaining code, generating code, architecture guidance,
// troubleshooting), with the user's files and selection as context.
//
// Context: stored history (the newest turns that fit in half the model's context) goes before the
// request's messages. Files and the selection go into the system message, each in a fenced block
// under its path, selection first. They are cut to fit the model's context (leaving room for the
// answer): whole files from the last, then the selection's end; the answer's `context_files_used`
// says how many files made it.
//
// Threads: a ChatService is stateless; chat() may run on many threads.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/backend.h"
#include "core/error.h"
#include "infer/chat/chat.h"
#include "infer/fim/fim.h"

namespace ward::assist {

enum class ChatMode { kGeneral, kExplain, kGenerate, kArchitecture, kTroubleshoot };

// "general", "explain", "generate", "architecture", "troubleshoot".
std::string_view chat_mode_name(ChatMode mode);
core::Result<ChatMode> parse_chat_mode(std::string_view name);

struct ChatRequest {
  std::vector<infer::chat::Message> messages{};  // the conversation, ending with the user's turn
  // Earlier turns kept by the server, before `messages`; the oldest are left out when they do
  // not fit in half of the model's context.
  std::vector<infer::chat::Message> history{};
  ChatMode mode = ChatMode::kGeneral;
  std::vector<infer::fim::RelatedFile> files{};  // context files, most relevant first
  std::string selection{};                       // the code the user selected (optional)
  std::string selection_path{};
  int32_t max_tokens = 512;
  float temperature = 0.0f;  // 0: greedy
  uint64_t seed = 0;
};

struct ChatResult {
  std::string text{};
  std::string finish{};
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  size_t context_files_used = 0;
  size_t history_messages_used = 0;
};

// Receives the answer as it is generated; false stops the generation (the client went away).
using ChatSink = std::function<bool(std::string_view delta)>;

class ChatService {
 public:
  // Fails (kInvalidArgument, naming the field) for a request out of range.
  static core::Status validate(const ChatRequest& request);

  core::Result<ChatResult> chat(backend::Backend& backend, const ChatRequest& request,
                                const ChatSink& on_delta, std::atomic<bool>& stop) const;
};

}  // namespace ward::assist
