#include "infer/fim/llama_cpp_oracle.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/test_support.h"

namespace ward::test {
namespace {

namespace fs = std::filesystem;

fs::path find_node() { return find_on_path("node"); }

// Runs `argv` with stdout and stderr sent to files; returns the exit code (-1 if it did not exit).
int run(const std::vector<std::string>& args, const fs::path& out, const fs::path& err) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!std::freopen(out.c_str(), "w", stdout) || !std::freopen(err.c_str(), "w", stderr)) {
      ::_exit(126);
    }
    std::vector<char*> argv;
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

}  // namespace

std::vector<std::vector<int32_t>> llama_cpp_tokenize(const std::vector<OracleRequest>& requests) {
  const fs::path node = find_node();
  const fs::path root = WARD_SOURCE_DIR;
  if (node.empty()) {
    ADD_FAILURE() << "Node.js (node) is not on PATH; run scripts/setup, which installs it and "
                     "node-llama-cpp, the llama.cpp these tests compare with";
    return {};
  }
  if (!fs::exists(root / "node_modules/node-llama-cpp/package.json")) {
    ADD_FAILURE() << "node-llama-cpp is not installed in " << root / "node_modules"
                  << "; run scripts/setup (npm ci from package-lock.json)";
    return {};
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& request : requests) {
    list.push_back(
        {{"vocab", request.vocab.string()}, {"text", request.text}, {"special", request.special}});
  }
  TempDir dir;
  write_text(dir / "requests.json", list.dump());
  const int code =
      run({node.string(), (root / "tests/infer/fim/oracle/llama_cpp_tokenize.mjs").string(),
           (dir / "requests.json").string()},
          dir / "out", dir / "err");
  const std::string out = read_text(dir / "out");
  if (code != 0) {
    ADD_FAILURE() << "the llama.cpp oracle failed (exit " << code
                  << "): " << read_text(dir / "err");
    return {};
  }
  auto json = nlohmann::json::parse(out, nullptr, false);
  if (json.is_discarded() || !json.is_array() || json.size() != requests.size()) {
    ADD_FAILURE() << "the llama.cpp oracle printed something unexpected: " << out;
    return {};
  }
  return json.get<std::vector<std::vector<int32_t>>>();
}

}  // namespace ward::test
