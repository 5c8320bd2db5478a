// Faults: a writer killed at random points, and a full disk.

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <set>

#include "audit_test_util.h"
#include "gov/audit/query.h"

namespace ward::gov::testing {
namespace {

using namespace std::chrono_literals;

// The child: appends events forever, writing each acknowledged sequence number to `fd`.
[[noreturn]] void append_forever(const std::filesystem::path& file,
                                 const crypto::Ed25519KeyPair& key, int fd) {
  auto db = store::open_sqlite(file, {});
  if (!db) _exit(10);
  AuditLogOptions options;
  options.checkpoint_every_events = 7;
  options.checkpoint_interval = 3ms;  // the background thread signs too, at random moments
  options.checkpoint_on_close = false;
  auto log = AuditLog::open(**db, key, core::system_clock(), options);
  if (!log) _exit(11);
  for (int i = 0;; ++i) {
    auto receipt = (*log)->append(sample_event(i));
    if (!receipt) _exit(12);
    const std::int64_t seq = receipt->seq;
    if (::write(fd, &seq, sizeof seq) != static_cast<ssize_t>(sizeof seq)) _exit(13);
  }
}

// Reads whole sequence numbers from `fd` until `deadline` (or EOF when `deadline` is null), or
// until `enough` have arrived.
void read_acks(int fd, std::vector<std::int64_t>& acks,
               std::optional<std::chrono::steady_clock::time_point> deadline,
               std::size_t enough = SIZE_MAX) {
  std::size_t got = 0;
  std::int64_t seq = 0;
  std::size_t have = 0;
  auto* bytes = reinterpret_cast<char*>(&seq);
  while (true) {
    int timeout_ms = -1;
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return;
      timeout_ms = static_cast<int>(left.count());
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) continue;
    ssize_t n = ::read(fd, bytes + have, sizeof seq - have);
    if (n <= 0) return;
    have += static_cast<std::size_t>(n);
    if (have == sizeof seq) {
      acks.push_back(seq);
      have = 0;
      if (++got >= enough) return;
    }
  }
}

TEST(AuditFaultTest, KilledWriterLosesNoAcknowledgedEvent) {
  ward::test::TempDir dir;
  const auto file = dir / "ward.db";
  {
    auto db = store::open_sqlite(file, {});
    ASSERT_TRUE(db.ok());
    WARD_ASSERT_OK(migrate_audit(**db));
  }
  auto key = crypto::Ed25519KeyPair::generate();
  ASSERT_TRUE(key.ok());
  const unsigned seed = std::random_device{}();
  std::mt19937 random(seed);
  SCOPED_TRACE("random seed " + std::to_string(seed));

  std::vector<std::int64_t> acks;
  constexpr int kRounds = 8;
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::fflush(stdout);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      append_forever(file, *key, fds[1]);
    }
    ::close(fds[1]);
    const std::size_t before = acks.size();
    // Let the child get going (first ack), then kill it after a random 5–155 ms.
    read_acks(fds[0], acks, std::chrono::steady_clock::now() + 10s, 1);
    read_acks(fds[0], acks,
              std::chrono::steady_clock::now() + std::chrono::milliseconds(5 + random() % 150));
    ::kill(pid, SIGKILL);
    read_acks(fds[0], acks, std::nullopt);  // what was acknowledged before the kill
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer stopped by itself with status " << status;
    ASSERT_GT(acks.size(), before) << "round " << round << " acknowledged nothing";
  }

  ASSERT_TRUE(std::is_sorted(acks.begin(), acks.end()));
  auto db = store::open_sqlite(file, {});
  ASSERT_TRUE(db.ok());
  auto report = verify_audit_log(**db, key->public_key());
  ASSERT_TRUE(report.ok()) << report.error().to_string();
  EXPECT_TRUE(report->intact()) << report->summary();
  EXPECT_GE(report->last_seq, acks.back());
  std::set<std::int64_t> stored;
  WARD_ASSERT_OK(scan_audit_events(**db, {}, [&](const AuditRecord& r) {
    stored.insert(r.seq);
    return true;
  }));
  for (std::int64_t seq : acks)
    EXPECT_TRUE(stored.count(seq)) << "acknowledged event " << seq << " lost";
  std::printf("%d writers killed; %zu acknowledged events, %lld stored, %lld checkpoints\n",
              kRounds, acks.size(), static_cast<long long>(stored.size()),
              static_cast<long long>(report->checkpoints));
}

std::string integrity_check(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  std::string result;
  sqlite3_exec(
      db, "PRAGMA integrity_check",
      [](void* out, int, char** values, char**) {
        *static_cast<std::string*>(out) += values[0] ? values[0] : "";
        return 0;
      },
      &result, nullptr);
  sqlite3_close(db);
  return result;
}

class AuditDiskFullTest : public AuditFixture {
 protected:
  void limit_pages(const std::string& limit) {
    auto tx = db_->begin({store::Access::kReadWrite, store::Durability::kNormal});
    ASSERT_TRUE(tx.ok());
    std::string value = limit;
    if (limit == "current") {
      auto row = (*tx)->query_one("PRAGMA page_count");
      ASSERT_TRUE(row.ok() && row->has_value());
      value = std::to_string(*(*row)->get_int(0) + 1);
    }
    auto set = (*tx)->query("PRAGMA max_page_count = " + value);
    ASSERT_TRUE(set.ok()) << set.error().to_string();
    WARD_ASSERT_OK((*tx)->commit());
  }
};

TEST_F(AuditDiskFullTest, FullDiskRefusesTheActionAndCorruptsNothing) {
  AuditLogOptions options = quiet_options();
  options.checkpoint_every_events = 5;
  auto log = open_log(options);
  std::vector<AuditReceipt> receipts;
  for (int i = 0; i < 12; ++i) receipts.push_back(*log->append(sample_event(i)));

  limit_pages("current");  // SQLite now answers SQLITE_FULL once the file would grow
  std::optional<core::Error> refusal;
  for (int i = 0; i < 400 && !refusal; ++i) {
    AuditEvent big = sample_event(i);
    big.params.set("path", std::string(kAuditMaxParamValue, static_cast<char>('a' + i % 26)));
    auto receipt = log->append(big);
    if (receipt.ok()) {
      receipts.push_back(*receipt);
    } else {
      refusal = receipt.error();
    }
  }
  ASSERT_TRUE(refusal.has_value()) << "the page limit never made an append fail";
  EXPECT_EQ(refusal->code(), core::Code::kResourceExhausted) << refusal->to_string();
  EXPECT_NE(refusal->message().find("must be refused"), std::string::npos) << refusal->to_string();
  EXPECT_NE(refusal->message().find("disk"), std::string::npos) << refusal->to_string();
  // Later appends are refused too, and leave nothing behind.
  EXPECT_FALSE(log->append(sample_event(1000)).ok());

  // Everything acknowledged is there, nothing else, and the chain verifies.
  auto report = verify();
  EXPECT_TRUE(report.intact()) << report.summary();
  EXPECT_EQ(report.last_seq, receipts.back().seq);
  EXPECT_EQ(report.head_hash, receipts.back().hash);
  EXPECT_EQ(integrity_check(file()), "ok");

  // Space again: appending resumes on the same chain.
  limit_pages("1073741823");
  auto resumed = log->append(sample_event(99));
  ASSERT_TRUE(resumed.ok()) << resumed.error().to_string();
  EXPECT_EQ(resumed->seq, receipts.back().seq + 1);
  WARD_ASSERT_OK(log->checkpoint());
  report = verify();
  EXPECT_TRUE(report.intact()) << report.summary();
  EXPECT_EQ(report.unsigned_events, 0);
  EXPECT_EQ(integrity_check(file()), "ok");
}

}  // namespace
}  // namespace ward::gov::testing
