// ChatService against a backend double that records the conversation it is given: the mode's
// instructions and the context lead, files that do not fit the model's window are left out, and
// requests are checked field by field.

#include "assist/chat.h"

#include <gtest/gtest.h>

namespace ward::assist {
namespace {

using infer::chat::Message;
using infer::chat::Role;

class RecordingBackend final : public backend::Backend {
 public:
  explicit RecordingBackend(int32_t context) {
    info_ = {.name = "recorder", .kind = "test", .region = "local", .context_length = context};
  }
  const backend::ModelInfo& info() const override { return info_; }
  core::Result<backend::Generation> generate(const backend::GenerationRequest& request,
                                             const backend::TextSink& sink,
                                             std::atomic<bool>&) override {
    seen = std::get<backend::ChatPrompt>(request.prompt).messages;
    if (sink) sink("answer");
    return backend::Generation{.text = "answer", .prompt_tokens = 10, .completion_tokens = 1};
  }
  std::vector<Message> seen;

 private:
  backend::ModelInfo info_;
};

TEST(AssistChat, TheSystemMessageCarriesTheModeAndTheContextThatFits) {
  RecordingBackend backend(/*context=*/600);  // (600 - 100) tokens x 2 bytes of context
  ChatRequest request;
  request.messages = {{Role::kUser, "Why does this crash?"}};
  request.mode = ChatMode::kTroubleshoot;
  request.selection = "free(p); free(p);";
  request.selection_path = "src/a.c";
  request.files = {{"src/a.h", std::string(300, 'a')}, {"src/b.c", std::string(900, 'b')}};
  request.max_tokens = 100;
  std::atomic<bool> stop{false};
  std::string streamed;
  auto result = ChatService().chat(
      backend, request,
      [&](std::string_view d) {
        streamed += d;
        return true;
      },
      stop);
  ASSERT_TRUE(result) << result.error().to_string();
  EXPECT_EQ(result->text, "answer");
  EXPECT_EQ(streamed, "answer");
  EXPECT_EQ(result->context_files_used, 1u);  // the 900-byte file does not fit in 1000 - 17 - 319
  ASSERT_EQ(backend.seen.size(), 2u);
  EXPECT_EQ(backend.seen[0].role, Role::kSystem);
  const std::string& system = backend.seen[0].content;
  EXPECT_NE(system.find("Find the cause of the problem"), std::string::npos);
  EXPECT_NE(system.find("src/a.c:\n```\nfree(p); free(p);\n```"), std::string::npos);
  EXPECT_NE(system.find("src/a.h:\n```\n" + std::string(300, 'a')), std::string::npos);
  EXPECT_EQ(system.find("src/b.c"), std::string::npos);
  EXPECT_EQ(backend.seen[1].content, "Why does this crash?");
}

TEST(AssistChat, RequestsAreChecked) {
  EXPECT_EQ(ChatService::validate({}).error().where(), "messages");
  ChatRequest answer_last;
  answer_last.messages = {{Role::kUser, "q"}, {Role::kAssistant, "a"}};
  EXPECT_EQ(ChatService::validate(answer_last).error().where(), "messages");
  ChatRequest too_long;
  too_long.messages = {{Role::kUser, "q"}};
  too_long.max_tokens = 100000;
  EXPECT_EQ(ChatService::validate(too_long).error().where(), "max_tokens");
  EXPECT_EQ(parse_chat_mode("poetry").error().where(), "mode");
  EXPECT_EQ(*parse_chat_mode("architecture"), ChatMode::kArchitecture);
}

}  // namespace
}  // namespace ward::assist
