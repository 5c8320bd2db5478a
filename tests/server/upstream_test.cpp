// The OpenAI-compatible upstream backend end to end: a `ward serve` whose model is another
// `ward serve` (real TLS, the upstream's certificate as the CA bundle, a real API token in a 0600
// file), and upstreams that fail — one that hangs, one that answers garbage, one that resets the
// connection — each a clear 504 or 502 for that request while the server goes on serving.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "server/ward_serve_test.h"
#include "support/test_support.h"

namespace ward::test {
namespace {

// A plain-HTTP server on loopback that misbehaves on purpose, by path.
class FaultyUpstream {
 public:
  FaultyUpstream() {
    server_.Post("/hang/v1/chat/completions",
                 [this](const httplib::Request&, httplib::Response& res) {
                   for (int i = 0; i < 50 && !stopping_; ++i)
                     std::this_thread::sleep_for(std::chrono::milliseconds(100));
                   res.set_content("{}", "application/json");
                 });
    server_.Post("/garbage/v1/chat/completions",
                 [](const httplib::Request&, httplib::Response& res) {
                   res.set_content("<html>surprise</html>", "text/html");
                 });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // A listener that accepts and closes at once: a connection reset before any answer.
    reset_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(reset_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    socklen_t size = sizeof(address);
    getsockname(reset_fd_, reinterpret_cast<sockaddr*>(&address), &size);
    reset_port_ = ntohs(address.sin_port);
    listen(reset_fd_, 16);
    reset_thread_ = std::thread([this] {
      for (;;) {
        const int client = accept(reset_fd_, nullptr, nullptr);
        if (client < 0) return;
        if (stopping_) {
          close(client);
          return;
        }
        linger hard{1, 0};  // RST, not FIN
        setsockopt(client, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
        close(client);
        ++resets_;
      }
    });
  }
  ~FaultyUpstream() {
    stopping_ = true;
    server_.stop();
    thread_.join();
    shutdown(reset_fd_, SHUT_RDWR);
    close(reset_fd_);
    reset_thread_.join();
  }
  int port() const { return port_; }
  int reset_port() const { return reset_port_; }
  int resets() const { return resets_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  int reset_fd_ = -1;
  int reset_port_ = 0;
  std::thread reset_thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> resets_{0};
};

class UpstreamTest : public WardServeTest {
 protected:
  void SetUp() override {
    // The upstream: a Ward with the model, and a token for the downstream to use.
    upstream_ = std::make_unique<UpstreamWard>();
    const std::string key_file = (dir_ / "upstream.key").string();
    write_text(key_file, upstream_->token + "\n");
    chmod(key_file.c_str(), 0600);
    const std::string faulty = "http://127.0.0.1:" + std::to_string(faults_.port());
    start("[models.remote]\nurl = \"https://localhost:" + std::to_string(upstream_->port) +
              "/v1\"\nupstream_model = \"coder\"\napi_key_file = \"" + key_file +
              "\"\nca_bundle = \"" + upstream_->cert +
              "\"\n"
              "[models.hanging]\nurl = \"" +
              faulty +
              "/hang/v1\"\nread_timeout_ms = 500\n"
              "retries = 0\n"
              "[models.garbage]\nurl = \"" +
              faulty +
              "/garbage/v1\"\n"
              "[models.resetting]\nurl = \"http://127.0.0.1:" +
              std::to_string(faults_.reset_port()) +
              "/v1\"\nretries = 2\n"
              "[models.untrusted]\nurl = \"https://localhost:" +
              std::to_string(upstream_->port) + "/v1\"\nretries = 0\n",
          {});
    admin_ = bootstrap();
    developer_ = developer(admin_, "dev");
  }

  // A second `ward serve` with the model, its developer's token and its certificate.
  struct UpstreamWard : WardServeTest {
    using WardServeTest::expect;
    UpstreamWard() {
      start("", {"--model", synthesized_code_model()});
      admin = bootstrap();
      token = developer(admin, "downstream");
      port = port_;
      cert = data_dir() + "/tls/server.crt";
    }
    void TestBody() override {}
    std::string admin;
    std::string token;
    int port = 0;
    std::string cert;
  };

  json chat_body(const std::string& model) {
    return {{"model", model},
            {"messages", {{{"role", "user"}, {"content", "Say hi."}}}},
            {"max_tokens", 6},
            {"temperature", 0}};
  }

  FaultyUpstream faults_;
  std::unique_ptr<UpstreamWard> upstream_;
  std::string admin_;
  std::string developer_;
};

TEST_F(UpstreamTest, AnOpenAiCompatibleUpstreamAnswersThroughWard) {
  // Straight from the upstream, then through this Ward: the same greedy answer.
  const json direct =
      upstream_->expect(200, "POST", "/v1/chat/completions", upstream_->token, chat_body("coder"));
  const json relayed = expect(200, "POST", "/v1/chat/completions", developer_, chat_body("remote"));
  EXPECT_EQ(relayed["model"], "remote");
  EXPECT_EQ(relayed["choices"][0]["message"]["content"],
            direct["choices"][0]["message"]["content"]);
  EXPECT_EQ(relayed["usage"]["prompt_tokens"], direct["usage"]["prompt_tokens"]);
  // Streamed through both.
  json streamed_body = chat_body("remote");
  streamed_body["stream"] = true;
  auto streamed = call("POST", "/v1/chat/completions", developer_, streamed_body.dump());
  ASSERT_TRUE(streamed);
  std::string text;
  size_t at = 0;
  while ((at = streamed->body.find("data: {", at)) != std::string::npos) {
    const size_t end = streamed->body.find("\n\n", at);
    text += json::parse(streamed->body.substr(at + 6, end - at - 6))["choices"][0]["delta"].value(
        "content", "");
    at = end;
  }
  EXPECT_EQ(text, direct["choices"][0]["message"]["content"]);
  // Completion (fill-in-the-middle travels as OpenAI's suffix).
  json completion = expect(200, "POST", "/api/v1/complete", developer_,
                           {{"model", "remote"},
                            {"prefix", "def f(x):\n    return x"},
                            {"suffix", "\n"},
                            {"max_tokens", 6}});
  EXPECT_EQ(completion["model"], "remote");
  // The upstream audited the downstream's calls as its own user.
  const json events = upstream_->expect(200, "GET", "/api/v1/audit/events?actor=downstream",
                                        upstream_->admin)["events"];
  EXPECT_GE(events.size(), 3u);
}

TEST_F(UpstreamTest, FailingUpstreamsGetAClearErrorAndTheServerGoesOn) {
  const json hung = expect(504, "POST", "/v1/chat/completions", developer_, chat_body("hanging"));
  EXPECT_EQ(hung["error"]["code"], "deadline_exceeded");
  const json garbage =
      expect(502, "POST", "/v1/chat/completions", developer_, chat_body("garbage"));
  EXPECT_EQ(garbage["error"]["code"], "bad_gateway");
  const json reset =
      expect(502, "POST", "/v1/chat/completions", developer_, chat_body("resetting"));
  EXPECT_EQ(reset["error"]["code"], "bad_gateway");
  EXPECT_EQ(faults_.resets(), 3);  // the first try and two retries
  const json untrusted =
      expect(502, "POST", "/v1/chat/completions", developer_, chat_body("untrusted"));
  EXPECT_NE(untrusted["error"]["message"].get<std::string>().find("ca_bundle"), std::string::npos);
  // The API key never appears in an answer, and other requests are still served.
  EXPECT_EQ(untrusted.dump().find(upstream_->token), std::string::npos);
  expect(200, "POST", "/v1/chat/completions", developer_, chat_body("remote"));
}

TEST_F(UpstreamTest, PlainHttpIsOnlyForLoopback) {
  write_text(dir_ / "bad.toml", "[models.far]\nurl = \"http://example.com/v1\"\n");
  auto run =
      run_ward({"serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir() + "-2"},
               {{"HOME", (dir_ / "home").string()}, {"WARD_CONFIG", (dir_ / "bad.toml").string()}});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("models.far.url"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("https://"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace ward::test
