#include "support/test_support.h"

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace ward::test {
namespace fs = std::filesystem;

fs::path fixture(const std::string& relative) {
  fs::path path = fs::path(WARD_FIXTURES_DIR) / relative;
  EXPECT_TRUE(fs::exists(path)) << "missing fixture " << path;
  return path;
}

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path candidate = fs::temp_directory_path() / ("ward-test-" + std::to_string(rd()));
    std::error_code ec;
    if (fs::create_directory(candidate, ec)) {
      path_ = candidate;
      return;
    }
  }
  ADD_FAILURE() << "could not create a temporary directory";
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) {
    // Restore write permission on anything a test made read-only so it can be removed.
    for (auto it = fs::recursive_directory_iterator(path_, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
}

void run_without_root(const TempDir& dir, const std::function<void()>& body) {
  if (::geteuid() != 0) {
    body();
    return;
  }
  constexpr uid_t kNobody = 65534;
  constexpr gid_t kNogroup = 65534;
  std::error_code ec;
  ASSERT_EQ(::chown(dir.path().c_str(), kNobody, kNogroup), 0);
  for (auto it = fs::recursive_directory_iterator(dir.path(), ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    ASSERT_EQ(::lchown(it->path().c_str(), kNobody, kNogroup), 0) << it->path();
  }
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(kNogroup) != 0 || ::setuid(kNobody) != 0) _exit(2);
    body();
    std::fflush(stdout);
    _exit(::testing::Test::HasFailure() ? 1 : 0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the unprivileged part of this test failed (see above)";
}

fs::path ward_binary() { return fs::path(WARD_BINARY_PATH); }

fs::path find_on_path(std::string_view program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    const fs::path candidate = fs::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

void write_text(const fs::path& path, const std::string& text) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << "could not write " << path;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

namespace {

// Forks and execs `ward args` with stdout/stderr redirected to the given fds and stdin read from
// `in_path` (/dev/null when empty); returns the pid.
int spawn(const fs::path& program, const std::vector<std::string>& args,
          const std::map<std::string, std::string>& env, const fs::path& cwd, int out_fd,
          int err_fd, const fs::path& in_path = {}) {
  std::vector<std::string> env_strings = {"PATH=/usr/bin:/bin"};
  if (const char* home = std::getenv("HOME")) env_strings.push_back(std::string("HOME=") + home);
  for (const auto& [key, value] : env) env_strings.push_back(key + "=" + value);

  std::string binary = program.string();
  std::vector<char*> argv = {binary.data()};
  std::vector<std::string> arg_copies = args;
  for (auto& a : arg_copies) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = fork();
  if (pid == 0) {
    int in_fd = open(in_path.empty() ? "/dev/null" : in_path.c_str(), O_RDONLY);
    dup2(in_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(127);
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

int wait_exit_code(int pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

ProcessResult run_ward(const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env, const fs::path& cwd,
                       const std::optional<std::string>& stdin_text) {
  return run_program(ward_binary(), args, env, cwd, stdin_text);
}

ProcessResult run_program(const fs::path& program, const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env, const fs::path& cwd,
                          const std::optional<std::string>& stdin_text) {
  TempDir logs;
  fs::path out_path = logs / "stdout", err_path = logs / "stderr", in_path;
  if (stdin_text) {
    in_path = logs / "stdin";
    write_text(in_path, *stdin_text);
  }
  int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int pid = spawn(program, args, env, cwd, out_fd, err_fd, in_path);
  close(out_fd);
  close(err_fd);
  ProcessResult result;
  result.exit_code = wait_exit_code(pid);
  result.out = read_text(out_path);
  result.err = read_text(err_path);
  return result;
}

BackgroundWard::BackgroundWard(const std::vector<std::string>& args,
                               const std::map<std::string, std::string>& env) {
  int out_fd = open((logs_ / "stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int err_fd = open((logs_ / "stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_ = spawn(ward_binary(), args, env, {}, out_fd, err_fd);
  close(out_fd);
  close(err_fd);
}

BackgroundWard::~BackgroundWard() {
  if (pid_ > 0) stop(SIGKILL);
}

std::string BackgroundWard::wait_for_line(const std::string& needle, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    std::istringstream lines(out());
    for (std::string line; std::getline(lines, line);) {
      if (line.find(needle) != std::string::npos) return line;
    }
    if (pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;  // exited before printing the line
      return "";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "";
}

int BackgroundWard::stop(int signal_number) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal_number);
  int code = wait_exit_code(pid_);
  pid_ = -1;
  return code;
}

std::string BackgroundWard::out() const { return read_text(logs_ / "stdout"); }
std::string BackgroundWard::err() const { return read_text(logs_ / "stderr"); }

}  // namespace ward::test
