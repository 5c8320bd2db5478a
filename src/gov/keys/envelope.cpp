#include "gov/keys/envelope.h"

#include <fmt/format.h>

#include <algorithm>

#include "gov/keys/wire.h"

namespace ward::gov {
namespace {

using core::Code;
using core::Error;
using namespace keys_detail;

constexpr std::uint8_t kMagic0 = 'W';
constexpr std::uint8_t kMagic1 = 'K';
constexpr std::string_view kDataLabel = "ward/keys/data/v1";
constexpr std::size_t kMaxNameSize = 255;

}  // namespace

crypto::Bytes encode_envelope_header(const EnvelopeHeader& header) {
  crypto::Bytes out;
  out.reserve(kEnvelopeHeaderSize);
  put_u8(out, kMagic0);
  put_u8(out, kMagic1);
  put_u8(out, kEnvelopeFormat);
  put_bytes(out, header.data_key_id);
  put_u32(out, header.generation);
  return out;
}

core::Result<EnvelopeHeader> parse_envelope_header(std::span<const std::uint8_t> envelope) {
  if (envelope.size() < 3 || envelope[0] != kMagic0 || envelope[1] != kMagic1) {
    return Error(Code::kDataLoss, "",
                 "not data sealed by Ward's keyring (no envelope header); it is corrupt or was "
                 "never encrypted");
  }
  if (envelope[2] != kEnvelopeFormat) {
    return Error(Code::kDataLoss, "",
                 fmt::format("the ciphertext has envelope format {}, which this version of Ward "
                             "does not know; upgrade Ward",
                             envelope[2]));
  }
  if (envelope.size() < kEnvelopeOverhead) {
    return Error(Code::kDataLoss, "", "the ciphertext is truncated");
  }
  Reader in(envelope.subspan(3));
  EnvelopeHeader header;
  auto id = in.bytes(kDataKeyIdSize);
  std::copy(id->begin(), id->end(), header.data_key_id.begin());
  header.generation = *in.u32();
  return header;
}

crypto::Bytes envelope_associated_data(std::span<const std::uint8_t> header,
                                       const EncryptionContext& context) {
  crypto::Bytes out;
  put_bytes(out, crypto::byte_view(kDataLabel));
  put_bytes(out, header);
  put_field(out, context.tenant);
  put_field(out, context.purpose);
  put_field(out, context.record_id);
  return out;
}

core::Status check_tenant(const std::string& tenant) {
  if (tenant.empty() || tenant.size() > kMaxNameSize) {
    return Error(Code::kInvalidArgument, "tenant",
                 fmt::format("a tenant id must be 1 to {} bytes long", kMaxNameSize));
  }
  if (std::any_of(tenant.begin(), tenant.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return Error(Code::kInvalidArgument, "tenant",
                 "a tenant id must not contain control characters");
  }
  return {};
}

core::Status check_context(const EncryptionContext& context) {
  if (auto status = check_tenant(context.tenant); !status) return status;
  const std::string& purpose = context.purpose;
  bool valid =
      !purpose.empty() && purpose.size() <= kMaxNameSize &&
      std::all_of(purpose.begin(), purpose.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      });
  if (!valid) {
    return Error(Code::kInvalidArgument, "purpose",
                 "a purpose is 1 to 255 lower-case letters, digits, '.', '_' or '-', such as "
                 "\"prompts\"");
  }
  return {};
}

}  // namespace ward::gov
