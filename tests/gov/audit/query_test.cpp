// Queries and scans with filters, and the time parser for --since/--until.

#include "gov/audit/query.h"

#include <gtest/gtest.h>

#include <thread>

#include "audit_test_util.h"

namespace ward::gov::testing {
namespace {

using namespace std::chrono_literals;

class AuditQueryTest : public AuditFixture {
 protected:
  void SetUp() override {
    AuditFixture::SetUp();
    log_ = open_log();
    ASSERT_TRUE(log_);
    start_ = clock_.now();
    for (int i = 0; i < 10; ++i) {  // one event a minute
      ASSERT_TRUE(log_->append(sample_event(i)).ok());
      clock_.advance(60s);
    }
  }

  std::vector<std::int64_t> seqs(const AuditQuery& query) {
    auto records = query_audit_events(*db_, query);
    EXPECT_TRUE(records.ok()) << records.error().to_string();
    std::vector<std::int64_t> out;
    if (records.ok()) {
      for (const auto& r : *records) out.push_back(r.seq);
    }
    return out;
  }

  std::unique_ptr<AuditLog> log_;
  core::TimePoint start_;
};

using Seqs = std::vector<std::int64_t>;

TEST_F(AuditQueryTest, NoFilterReturnsEverythingInOrder) {
  EXPECT_EQ(seqs({}), (Seqs{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
}

TEST_F(AuditQueryTest, FiltersByTimeRange) {
  AuditQuery query;
  query.since = start_ + 120s;  // event 3 onwards
  query.until = start_ + 300s;  // before event 6
  EXPECT_EQ(seqs(query), (Seqs{3, 4, 5}));
}

TEST_F(AuditQueryTest, FiltersByTenant) {
  AuditEvent other = sample_event(10);
  other.tenant = "globex";
  ASSERT_TRUE(log_->append(other).ok());
  AuditQuery globex;
  globex.tenant = "globex";
  EXPECT_EQ(seqs(globex), (Seqs{11}));
  AuditQuery acme;
  acme.tenant = "acme";
  EXPECT_EQ(seqs(acme), (Seqs{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  AuditQuery nobody;
  nobody.tenant = "";
  EXPECT_EQ(seqs(nobody), Seqs{});
}

TEST_F(AuditQueryTest, FiltersByActorActionAndOutcome) {
  AuditQuery alice;
  alice.actor = "alice";  // even i: seq 1, 3, 5, 7, 9
  EXPECT_EQ(seqs(alice), (Seqs{1, 3, 5, 7, 9}));
  AuditQuery admin;
  admin.action = "ward:AdminUsers";  // i % 3 == 0: seq 1, 4, 7, 10
  EXPECT_EQ(seqs(admin), (Seqs{1, 4, 7, 10}));
  AuditQuery denied;
  denied.outcome = AuditOutcome::kDenied;  // i % 5 == 4: seq 5, 10
  EXPECT_EQ(seqs(denied), (Seqs{5, 10}));
  AuditQuery both;
  both.actor = "alice";
  both.action = "ward:AdminUsers";
  EXPECT_EQ(seqs(both), (Seqs{1, 7}));
  AuditQuery nobody;
  nobody.actor = "carol";
  EXPECT_TRUE(seqs(nobody).empty());
}

TEST_F(AuditQueryTest, LimitKeepsTheNewestInOrder) {
  AuditQuery query;
  query.limit = 3;
  EXPECT_EQ(seqs(query), (Seqs{8, 9, 10}));
  query.limit = -1;
  EXPECT_FALSE(query_audit_events(*db_, query).ok());
}

TEST_F(AuditQueryTest, ScanVisitsMatchesInOrderAcrossPagesAndStopsWhenAsked) {
  // 600 more events, written by several threads so that group commit keeps this quick.
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) EXPECT_TRUE(log_->append(sample_event(1)).ok());
    });
  }
  for (auto& thread : threads) thread.join();
  std::int64_t visited = 0, last = 0;
  bool ordered = true;
  WARD_ASSERT_OK(scan_audit_events(*db_, {}, [&](const AuditRecord& r) {
    ordered = ordered && r.seq == last + 1;
    last = r.seq;
    ++visited;
    return true;
  }));
  EXPECT_TRUE(ordered);
  EXPECT_EQ(visited, 610);

  AuditQuery bob;
  bob.actor = "bob";
  visited = 0;
  WARD_ASSERT_OK(scan_audit_events(*db_, bob, [&](const AuditRecord&) { return ++visited < 7; }));
  EXPECT_EQ(visited, 7);

  AuditQuery limited;
  limited.limit = 4;
  Seqs scanned;
  WARD_ASSERT_OK(scan_audit_events(*db_, limited, [&](const AuditRecord& r) {
    scanned.push_back(r.seq);
    return true;
  }));
  EXPECT_EQ(scanned, (Seqs{1, 2, 3, 4}));
}

TEST(AuditTimeTest, ParsesRfc3339AndDates) {
  const auto at = [](std::string_view text) {
    auto parsed = parse_audit_time(text);
    EXPECT_TRUE(parsed.ok()) << text;
    return parsed.ok() ? core::format_rfc3339(*parsed) : std::string();
  };
  EXPECT_EQ(at("2026-05-01T12:30:05Z"), "2026-05-01T12:30:05.000Z");
  EXPECT_EQ(at("2026-05-01t12:30:05.25z"), "2026-05-01T12:30:05.250Z");
  EXPECT_EQ(at("2026-05-01T12:30:05.123456789Z"), "2026-05-01T12:30:05.123Z");
  EXPECT_EQ(at("2026-05-01T12:30:05+02:00"), "2026-05-01T10:30:05.000Z");
  EXPECT_EQ(at("2026-05-01T00:30:05-01:30"), "2026-05-01T02:00:05.000Z");
  EXPECT_EQ(at("2026-05-01"), "2026-05-01T00:00:00.000Z");
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-02-30", "2026-05-01T12:30:05",
                          "2026-05-01T25:00:00Z", "2026-05-01T12:30Z", "2026-05-01T12:30:05.Z",
                          "2026-05-01T12:30:05+0200", "2026-05-01T12:30:05Zjunk"}) {
    auto parsed = parse_audit_time(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_NE(parsed.error().message().find("RFC 3339"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace ward::gov::testing
