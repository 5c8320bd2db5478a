#pragma once
// Helpers shared by Ward's tests: fixture paths, scratch directories, and running the real `ward`
// binary as a subprocess. Single-threaded use within one test.

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ward::test {

// ../shared/fixtures/<relative>, failing the test if it does not exist.
std::filesystem::path fixture(const std::string& relative);

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Runs `body` as a user without root's power to ignore file permissions, so that permission errors
// can be tested in CI, which runs as root. As root: hands everything under `dir` to the user
// `nobody`, runs `body` in a forked child under that user, and fails the calling test if any
// assertion in the child failed. As any other user: runs `body` directly.
void run_without_root(const TempDir& dir, const std::function<void()>& body);

// The path of the `ward` executable built alongside the tests.
std::filesystem::path ward_binary();

// The first executable called `program` in a directory of $PATH (e.g. "node"); empty when none.
std::filesystem::path find_on_path(std::string_view program);

struct ProcessResult {
  int exit_code = -1;  // -1 when the process was killed by a signal
  std::string out;
  std::string err;
};

// Runs `ward args...` with `env` added to a minimal environment (PATH, HOME) and with `cwd` as
// working directory; waits for it and captures stdout and stderr. Standard input is `stdin_text`
// when given, else empty (/dev/null).
ProcessResult run_ward(const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env = {},
                       const std::filesystem::path& cwd = {},
                       const std::optional<std::string>& stdin_text = std::nullopt);

// The same for any program (an absolute path, e.g. from find_on_path).
ProcessResult run_program(const std::filesystem::path& program,
                          const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env = {},
                          const std::filesystem::path& cwd = {},
                          const std::optional<std::string>& stdin_text = std::nullopt);

// A `ward` process running in the background, for tests of long-running commands (`ward serve`).
// Its stdout and stderr go to files in a scratch directory; the destructor kills it if still running.
class BackgroundWard {
 public:
  BackgroundWard(const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env = {});
  ~BackgroundWard();
  BackgroundWard(const BackgroundWard&) = delete;
  BackgroundWard& operator=(const BackgroundWard&) = delete;

  // Waits up to `timeout_ms` for a stdout line containing `needle`; returns that line or "".
  std::string wait_for_line(const std::string& needle, int timeout_ms = 20000);
  // Sends `signal` and waits for exit; returns the exit code (-1 if killed by a signal).
  int stop(int signal_number);
  std::string out() const;
  std::string err() const;

 private:
  TempDir logs_;
  int pid_ = -1;
};

// Writes `text` to `path`, creating parent directories.
void write_text(const std::filesystem::path& path, const std::string& text);
std::string read_text(const std::filesystem::path& path);

}  // namespace ward::test
