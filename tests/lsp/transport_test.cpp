// The LSP base protocol over a real pipe: framing, bounds, bodies that are not JSON, timeouts.

#include "lsp/transport.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

namespace ward::lsp {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

class Pipe {
 public:
  Pipe() { EXPECT_EQ(::pipe(fds_), 0); }
  ~Pipe() {
    close_write();
    ::close(fds_[0]);
  }
  int read_end() const { return fds_[0]; }
  int write_end() const { return fds_[1]; }
  void write(const std::string& bytes) {
    ASSERT_EQ(::write(fds_[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  void close_write() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

std::string framed(const std::string& body) {
  return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

json message_of(const core::Result<ReadOutcome>& outcome) {
  EXPECT_TRUE(outcome) << outcome.error().to_string();
  if (!outcome || !std::holds_alternative<json>(*outcome)) {
    ADD_FAILURE() << "no message";
    return nullptr;
  }
  return std::get<json>(*outcome);
}

TEST(LspTransport, ReadsMessagesWhetherTheyArriveTogetherOrInPieces) {
  Pipe pipe;
  MessageReader reader(pipe.read_end());
  pipe.write(framed(R"({"id":1})") + "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n" +
             framed(R"({"id":"two","text":"é"})"));
  EXPECT_EQ(message_of(reader.read()), (json{{"id", 1}}));
  EXPECT_EQ(message_of(reader.read()), (json{{"id", "two"}, {"text", "é"}}));
  const std::string third = framed(R"({"id":3})");
  pipe.write(third.substr(0, 10));
  EXPECT_TRUE(std::holds_alternative<Timeout>(*reader.read(milliseconds(50))));
  pipe.write(third.substr(10, 15));
  pipe.write(third.substr(25));
  EXPECT_EQ(message_of(reader.read()), (json{{"id", 3}}));
  pipe.close_write();
  EXPECT_TRUE(std::holds_alternative<EndOfInput>(*reader.read()));
}

TEST(LspTransport, ABodyThatIsNotJsonIsReportedAndTheNextMessageFollows) {
  Pipe pipe;
  MessageReader reader(pipe.read_end());
  pipe.write(framed("{not json") + framed("[1]"));
  auto bad = reader.read();
  ASSERT_TRUE(bad);
  ASSERT_TRUE(std::holds_alternative<MalformedBody>(*bad));
  EXPECT_NE(std::get<MalformedBody>(*bad).error.message().find("not valid JSON"),
            std::string::npos);
  EXPECT_EQ(message_of(reader.read()), json::array({1}));
}

TEST(LspTransport, HeadersThatCannotBeFramedAreErrorsNamingTheFault) {
  struct Case {
    std::string bytes;
    core::Code code;
    std::string says;
  };
  const std::string long_line(2000, 'x');
  for (const Case& c : {
           Case{"Content-Type: text/plain\r\n\r\n{}", core::Code::kInvalidArgument,
                "without Content-Length"},
           Case{"Content-Length: ten\r\n\r\n", core::Code::kInvalidArgument, "\"ten\" is not"},
           Case{"Content-Length: -5\r\n\r\n", core::Code::kInvalidArgument, "not a number"},
           Case{"Content-Length: 999999999999\r\n\r\n", core::Code::kResourceExhausted, "16 MiB"},
           Case{"Content-Length: 99999999999999999999999\r\n\r\n", core::Code::kResourceExhausted,
                "16 MiB"},
           Case{"GET / HTTP/1.1\r\n\r\n", core::Code::kInvalidArgument, "has no ':'"},
           Case{long_line, core::Code::kInvalidArgument, "longer than 1024 bytes"},
           Case{"Content-Length: " + std::string(3000, '0') + "2\r\n\r\n{}",
                core::Code::kInvalidArgument, "longer than 1024 bytes"},
           Case{"Content-Length: 10\r\n\r\n{}", core::Code::kInvalidArgument,
                "ended in the middle of a message"},
       }) {
    Pipe pipe;
    MessageReader reader(pipe.read_end());
    pipe.write(c.bytes);
    pipe.close_write();
    auto outcome = reader.read();
    ASSERT_FALSE(outcome) << c.bytes.substr(0, 60);
    EXPECT_EQ(outcome.error().code(), c.code) << c.bytes.substr(0, 60);
    EXPECT_NE(outcome.error().message().find(c.says), std::string::npos)
        << outcome.error().message();
  }
}

TEST(LspTransport, TheWriterFramesWhatTheReaderReads) {
  Pipe pipe;
  MessageWriter writer(pipe.write_end());
  const json message = {{"jsonrpc", "2.0"}, {"method", "m"}, {"params", {{"text", "😀\n\"x\""}}}};
  ASSERT_TRUE(writer.write(message));
  pipe.close_write();
  std::string bytes(4096, '\0');
  const ssize_t got = ::read(pipe.read_end(), bytes.data(), bytes.size());
  ASSERT_GT(got, 0);
  bytes.resize(static_cast<std::size_t>(got));
  const std::size_t blank = bytes.find("\r\n\r\n");
  ASSERT_NE(blank, std::string::npos);
  EXPECT_EQ(bytes.substr(0, blank), "Content-Length: " + std::to_string(got - blank - 4));
  EXPECT_EQ(json::parse(bytes.substr(blank + 4)), message);
}

}  // namespace
}  // namespace ward::lsp
