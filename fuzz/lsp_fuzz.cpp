// libFuzzer entry point for the language server (`ward lsp`), which reads whatever the editor
// writes to its standard input: the input is that byte stream, fed through a pipe to
// lsp::serve() with the built-in scanner rules and a gateway that always answers. Any bytes must
// end the server with exit status 0 or 1 (never a crash, a hang or an exception), and everything
// it writes must be well-framed JSON messages.
//
// Built with clang by fuzz/CMakeLists.txt (WARD_BUILD_FUZZ=ON); also compiled into the normal test
// executable, where LspFuzzCorpus replays fuzz/corpus/lsp/ through it.

#include <unistd.h>

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <variant>

#include "builtin_rules.h"
#include "lsp/server.h"
#include "lsp/transport.h"

namespace {

using namespace ward;

void check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "lsp_fuzz: invariant broken: %s\n", what);
  std::abort();
}

// Reads the server's output to its end; every message must frame and parse.
void check_output(int fd) {
  lsp::MessageReader reader(fd);
  for (;;) {
    auto outcome = reader.read();
    check(static_cast<bool>(outcome), "the server's output frames");
    if (std::holds_alternative<lsp::EndOfInput>(*outcome)) return;
    check(std::holds_alternative<nlohmann::json>(*outcome), "the server writes JSON");
    check(std::get<nlohmann::json>(*outcome).value("jsonrpc", "") == "2.0",
          "every message says jsonrpc 2.0");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A server that stops reading early closes the pipe under the editor thread: EPIPE, not death.
  static const bool sigpipe_ignored = std::signal(SIGPIPE, SIG_IGN) != SIG_ERR;
  check(sigpipe_ignored, "SIGPIPE is ignored");
  int input[2];
  int output[2];
  check(::pipe(input) == 0 && ::pipe(output) == 0, "pipes open");
  std::thread editor([&] {
    for (size_t written = 0; written < size;) {
      const ssize_t n = ::write(input[1], data + written, size - written);
      if (n <= 0) break;  // the server stopped reading (exit, or a header it cannot frame)
      written += static_cast<size_t>(n);
    }
    ::close(input[1]);
  });
  std::thread reader([&] { check_output(output[0]); });
  lsp::LanguageServerOptions options{
      .rules = fuzz::builtin_rules(),
      .complete = [](const nlohmann::json&) -> core::Result<nlohmann::json> {
        return nlohmann::json{{"suggestions", {"x = 1\n", "", "y"}}};
      },
      .scan_delay = std::chrono::milliseconds(0)};
  const int code = lsp::serve(std::move(options), input[0], output[1]);
  ::close(input[0]);  // unblocks an editor thread still writing
  ::close(output[1]);
  editor.join();
  reader.join();
  ::close(output[0]);
  check(code == 0 || code == 1, "the exit status is 0 or 1");
  return 0;
}
