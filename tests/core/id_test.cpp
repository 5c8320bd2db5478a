#include "core/id.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace ward::core {
namespace {

TEST(UuidTest, Version7WithRfcVariantAndTimestamp) {
  ManualClock clock(TimePoint(std::chrono::milliseconds(0x0123456789ab)));
  IdGenerator generator(clock);
  Uuid id = generator.next();
  EXPECT_EQ(id.version(), 7);
  EXPECT_EQ(id.bytes()[8] & 0xc0, 0x80);
  EXPECT_EQ(id.to_string().substr(0, 13), "01234567-89ab");
}

TEST(UuidTest, StrictlyIncreasingWithinOneMillisecondAndWhenClockStepsBack) {
  ManualClock clock(TimePoint(std::chrono::milliseconds(1'700'000'000'000)));
  IdGenerator generator(clock);
  Uuid previous = generator.next();
  for (int i = 0; i < 10000; ++i) {
    if (i == 5000) clock.advance(std::chrono::milliseconds(-10));
    Uuid next = generator.next();
    ASSERT_LT(previous, next) << i;
    ASSERT_LT(previous.to_string(), next.to_string()) << i;  // text order matches byte order
    previous = next;
  }
}

TEST(UuidTest, UniqueAcrossThreads) {
  IdGenerator generator;
  std::vector<std::vector<Uuid>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& ids : per_thread) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) ids.push_back(generator.next());
    });
  }
  for (auto& t : threads) t.join();
  std::set<Uuid> all;
  for (auto& ids : per_thread) all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), 8000u);
}

TEST(UuidTest, ParseRoundTripsAndRejectsMalformed) {
  Uuid id = new_id();
  auto parsed = Uuid::parse(id.to_string());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, id);
  EXPECT_FALSE(Uuid::parse("01932c07-a7d8-7f3e-8b1c-3a2f9d4e5b6").ok());
  EXPECT_FALSE(Uuid::parse("01932c07xa7d8-7f3e-8b1c-3a2f9d4e5b6c").ok());
  EXPECT_FALSE(Uuid::parse("01932c07-a7d8-7f3e-8b1c-3a2f9d4e5g6c").ok());
}

TEST(ClockTest, FormatsRfc3339InUtc) {
  TimePoint t = TimePoint(std::chrono::milliseconds(1'795'687'200'123));  // 2026-11-26T10:00:00.123Z
  EXPECT_EQ(format_rfc3339(t), "2026-11-26T10:00:00.123Z");
  EXPECT_EQ(format_rfc3339(TimePoint{}), "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace ward::core
