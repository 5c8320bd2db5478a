#pragma once
// A thread whose stack size is chosen by the caller instead of inherited from the environment
// (RLIMIT_STACK, which an administrator may set low, or a library's thread pool): for work whose
// recursion is bounded by its input's nesting, such as the scanner's analyses of a syntax tree.
// Like std::thread it throws std::system_error when no thread can be started; unlike it, the
// destructor joins.

#include <cstddef>
#include <functional>
#include <memory>

namespace ward::core {

class StackThread {
 public:
  StackThread(std::size_t stack_bytes, std::function<void()> body);
  StackThread(StackThread&& other) noexcept;
  StackThread& operator=(StackThread&&) = delete;
  StackThread(const StackThread&) = delete;
  ~StackThread();

  void join();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Runs `body` on a new thread with a stack of `stack_bytes` and waits for it.
void run_with_stack(std::size_t stack_bytes, const std::function<void()>& body);

}  // namespace ward::core
