#include "gov/keys/envelope.h"

#include <gtest/gtest.h>

namespace ward::gov {
namespace {

EnvelopeHeader sample_header() {
  EnvelopeHeader header;
  for (std::size_t i = 0; i < header.data_key_id.size(); ++i) {
    header.data_key_id[i] = static_cast<std::uint8_t>(i + 1);
  }
  header.generation = 0x01020304;
  return header;
}

TEST(KeysEnvelopeTest, HeaderLayoutIsAsDocumented) {
  crypto::Bytes header = encode_envelope_header(sample_header());
  ASSERT_EQ(header.size(), kEnvelopeHeaderSize);
  EXPECT_EQ(header[0], 'W');
  EXPECT_EQ(header[1], 'K');
  EXPECT_EQ(header[2], kEnvelopeFormat);
  EXPECT_EQ(header[3], 1);
  EXPECT_EQ(header[18], 16);
  EXPECT_EQ((crypto::Bytes{header.begin() + 19, header.end()}), (crypto::Bytes{1, 2, 3, 4}));
  EXPECT_EQ(kEnvelopeOverhead, 23u + 12u + 16u);
}

TEST(KeysEnvelopeTest, ParsesWhatItEncodes) {
  crypto::Bytes envelope = encode_envelope_header(sample_header());
  envelope.resize(envelope.size() + crypto::kAeadOverhead, 0xAA);
  auto parsed = parse_envelope_header(envelope);
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  EXPECT_EQ(parsed->data_key_id, sample_header().data_key_id);
  EXPECT_EQ(parsed->generation, sample_header().generation);
}

TEST(KeysEnvelopeTest, RefusesForeignTruncatedAndFutureEnvelopes) {
  crypto::Bytes good = encode_envelope_header(sample_header());
  good.resize(good.size() + crypto::kAeadOverhead);

  crypto::Bytes truncated(good.begin(), good.end() - 1);
  auto short_one = parse_envelope_header(truncated);
  ASSERT_FALSE(short_one.ok());
  EXPECT_EQ(short_one.error().code(), core::Code::kDataLoss);

  crypto::Bytes foreign = good;
  foreign[0] = 'X';
  EXPECT_EQ(parse_envelope_header(foreign).error().code(), core::Code::kDataLoss);
  EXPECT_EQ(parse_envelope_header(crypto::Bytes{}).error().code(), core::Code::kDataLoss);

  crypto::Bytes future = good;
  future[2] = 2;
  auto newer = parse_envelope_header(future);
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.error().message().find("upgrade Ward"), std::string::npos);
}

TEST(KeysEnvelopeTest, AssociatedDataSeparatesEveryPartOfTheContext) {
  crypto::Bytes header = encode_envelope_header(sample_header());
  const EncryptionContext base{"acme", "prompts", "row-1"};
  const auto reference = envelope_associated_data(header, base);
  // Moving characters between fields must change the associated data (length prefixes).
  for (const EncryptionContext& other : {EncryptionContext{"acm", "eprompts", "row-1"},
                                         EncryptionContext{"acme", "prompt", "srow-1"},
                                         EncryptionContext{"acme", "prompts", "row-2"},
                                         EncryptionContext{"other", "prompts", "row-1"},
                                         EncryptionContext{"acme", "scan", "row-1"}}) {
    EXPECT_NE(envelope_associated_data(header, other), reference)
        << other.tenant << "/" << other.purpose << "/" << other.record_id;
  }
  EnvelopeHeader changed = sample_header();
  changed.generation = 2;
  EXPECT_NE(envelope_associated_data(encode_envelope_header(changed), base), reference);
}

TEST(KeysEnvelopeTest, ChecksContexts) {
  EXPECT_TRUE(check_context({"acme", "prompts", ""}).ok());
  EXPECT_TRUE(check_context({"t-1", "agent.transcripts_v2", "x"}).ok());
  EXPECT_FALSE(check_context({"", "prompts", "r"}).ok());
  EXPECT_FALSE(check_context({"acme", "", "r"}).ok());
  EXPECT_FALSE(check_context({"acme", "Prompts", "r"}).ok());
  EXPECT_FALSE(check_context({"acme", "prompts/x", "r"}).ok());
  EXPECT_FALSE(check_context({std::string(256, 'a'), "prompts", "r"}).ok());
  EXPECT_FALSE(check_context({"ac\nme", "prompts", "r"}).ok());
  EXPECT_EQ(check_context({"acme", "", "r"}).error().code(), core::Code::kInvalidArgument);
}

}  // namespace
}  // namespace ward::gov
