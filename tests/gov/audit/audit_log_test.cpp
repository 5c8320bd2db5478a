// Appending: the chain, checkpoints, group commit, several writers, erasure.

#include "gov/audit/audit_log.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "audit_test_util.h"
#include "gov/audit/query.h"

namespace ward::gov::testing {
namespace {

using namespace std::chrono_literals;

class AuditLogTest : public AuditFixture {};

std::vector<std::int64_t> checkpoint_seqs(store::Database& db) {
  auto tx = db.begin({store::Access::kReadOnly, store::Durability::kNormal});
  EXPECT_TRUE(tx.ok());
  auto rows = (*tx)->query("SELECT seq FROM audit_checkpoints ORDER BY seq");
  EXPECT_TRUE(rows.ok());
  std::vector<std::int64_t> out;
  for (const auto& row : *rows) out.push_back(*row.get_int("seq"));
  return out;
}

TEST_F(AuditLogTest, AppendNumbersEventsAndChainsTheirHashes) {
  auto log = open_log();
  crypto::Sha256Digest previous = audit_genesis_hash();
  for (int i = 1; i <= 3; ++i) {
    auto receipt = log->append(sample_event(i));
    ASSERT_TRUE(receipt.ok()) << receipt.error().to_string();
    EXPECT_EQ(receipt->seq, i);
    auto parsed = core::Uuid::parse(receipt->id);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->version(), 7);
    EXPECT_EQ(receipt->time, core::format_rfc3339(clock_.now()));
    auto records = query_audit_events(*db_, {});
    ASSERT_TRUE(records.ok());
    const AuditRecord& stored = records->back();
    EXPECT_EQ(stored.id, receipt->id);
    auto canonical = audit_canonical_event(stored);
    ASSERT_TRUE(canonical.ok());
    EXPECT_EQ(receipt->hash, audit_chain_hash(previous, *canonical));
    EXPECT_EQ(stored.hash, receipt->hash);
    previous = receipt->hash;
  }
  auto report = verify();
  EXPECT_TRUE(report.intact()) << report.summary();
  EXPECT_EQ(report.events, 3);
  EXPECT_EQ(report.head_hash, previous);
}

TEST_F(AuditLogTest, StoresExactlyWhatWasGivenAfterCleaning) {
  auto log = open_log();
  AuditEvent event = sample_event(2);
  event.actor.user_agent = std::string(2000, 'u') + "\xFF";
  event.outcome = AuditOutcome::kError;
  event.error_code = "unavailable";
  ASSERT_TRUE(log->append(event).ok());
  auto records = query_audit_events(*db_, {});
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  const AuditRecord& r = records->front();
  EXPECT_EQ(r.tenant, "acme");
  EXPECT_EQ(r.actor.user, "alice");
  EXPECT_EQ(r.actor.auth_method, "token");
  EXPECT_EQ(r.actor.token_id, "tok-2");
  EXPECT_EQ(r.actor.source_ip, "192.0.2.7");
  EXPECT_EQ(r.actor.user_agent, std::string(kAuditMaxUserAgent, 'u'));
  EXPECT_EQ(r.action, "ward:Complete");
  EXPECT_EQ(r.resource, "ward:eu-west:acme:workspace/ws-2");
  EXPECT_EQ(r.params["workspace"], "ws-2");
  EXPECT_EQ(r.params["attempt"], 2);
  EXPECT_EQ(r.params["prompt"]["length"], 15);
  EXPECT_EQ(r.outcome, AuditOutcome::kError);
  EXPECT_EQ(r.error_code, "unavailable");
  EXPECT_EQ(r.latency_ms, 12);
  EXPECT_EQ(r.region, "eu-west");
  EXPECT_FALSE(r.erased);
  EXPECT_TRUE(verify().intact());
}

TEST_F(AuditLogTest, RefusesMalformedEventsAndWritesNothing) {
  auto log = open_log();
  AuditEvent no_action = sample_event(1);
  no_action.action.clear();
  auto refused = log->append(no_action);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), core::Code::kInvalidArgument);
  EXPECT_NE(refused.error().message().find("must be refused"), std::string::npos);

  AuditEvent secret = sample_event(1);
  secret.params.set("password", "hunter2");
  refused = log->append(secret);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().to_string().find("password"), std::string::npos);

  AuditEvent negative = sample_event(1);
  negative.latency_ms = -1;
  EXPECT_FALSE(log->append(negative).ok());
  EXPECT_EQ(count("audit_events"), 0);
}

TEST_F(AuditLogTest, ChecksOptions) {
  AuditLogOptions options = quiet_options();
  options.checkpoint_every_events = 0;
  EXPECT_FALSE(AuditLog::open(*db_, *key_, clock_, options).ok());
  options = quiet_options();
  options.checkpoint_interval = 0ms;
  EXPECT_FALSE(AuditLog::open(*db_, *key_, clock_, options).ok());
}

TEST_F(AuditLogTest, SignsACheckpointEveryNEventsAndOnShutdown) {
  AuditLogOptions options = quiet_options();
  options.checkpoint_every_events = 5;
  auto log = open_log(options);
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(log->append(sample_event(i)).ok());
  EXPECT_EQ(checkpoint_seqs(*db_), (std::vector<std::int64_t>{5, 10}));
  WARD_ASSERT_OK(log->checkpoint());
  WARD_ASSERT_OK(log->checkpoint());  // the head is covered: nothing new
  EXPECT_EQ(checkpoint_seqs(*db_), (std::vector<std::int64_t>{5, 10, 12}));
  auto report = verify();
  EXPECT_TRUE(report.intact()) << report.summary();
  EXPECT_EQ(report.checkpoints, 3);
  EXPECT_EQ(report.last_checkpoint_seq, 12);
  EXPECT_EQ(report.last_checkpoint_reason, "shutdown");
  EXPECT_EQ(report.unsigned_events, 0);
}

TEST_F(AuditLogTest, SignsACheckpointAfterTheIntervalWithTheNextEventOrWhenAsked) {
  AuditLogOptions options = quiet_options();
  options.checkpoint_interval = 10s;
  auto log = open_log(options);
  ASSERT_TRUE(log->append(sample_event(1)).ok());
  WARD_ASSERT_OK(log->checkpoint_if_due());
  EXPECT_TRUE(checkpoint_seqs(*db_).empty());
  clock_.advance(11s);
  ASSERT_TRUE(log->append(sample_event(2)).ok());
  EXPECT_EQ(checkpoint_seqs(*db_), (std::vector<std::int64_t>{2}));
  ASSERT_TRUE(log->append(sample_event(3)).ok());
  WARD_ASSERT_OK(log->checkpoint_if_due());
  EXPECT_EQ(checkpoint_seqs(*db_), (std::vector<std::int64_t>{2}));
  clock_.advance(10s);
  WARD_ASSERT_OK(log->checkpoint_if_due());
  EXPECT_EQ(checkpoint_seqs(*db_), (std::vector<std::int64_t>{2, 3}));
}

TEST_F(AuditLogTest, BackgroundThreadSignsAnIdleTail) {
  AuditLogOptions options;
  options.checkpoint_interval = 20ms;
  options.checkpoint_on_close = false;
  auto log = AuditLog::open(*db_, *key_, core::system_clock(), options);
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->append(sample_event(1)).ok());
  for (int i = 0; i < 500 && checkpoint_seqs(*db_).empty(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(checkpoint_seqs(*db_), (std::vector<std::int64_t>{1}));
}

TEST_F(AuditLogTest, ClosingWritesTheShutdownCheckpoint) {
  AuditLogOptions options = quiet_options();
  options.checkpoint_on_close = true;
  {
    auto log = open_log(options);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(log->append(sample_event(i)).ok());
  }
  EXPECT_EQ(checkpoint_seqs(*db_), (std::vector<std::int64_t>{3}));
  EXPECT_EQ(verify().last_checkpoint_reason, "shutdown");
}

TEST_F(AuditLogTest, EmptyLogHasNothingToSign) {
  auto log = open_log();
  WARD_ASSERT_OK(log->checkpoint());
  EXPECT_EQ(count("audit_checkpoints"), 0);
  auto report = verify();
  EXPECT_TRUE(report.intact());
  EXPECT_EQ(report.events, 0);
}

TEST_F(AuditLogTest, CheckpointSignatureCoversItsDocumentedMessage) {
  auto log = open_log();
  auto receipt = log->append(sample_event(1));
  ASSERT_TRUE(receipt.ok());
  WARD_ASSERT_OK(log->checkpoint());
  auto tx = db_->begin({store::Access::kReadOnly, store::Durability::kNormal});
  auto row = (*tx)->query_one("SELECT seq, time, key_id, reason, signature FROM audit_checkpoints");
  ASSERT_TRUE(row.ok() && row->has_value());
  const std::string key_id = *(*row)->get_text("key_id");
  EXPECT_EQ(key_id, crypto::to_hex(crypto::sha256(key_->public_key())).substr(0, 16));
  const std::string message =
      audit_checkpoint_message(1, receipt->hash, *(*row)->get_text("time"), key_id, "shutdown");
  EXPECT_EQ(message, R"({"head_hash":")" + crypto::to_hex(receipt->hash) + R"(","key_id":")" +
                         key_id + R"(","reason":"shutdown","seq":1,"time":")" +
                         *(*row)->get_text("time") + R"(","type":"ward.audit.checkpoint.v1"})");
  auto signature = (*row)->get_blob("signature");
  EXPECT_TRUE(
      crypto::verify(key_->public_key(), crypto::byte_view(message), signature->bytes).ok());
}

TEST_F(AuditLogTest, ConcurrentAppendsFormOneChain) {
  AuditLogOptions options = quiet_options();
  options.checkpoint_every_events = 37;
  auto log = open_log(options);
  constexpr int kThreads = 8, kEach = 40;
  std::vector<std::vector<std::int64_t>> seqs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto receipt = log->append(sample_event(t * kEach + i));
        if (receipt.ok()) seqs[t].push_back(receipt->seq);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::int64_t> all;
  for (const auto& list : seqs) {
    EXPECT_EQ(list.size(), static_cast<std::size_t>(kEach));
    EXPECT_TRUE(std::is_sorted(list.begin(), list.end()));
    all.insert(list.begin(), list.end());
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(*all.rbegin(), kThreads * kEach);
  auto report = verify();
  EXPECT_TRUE(report.intact()) << report.summary();
  EXPECT_EQ(report.events, kThreads * kEach);
  EXPECT_GE(report.checkpoints, (kThreads * kEach) / 37);
}

// Two connections to one file stand for two processes (`ward serve` and a `ward audit` command).
TEST_F(AuditLogTest, TwoWritersOnOneFileKeepOneChain) {
  auto other_db = store::open_sqlite(file(), {});
  ASSERT_TRUE(other_db.ok());
  auto other_key = crypto::Ed25519KeyPair::from_seed(*key_->seed());
  ASSERT_TRUE(other_key.ok());
  auto first = open_log();
  auto second = AuditLog::open(**other_db, *other_key, clock_, quiet_options());
  ASSERT_TRUE(second.ok());
  for (int i = 0; i < 10; ++i) {
    auto receipt = (i % 2 ? first : *second)->append(sample_event(i));
    ASSERT_TRUE(receipt.ok());
    EXPECT_EQ(receipt->seq, i + 1);
  }
  WARD_ASSERT_OK((*second)->checkpoint());
  auto report = verify();
  EXPECT_TRUE(report.intact()) << report.summary();
  EXPECT_EQ(report.events, 10);
}

TEST_F(AuditLogTest, RefusesToAppendToATruncatedLog) {
  auto log = open_log();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(log->append(sample_event(i)).ok());
  WARD_ASSERT_OK(log->checkpoint());
  raw_sql(file(), "DELETE FROM audit_events WHERE seq >= 4");
  auto refused = log->append(sample_event(9));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), core::Code::kDataLoss);
  EXPECT_NE(refused.error().message().find("truncated"), std::string::npos);
}

TEST_F(AuditLogTest, ErasingAUsersPersonalDataKeepsTheChainVerifiable) {
  auto log = open_log();
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(log->append(sample_event(i)).ok());  // alice: 0, 2, 4
  WARD_ASSERT_OK(log->checkpoint());
  AuditEvent namesake = sample_event(0);  // another tenant's alice is another person
  namesake.tenant = "globex";
  ASSERT_TRUE(log->append(namesake).ok());
  auto erased = log->erase_personal_data("acme", "alice");
  ASSERT_TRUE(erased.ok()) << erased.error().to_string();
  EXPECT_EQ(*erased, 3);
  auto again = log->erase_personal_data("acme", "alice");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);

  auto report = verify();
  EXPECT_TRUE(report.intact()) << report.summary();
  EXPECT_EQ(report.erased_events, 3);
  EXPECT_EQ(report.events, 9);  // seven events and two erasure records
  auto records = query_audit_events(*db_, {});
  ASSERT_TRUE(records.ok());
  int erased_count = 0;
  for (const auto& r : *records) {
    if (r.tenant == "acme") {
      EXPECT_NE(r.actor.user, "alice");
    }
    if (r.erased) {
      ++erased_count;
      EXPECT_EQ(r.actor.source_ip, "");
      EXPECT_EQ(r.actor.auth_method, "token");  // not personal: kept
    }
  }
  EXPECT_EQ(erased_count, 3);
  EXPECT_EQ(records->at(6).tenant, "globex");
  EXPECT_EQ(records->at(6).actor.user, "alice");
  EXPECT_EQ(records->at(7).action, "ward:AuditErase");
  EXPECT_EQ(records->at(7).params["events"], 3);
  AuditQuery bob;
  bob.actor = "bob";
  EXPECT_EQ(query_audit_events(*db_, bob)->size(), 3u);
}

// Not a test of correctness: measures durable appends per second on this machine.
}  // namespace
}  // namespace ward::gov::testing
