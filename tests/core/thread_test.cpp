// StackThread: the stack is the size asked for, whatever the environment's default, and the body's
// effects are seen after join.

#include "core/thread.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <system_error>
#include <vector>

namespace ward::core {
namespace {

size_t own_stack_size() {
  pthread_attr_t attributes;
  EXPECT_EQ(pthread_getattr_np(pthread_self(), &attributes), 0);
  size_t size = 0;
  EXPECT_EQ(pthread_attr_getstacksize(&attributes, &size), 0);
  pthread_attr_destroy(&attributes);
  return size;
}

// Uses about `bytes` of stack, a kilobyte a level; returns the number of levels.
size_t use_stack(size_t bytes) {
  volatile char frame[1024];
  frame[0] = 1;
  if (bytes <= sizeof(frame)) return frame[0];
  const size_t below = use_stack(bytes - sizeof(frame));
  return below + frame[0];  // the frame is live across the call, so it cannot become a loop
}

TEST(StackThread, HasTheStackAskedFor) {
  for (size_t mib : {1, 64, 256}) {
    size_t seen = 0;
    run_with_stack(mib << 20, [&] { seen = own_stack_size(); });
    EXPECT_GE(seen, mib << 20);
  }
}

TEST(StackThread, BodyMayUseMoreThanTheDefaultStack) {
  // 24 MiB is three times glibc's usual default for new threads (RLIMIT_STACK, 8 MiB).
  size_t levels = 0;
  run_with_stack(size_t{64} << 20, [&] { levels = use_stack(size_t{24} << 20); });
  EXPECT_EQ(levels, (size_t{24} << 20) / 1024);
}

TEST(StackThread, ThreadsRunTogetherAndJoin) {
  std::atomic<int> done{0};
  {
    std::vector<StackThread> threads;
    for (int i = 0; i < 4; ++i) threads.emplace_back(size_t{1} << 20, [&] { ++done; });
    threads[0].join();
    threads[0].join();  // a second join does nothing
  }                     // the others are joined by their destructors
  EXPECT_EQ(done.load(), 4);
}

TEST(StackThread, ImpossibleStackIsAnError) {
  // Below PTHREAD_STACK_MIN: pthread_attr_setstacksize refuses it.
  EXPECT_THROW(run_with_stack(1, [] {}), std::system_error);
}

}  // namespace
}  // namespace ward::core
