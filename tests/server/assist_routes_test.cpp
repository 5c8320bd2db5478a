// Completion through the real `ward serve --model` over TLS: Ward's /api/v1/complete (JSON and
// server-sent events), the OpenAI-compatible /v1/models and /v1/completions, field-named 4xx
// errors, the policy and the tokens-per-day quota, and the audit log recording every call
// without its content. The model is a small random-weight one with the StarCoder vocabulary (it
// has FIM tokens), made once per suite with `ward model synth`.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "server/ward_serve_test.h"
#include "support/test_support.h"

namespace ward::test {
namespace {

class AssistRoutesTest : public WardServeTest {
 protected:
  void SetUp() override {
    start("[tiers.metered]\ntokens_per_day = 60\n", {"--model", synthesized_code_model()});
    admin_ = bootstrap();
    developer_ = developer(admin_, "dev");
  }

  // The data lines of a server-sent event stream, parsed.
  static std::vector<std::string> events_of(const std::string& body) {
    std::vector<std::string> events;
    size_t at = 0;
    while ((at = body.find("data: ", at)) != std::string::npos) {
      const size_t end = body.find("\n\n", at);
      events.push_back(body.substr(at + 6, end - at - 6));
      at = end;
    }
    return events;
  }

  std::string admin_;
  std::string developer_;
};

const json kRequest = {{"prefix", "def add(a, b):\n    return a"},
                       {"suffix", ")\n"},
                       {"path", "math.py"},
                       {"max_tokens", 12}};

TEST_F(AssistRoutesTest, ARandomWeightModelIsAnnouncedAsSuch) {
  const std::string line = server_->wait_for_line("random weights");
  EXPECT_NE(line.find("\"coder\""), std::string::npos) << line;
}

TEST_F(AssistRoutesTest, CompletionAnswersWithSuggestionsAndIsAuditedWithoutItsContent) {
  json out = expect(200, "POST", "/api/v1/complete", developer_, kRequest);
  EXPECT_EQ(out["model"], "coder");
  EXPECT_EQ(out["mode"], "single_line");
  ASSERT_TRUE(out["suggestions"].is_array());
  for (const auto& s : out["suggestions"])
    EXPECT_EQ(s.get<std::string>().find('\n'), std::string::npos);
  EXPECT_GT(out["usage"]["prompt_tokens"].get<int>(), 5);
  // The same file again: the cached prompt is reused.
  json again = expect(200, "POST", "/api/v1/complete", developer_, kRequest);
  EXPECT_GE(again["usage"]["reused_prompt_tokens"].get<int>(),
            again["usage"]["prompt_tokens"].get<int>() - 1);

  json events = expect(200, "GET", "/api/v1/audit/events?action=ward:Complete", admin_)["events"];
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["actor"]["user"], "dev");
  EXPECT_EQ(events[0]["params"]["model"], "coder");
  EXPECT_EQ(events[0]["outcome"], "allowed");
  EXPECT_EQ(events.dump().find("return a"), std::string::npos) << "content reached the audit log";
}

TEST_F(AssistRoutesTest, CompletionStreamsServerSentEvents) {
  json request = kRequest;
  request["stream"] = true;
  auto result = call("POST", "/api/v1/complete", developer_, request.dump());
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/event-stream");
  const auto events = events_of(result->body);
  ASSERT_FALSE(events.empty()) << result->body;
  const json last = json::parse(events.back());
  std::string streamed;
  for (size_t i = 0; i + 1 < events.size(); ++i)
    streamed += json::parse(events[i])["text"].get<std::string>();
  if (!last["suggestions"].empty()) {
    EXPECT_EQ(streamed, last["suggestions"][0]);
  }
  EXPECT_EQ(last["model"], "coder");
}

TEST_F(AssistRoutesTest, TheOpenAiCompatibleRoutesAnswerAsOpenAiDoes) {
  json models = expect(200, "GET", "/v1/models", developer_);
  EXPECT_EQ(models["object"], "list");
  ASSERT_EQ(models["data"].size(), 1u);
  EXPECT_EQ(models["data"][0]["id"], "coder");

  json out = expect(
      200, "POST", "/v1/completions", developer_,
      {{"model", "coder"}, {"prompt", "int main() {"}, {"max_tokens", 8}, {"temperature", 0}});
  EXPECT_EQ(out["object"], "text_completion");
  ASSERT_EQ(out["choices"].size(), 1u);
  EXPECT_TRUE(out["choices"][0]["text"].is_string());
  EXPECT_EQ(
      out["usage"]["total_tokens"].get<int>(),
      out["usage"]["prompt_tokens"].get<int>() + out["usage"]["completion_tokens"].get<int>());

  // Streamed, the pieces add up to the same greedy text.
  auto streamed =
      call("POST", "/v1/completions", developer_,
           json{{"prompt", "int main() {"}, {"max_tokens", 8}, {"temperature", 0}, {"stream", true}}
               .dump());
  ASSERT_TRUE(streamed);
  const auto events = events_of(streamed->body);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.back(), "[DONE]");
  std::string text;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    text += json::parse(events[i])["choices"][0]["text"].get<std::string>();
  }
  EXPECT_EQ(text, out["choices"][0]["text"]);
}

// The field an error names: its message starts "FIELD: ".
std::string field_of(const json& reply) {
  const std::string message = reply["error"]["message"];
  return message.substr(0, message.find(':'));
}

// OpenAI's own client library, unchanged, with a Ward API token: every call it makes is audited.
TEST_F(AssistRoutesTest, OpenAisClientLibraryWorksWithAWardToken) {
  const auto node = find_on_path("node");
  ASSERT_FALSE(node.empty()) << "Node.js is needed (scripts/setup installs it)";
  auto run =
      run_program(node,
                  {"tests/server/openai_client.mjs",
                   "https://localhost:" + std::to_string(port_) + "/v1", developer_, "coder"},
                  {{"NODE_EXTRA_CA_CERTS", data_dir() + "/tls/server.crt"}}, WARD_SOURCE_DIR);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json out = json::parse(run.out);
  EXPECT_EQ(out["models"], json::array({"coder"}));
  EXPECT_TRUE(out["completion"].is_string());
  EXPECT_EQ(out["streamed"], out["chat"]);  // greedy: the stream adds up to the same answer
  EXPECT_GT(out["chat_usage"]["prompt_tokens"].get<int>(), 0);
  const json events = expect(200, "GET", "/api/v1/audit/events?actor=dev", admin_)["events"];
  std::map<std::string, int> actions;
  for (const auto& e : events) ++actions[e["action"].get<std::string>()];
  EXPECT_EQ(actions["ward:ListModels"], 1);
  EXPECT_EQ(actions["ward:Complete"], 1);
  EXPECT_EQ(actions["ward:Chat"], 2);
}

TEST_F(AssistRoutesTest, BadRequestsGetA4xxNamingTheField) {
  EXPECT_EQ(field_of(expect(400, "POST", "/api/v1/complete", developer_, {{"prefix", 5}})),
            "prefix");
  EXPECT_EQ(field_of(expect(400, "POST", "/api/v1/complete", developer_,
                            {{"prefix", "x"}, {"suggestions", 10}})),
            "suggestions");
  EXPECT_EQ(field_of(expect(404, "POST", "/v1/completions", developer_,
                            {{"model", "gpt-4"}, {"prompt", "x"}})),
            "model");
  std::string long_prompt;
  for (int i = 0; i < 6000; ++i) long_prompt += "w" + std::to_string(i) + " ";
  EXPECT_EQ(field_of(expect(400, "POST", "/v1/completions", developer_,
                            {{"prompt", long_prompt}, {"max_tokens", 16}})),
            "prompt");
  auto malformed = call("POST", "/v1/completions", developer_, "{\"prompt\": ");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
}

TEST_F(AssistRoutesTest, ChatAnswersInWardsShapeAndIsAuditedAsChat) {
  json out = expect(200, "POST", "/api/v1/chat", developer_,
                    {{"messages", {{{"role", "user"}, {"content", "What does f do?"}}}},
                     {"mode", "explain"},
                     {"selection", "int f(int x) { return x * 2; }"},
                     {"files", {{{"path", "f.h"}, {"content", "int f(int x);"}}}},
                     {"max_tokens", 8}});
  EXPECT_EQ(out["model"], "coder");
  EXPECT_EQ(out["message"]["role"], "assistant");
  EXPECT_TRUE(out["message"]["content"].is_string());
  EXPECT_EQ(out["context_files_used"], 1);
  EXPECT_LE(out["usage"]["completion_tokens"].get<int>(), 8);
  json events = expect(200, "GET", "/api/v1/audit/events?action=ward:Chat", admin_)["events"];
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["params"]["model"], "coder");
  EXPECT_EQ(events.dump().find("What does f do"), std::string::npos);
}

TEST_F(AssistRoutesTest, OpenAiChatCompletionsStreamTheSameGreedyAnswer) {
  const json body = {{"model", "coder"},
                     {"messages",
                      {{{"role", "system"}, {"content", "Be brief."}},
                       {{"role", "user"},
                        {"content",
                         [] {
                           return json::array({{{"type", "text"}, {"text", "Hi"}}});
                         }()}}}},
                     {"max_tokens", 8},
                     {"temperature", 0}};
  json out = expect(200, "POST", "/v1/chat/completions", developer_, body);
  EXPECT_EQ(out["object"], "chat.completion");
  ASSERT_EQ(out["choices"].size(), 1u);
  EXPECT_EQ(out["choices"][0]["message"]["role"], "assistant");
  json streamed_body = body;
  streamed_body["stream"] = true;
  auto streamed = call("POST", "/v1/chat/completions", developer_, streamed_body.dump());
  ASSERT_TRUE(streamed);
  const auto events = events_of(streamed->body);
  ASSERT_GE(events.size(), 3u) << streamed->body;
  EXPECT_EQ(events.back(), "[DONE]");
  EXPECT_EQ(json::parse(events.front())["choices"][0]["delta"]["role"], "assistant");
  std::string text;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    const json chunk = json::parse(events[i]);
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    text += chunk["choices"][0]["delta"].value("content", "");
  }
  EXPECT_EQ(text, out["choices"][0]["message"]["content"]);
}

TEST_F(AssistRoutesTest, ChatRequestsAreCheckedFieldByField) {
  EXPECT_EQ(field_of(expect(400, "POST", "/api/v1/chat", developer_, {{"mode", "explain"}})),
            "messages");
  EXPECT_EQ(field_of(expect(400, "POST", "/api/v1/chat", developer_,
                            {{"messages", {{{"role", "robot"}, {"content", "x"}}}}})),
            "messages[0].role");
  EXPECT_EQ(
      field_of(expect(400, "POST", "/api/v1/chat", developer_,
                      {{"messages", {{{"role", "user"}, {"content", "x"}}}}, {"mode", "poetry"}})),
      "mode");
  EXPECT_EQ(field_of(expect(400, "POST", "/v1/chat/completions", developer_,
                            {{"messages", {{{"role", "assistant"}, {"content", "x"}}}}})),
            "messages");
}

TEST_F(AssistRoutesTest, MetricsNeedTheirOwnPermissionAndCountRequestsAndTokens) {
  expect(403, "GET", "/metrics", developer_);
  const json out = expect(200, "POST", "/api/v1/complete", developer_, kRequest);
  auto scraped = call("GET", "/metrics", admin_);
  ASSERT_TRUE(scraped);
  ASSERT_EQ(scraped->status, 200) << scraped->body;
  EXPECT_EQ(scraped->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);
  const std::string& text = scraped->body;
  const auto has = [&](const std::string& line) {
    EXPECT_NE(text.find(line + "\n"), std::string::npos) << line << "\n" << text;
  };
  has("ward_http_requests_total{action=\"ward:Complete\",status=\"200\"} 1");
  has("ward_http_requests_total{action=\"ward:Metrics\",status=\"403\"} 1");
  has("ward_http_request_duration_seconds_count{action=\"ward:Complete\"} 1");
  has("ward_http_request_duration_seconds_bucket{action=\"ward:Complete\",le=\"+Inf\"} 1");
  has("ward_tokens_total{model=\"coder\",kind=\"prompt\"} " +
      std::to_string(out["usage"]["prompt_tokens"].get<int>()));
  has("ward_tokens_total{model=\"coder\",kind=\"completion\"} " +
      std::to_string(out["usage"]["completion_tokens"].get<int>()));
  has("ward_model_loaded{model=\"coder\",kind=\"embedded\",region=\"local\"} 1");
  has("ward_model_queue_depth{model=\"coder\"} 0");
}

TEST_F(AssistRoutesTest, PolicyAndTheDailyTokenQuotaComeFirst) {
  // A user with no policy may not complete.
  expect(201, "POST", "/api/v1/admin/users", admin_, {{"name", "nobody"}});
  const std::string nobody =
      expect(201, "POST", "/api/v1/admin/tokens", admin_, {{"user", "nobody"}}).value("token", "");
  expect(403, "POST", "/api/v1/complete", nobody, kRequest);

  auto moved = run_ward(
      {"admin", "tenant", "set-tier", "default", "metered", "--data-dir", data_dir()}, env());
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  // 60 tokens a day: the first request is admitted and spends them, the next is refused.
  expect(200, "POST", "/v1/completions", developer_,
         {{"prompt", "int main() { return 0; } // a comment long enough"}, {"max_tokens", 60}});
  auto refused =
      call("POST", "/v1/completions", developer_, json{{"prompt", "x"}, {"max_tokens", 4}}.dump());
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429) << refused->body;
  EXPECT_FALSE(refused->get_header_value("Retry-After").empty());
}

// Models from ward.toml: default_model goes first and answers requests that name no model.
class ConfiguredModelsTest : public WardServeTest {
 protected:
  void SetUp() override {
    const std::string path = synthesized_code_model();
    start("default_model = \"beta\"\n[models.alpha]\npath = \"" + path +
              "\"\n[models.beta]\n"
              "path = \"" +
              path + "\"\ncontext = 256\n",
          {});
  }
};

TEST_F(ConfiguredModelsTest, TheDefaultModelComesFirstAndAnswersUnnamedRequests) {
  const std::string admin = bootstrap();
  const std::string dev = developer(admin, "dev");
  json models = expect(200, "GET", "/v1/models", dev);
  ASSERT_EQ(models["data"].size(), 2u);
  EXPECT_EQ(models["data"][0]["id"], "beta");
  EXPECT_EQ(models["data"][0]["context_length"], 256);
  EXPECT_EQ(models["data"][1]["id"], "alpha");
  json out = expect(200, "POST", "/v1/completions", dev, {{"prompt", "x"}, {"max_tokens", 2}});
  EXPECT_EQ(out["model"], "beta");
  out = expect(200, "POST", "/v1/completions", dev,
               {{"model", "alpha"}, {"prompt", "x"}, {"max_tokens", 2}});
  EXPECT_EQ(out["model"], "alpha");
}

TEST_F(AssistRoutesTest, ATierThatStoresNoContentKeepsNoConversation) {
  const json ask = {{"messages", {{{"role", "user"}, {"content", "Hi"}}}}, {"max_tokens", 2}};
  const json out = expect(200, "POST", "/api/v1/chat", developer_, ask);
  EXPECT_FALSE(out.contains("conversation")) << out.dump();
  json continuing = ask;
  continuing["conversation"] = "01a21b72-0ad5-75ba-b2bf-f5c401c84c20";
  const json refused = expect(412, "POST", "/api/v1/chat", developer_, continuing);
  EXPECT_NE(refused["error"]["message"].get<std::string>().find("does not store content"),
            std::string::npos)
      << refused.dump();
  EXPECT_TRUE(expect(200, "GET", "/api/v1/conversations", developer_)["conversations"].empty());
}

// A tier that stores content: chat exchanges are kept as conversations.
class ConversationHistoryTest : public WardServeTest {
 protected:
  void SetUp() override {
    start("[tiers.free]\nstore_content = true\nretention_days = 7\n",
          {"--model", synthesized_code_model()});
    admin_ = bootstrap();
    developer_ = developer(admin_, "dev");
  }

  static json ask(const std::string& question) {
    return {{"messages", {{{"role", "user"}, {"content", question}}}}, {"max_tokens", 3}};
  }

  std::string admin_;
  std::string developer_;
};

TEST_F(ConversationHistoryTest, ChatsAreKeptSealedAndContinuedForTheirOwnerOnly) {
  const std::string marker = "marker-5b1e77d2-kept-in-history";
  const json first = expect(200, "POST", "/api/v1/chat", developer_, ask("Remember " + marker));
  ASSERT_TRUE(first["conversation"].is_string()) << first.dump();
  const std::string id = first["conversation"];

  // Continuing puts the stored exchange before the new question.
  json alone = ask("And then?");
  alone["store"] = false;  // the tier lets a user keep an exchange out of the history
  const json unstored = expect(200, "POST", "/api/v1/chat", developer_, alone);
  EXPECT_FALSE(unstored.contains("conversation"));
  json continued = ask("And then?");
  continued["conversation"] = id;
  const json next = expect(200, "POST", "/api/v1/chat", developer_, continued);
  EXPECT_EQ(next["conversation"], id);
  EXPECT_EQ(next["history_messages_used"], 2);
  EXPECT_GT(next["usage"]["prompt_tokens"].get<int>(),
            unstored["usage"]["prompt_tokens"].get<int>() + 5);

  const json listed = expect(200, "GET", "/api/v1/conversations", developer_)["conversations"];
  ASSERT_EQ(listed.size(), 1u) << listed.dump();
  EXPECT_EQ(listed[0]["id"], id);
  EXPECT_EQ(listed[0]["messages"], 4);
  const json read = expect(200, "GET", "/api/v1/conversations/" + id, developer_)["messages"];
  ASSERT_EQ(read.size(), 4u);
  EXPECT_EQ(read[0]["content"], "Remember " + marker);
  EXPECT_EQ(read[1]["role"], "assistant");
  EXPECT_EQ(read[2]["content"], "And then?");

  // Another user can neither read nor continue it.
  const std::string eve = developer(admin_, "eve");
  expect(404, "GET", "/api/v1/conversations/" + id, eve);
  expect(404, "POST", "/api/v1/chat", eve, continued);

  // The marker is nowhere on disk in the clear: not in the database, its WAL or the audit log.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data_dir())) {
    if (!entry.is_regular_file()) continue;
    EXPECT_EQ(read_text(entry.path()).find(marker), std::string::npos) << entry.path();
  }
  const json events = expect(200, "GET", "/api/v1/audit/events?action=ward:Chat", admin_)["events"];
  EXPECT_EQ(events.dump().find(marker), std::string::npos);
  EXPECT_NE(events.dump().find("\"conversation\":\"" + id + "\""), std::string::npos);

  expect(200, "DELETE", "/api/v1/conversations/" + id, developer_);
  expect(404, "GET", "/api/v1/conversations/" + id, developer_);
}

// A model with a single slot, so that a generation that does not stop holds every later request,
// and two engine threads.
class OneSlotTest : public WardServeTest {
 protected:
  void SetUp() override {
    start("[models.coder]\npath = \"" + synthesized_code_model() + "\"\nslots = 1\nthreads = 2\n",
          {});
    admin_ = bootstrap();
    developer_ = developer(admin_, "dev");
  }

  // The model's completion tokens so far, from /metrics.
  int64_t completion_tokens() {
    auto scraped = call("GET", "/metrics", admin_);
    const std::string line = "ward_tokens_total{model=\"coder\",kind=\"completion\"} ";
    const size_t at = scraped ? scraped->body.find(line) : std::string::npos;
    return at == std::string::npos ? 0 : std::stoll(scraped->body.substr(at + line.size()));
  }

  std::string admin_;
  std::string developer_;
};

TEST_F(OneSlotTest, AClientThatDisconnectsMidStreamStopsItsGenerationAndFreesTheSlot) {
  json request = {{"prompt", "def main():\n"}, {"max_tokens", 1024}, {"temperature", 0}};
  // The premise: undisturbed, this request generates all its tokens.
  const json whole = expect(200, "POST", "/v1/completions", developer_, request);
  ASSERT_EQ(whole["choices"][0]["finish_reason"], "length") << whole.dump();
  const int64_t before = completion_tokens();
  ASSERT_EQ(before, 1024);

  // The same request streamed, and the connection closed after the first event.
  request["stream"] = true;
  httplib::SSLClient client("127.0.0.1", port_);
  client.enable_server_certificate_verification(false);
  httplib::Request streamed;
  streamed.method = "POST";
  streamed.path = "/v1/completions";
  streamed.headers = {{"Authorization", "Bearer " + developer_},
                      {"Content-Type", "application/json"}};
  streamed.body = request.dump();
  bool received = false;
  streamed.content_receiver = [&](const char*, size_t, uint64_t, uint64_t) {
    received = true;
    return false;  // hang up
  };
  (void)client.send(streamed);
  client.stop();
  ASSERT_TRUE(received);

  // The single slot serves the next request, and the abandoned generation stopped early.
  const json next = expect(200, "POST", "/v1/completions", developer_,
                           {{"prompt", "x"}, {"max_tokens", 4}, {"temperature", 0}});
  const int64_t next_tokens = next["usage"]["completion_tokens"].get<int64_t>();
  int64_t abandoned = 0;
  for (int i = 0; i < 50; ++i) {  // its usage is recorded just after its slot is released
    abandoned = completion_tokens() - before - next_tokens;
    if (abandoned > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GT(abandoned, 0);
  EXPECT_LT(abandoned, 512) << "the generation went on after the client left";
}

TEST_F(OneSlotTest, SigtermStopsGracefullyWhileTheEnginesThreadsRun) {
  // The engine's worker threads must not take the signal: only the server's watcher does.
  expect(200, "POST", "/v1/completions", developer_, {{"prompt", "x"}, {"max_tokens", 2}});
  EXPECT_EQ(server_->stop(SIGTERM), 0) << server_->err();
  EXPECT_NE(server_->err().find("stopped"), std::string::npos) << server_->err();
}

// Models in three regions around a deployment in uk-south: one beside it, one elsewhere in the
// same geography, one in another geography.
class ModelRegionsTest : public WardServeTest {
 protected:
  void SetUp() override {
    const std::string path = synthesized_code_model();
    std::string config =
        "region = \"uk-south\"\n[regions]\nuk-south = \"uk\"\nuk-west = \"uk\"\n"
        "eu-west = \"eu\"\n";
    for (const char* region : {"uk-south", "uk-west", "eu-west"}) {
      config += fmt::format("[models.{0}]\npath = \"{1}\"\nregion = \"{0}\"\n", region, path);
    }
    start(config, {});
    admin_ = bootstrap();
    developer_ = developer(admin_, "dev");
  }

  int complete_on(const std::string& model) {
    auto result = call("POST", "/v1/completions", developer_,
                       json{{"model", model}, {"prompt", "x"}, {"max_tokens", 1}}.dump());
    return result ? result->status : 0;
  }

  std::string admin_;
  std::string developer_;
};

TEST_F(ModelRegionsTest, ContentCrossesRegionsOnlyWithinTheGeographyAndWhenPolicyAllows) {
  EXPECT_EQ(complete_on("uk-south"), 200);
  EXPECT_EQ(complete_on("uk-west"), 403);
  EXPECT_EQ(complete_on("eu-west"), 403);

  expect(
      201, "POST", "/api/v1/admin/policies", admin_,
      {{"user", "dev"},
       {"document",
        {{"Version", "2024-01-01"},
         {"Statement",
          {{{"Effect", "Allow"}, {"Action", "ward:CrossRegionInference"}, {"Resource", "*"}}}}}}});
  EXPECT_EQ(complete_on("uk-west"), 200);
  EXPECT_EQ(complete_on("eu-west"), 403) << "another geography is never crossed";

  // Each cross-region decision is an audit event of its own.
  json events =
      expect(200, "GET", "/api/v1/audit/events?action=ward:CrossRegionInference", admin_)["events"];
  ASSERT_EQ(events.size(), 4u) << events.dump();
  const char* outcomes[] = {"denied", "denied", "allowed", "allowed"};
  const char* regions[] = {"uk-west", "eu-west", "uk-west", "eu-west"};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(events[i]["outcome"], outcomes[i]) << events[i].dump();
    EXPECT_EQ(events[i]["params"]["requested_region"], regions[i]);
    EXPECT_EQ(events[i]["actor"]["user"], "dev");
  }
}

}  // namespace
}  // namespace ward::test
