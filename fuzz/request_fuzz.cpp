// libFuzzer entry point for the assistant routes' request bodies: any bytes, read as a request
// body, must give a checked request or a kInvalidArgument error (an API 400) with a short message
// naming the field — never an exception (httplib would answer 500), a crash or a message that
// repeats an unbounded amount of the input.
//
// Built with clang by fuzz/CMakeLists.txt (WARD_BUILD_FUZZ=ON); also compiled into the normal test
// executable, where ServerRequestCorpus replays fuzz/corpus/request/ through it. Single-threaded.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "server/assist_requests.h"
#include "server/json_body.h"

namespace {

using namespace ward;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "request_fuzz: invariant broken: %s\n", what);
  std::abort();
}

void check(bool condition, const char* what) {
  if (!condition) fail(what);
}

// A refusal is a 400 with a message a person can read: it names a field, briefly.
template <class T>
void check_answer(const core::Result<T>& result) {
  if (result) return;
  const core::Error& error = result.error();
  check(error.code() == core::Code::kInvalidArgument, "a bad body is kInvalidArgument (400)");
  check(!error.where().empty(), "an error names the field");
  check(!error.message().empty() && error.message().size() <= 512, "a message is short");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto body = server::parse_json_object(text);
  check_answer(body);
  if (!body) return 0;
  try {
    auto completion = server::completion_request(*body, "tenant/user");
    check_answer(completion);
    if (completion) {
      check(completion->suggestions >= 1 && completion->suggestions <= 4, "suggestions in range");
      check(completion->prefix.size() <= server::kMaxTextField, "prefix bounded");
    }
    auto chat = server::chat_request(*body);
    check_answer(chat);
    if (chat) check(!chat->messages.empty(), "a chat has a message");
    check_answer(server::openai_completion_request(*body));
    auto openai_chat = server::openai_chat_request(*body);
    check_answer(openai_chat);
    if (openai_chat) check(openai_chat->max_tokens >= 1, "max_tokens in range");
  } catch (...) {
    fail("an exception escaped the request parsing");
  }
  return 0;
}
