// Replays the request fuzzer's committed corpus (fuzz/corpus/request/: seeds and inputs that once
// broke an invariant) through the fuzz entry point in the normal builds, and checks the seeds'
// verdicts by hand: the well-formed bodies parse, each malformed one is refused naming its field.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "server/assist_requests.h"
#include "server/json_body.h"
#include "support/test_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace ward::server {
namespace {

using nlohmann::json;

const std::filesystem::path kCorpus = WARD_REQUEST_CORPUS_DIR;

std::string seed(const char* name) {
  return test::read_text(kCorpus / name);
}

TEST(ServerRequestCorpus, EveryInputRunsThroughTheFuzzEntryPoint) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(kCorpus)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 15u) << kCorpus;
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    const std::string bytes = test::read_text(path);
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
              0);
  }
}

TEST(ServerRequestCorpus, WellFormedBodiesParse) {
  auto complete = parse_json_object(seed("complete.json"));
  ASSERT_TRUE(complete.ok());
  auto request = completion_request(*complete, "t/u");
  ASSERT_TRUE(request.ok()) << request.error().to_string();
  EXPECT_EQ(request->suggestions, 2);
  EXPECT_EQ(request->document, "t/u/math.py");
  ASSERT_EQ(request->related_files.size(), 1u);
  auto chat = chat_request(*parse_json_object(seed("chat.json")));
  ASSERT_TRUE(chat.ok()) << chat.error().to_string();
  EXPECT_EQ(chat->messages.size(), 2u);
  auto parts = chat_request(*parse_json_object(seed("chat-parts.json")));
  ASSERT_TRUE(parts.ok()) << parts.error().to_string();
  EXPECT_EQ(parts->messages[0].content, "Hello there");
  auto openai = openai_completion_request(*parse_json_object(seed("openai-completion.json")));
  ASSERT_TRUE(openai.ok()) << openai.error().to_string();
  EXPECT_EQ(openai->stop.size(), 2u);
  EXPECT_TRUE(openai_chat_request(*parse_json_object(seed("openai-chat.json"))).ok());
}

TEST(ServerRequestCorpus, MalformedBodiesAreRefusedNamingTheField) {
  for (const char* name : {"not-json.txt", "array.json", "invalid-utf8.json", "too-deep.json"}) {
    auto body = parse_json_object(seed(name));
    ASSERT_FALSE(body.ok()) << name;
    EXPECT_EQ(body.error().where(), "body") << name;
  }
  EXPECT_EQ(parse_json_object(seed("too-deep.json")).error().message(),
            "the request body nests more than 64 levels deep");
  const auto where = [](const core::Error& error) { return error.where(); };
  const json wrong = *parse_json_object(seed("wrong-types.json"));
  EXPECT_EQ(where(completion_request(wrong, "t/u").error()), "prefix");
  EXPECT_EQ(where(chat_request(wrong).error()), "messages");
  EXPECT_EQ(where(openai_completion_request(wrong).error()), "prompt");
  const json part = *parse_json_object(seed("part-type-not-string.json"));
  EXPECT_EQ(where(chat_request(part).error()), "messages[0].content");
  const json role = *parse_json_object(seed("long-role.json"));
  const core::Error long_role = chat_request(role).error();
  EXPECT_EQ(long_role.where(), "messages[0].role");
  EXPECT_LT(long_role.message().size(), 200u) << "the message does not echo the whole role";
  const json huge = *parse_json_object(seed("huge-numbers.json"));
  EXPECT_EQ(where(completion_request(huge, "t/u").error()), "max_tokens");
  const json last = *parse_json_object(seed("last-not-user.json"));
  EXPECT_EQ(where(openai_chat_request(last).error()), "messages");
  const json files = *parse_json_object(seed("files-bad.json"));
  EXPECT_EQ(where(completion_request(files, "t/u").error()), "related_files");
}

}  // namespace
}  // namespace ward::server
