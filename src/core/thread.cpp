#include "core/thread.h"

#include <pthread.h>

#include <system_error>

namespace ward::core {

struct StackThread::State {
  pthread_t thread{};
  std::function<void()> body;
  bool joinable = false;
};

namespace {

void* run_body(void* state) {
  static_cast<std::function<void()>*>(state)->operator()();
  return nullptr;
}

}  // namespace

StackThread::StackThread(std::size_t stack_bytes, std::function<void()> body)
    : state_(std::make_unique<State>()) {
  state_->body = std::move(body);
  pthread_attr_t attributes;
  if (int error = pthread_attr_init(&attributes); error != 0) {
    throw std::system_error(error, std::generic_category(), "pthread_attr_init");
  }
  int error = pthread_attr_setstacksize(&attributes, stack_bytes);
  if (error == 0) error = pthread_create(&state_->thread, &attributes, run_body, &state_->body);
  pthread_attr_destroy(&attributes);
  if (error != 0) throw std::system_error(error, std::generic_category(), "starting a thread");
  state_->joinable = true;
}

StackThread::StackThread(StackThread&& other) noexcept = default;

StackThread::~StackThread() {
  join();
}

void StackThread::join() {
  if (!state_ || !state_->joinable) return;
  pthread_join(state_->thread, nullptr);
  state_->joinable = false;
}

void run_with_stack(std::size_t stack_bytes, const std::function<void()>& body) {
  StackThread(stack_bytes, body).join();
}

}  // namespace ward::core
