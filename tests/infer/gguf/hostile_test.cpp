// Hostile GGUF files: each check of the reader has a file that breaks it (a Writer-built file
// corrupted byte-wise, or one assembled by hand), which must be refused with the right code and a
// message that names the problem and where it is. Truncations of real files at many lengths must
// give errors, never a crash (the ASan build proves there is no out-of-bounds read).

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <functional>
#include <limits>
#include <string>

#include "gguf_bytes.h"
#include "infer/gguf/gguf.h"
#include "infer/gguf/writer.h"
#include "support/test_support.h"

namespace ward::infer::gguf {
namespace {

using testing::Bytes;
using testing::find_unique;
using testing::parse;
using testing::poke;

constexpr uint64_t kMaxU64 = std::numeric_limits<uint64_t>::max();

// A small valid file whose parts are easy to find by their names:
//   keys key.one, key.two (uint32), flag (bool), text (string), bools (array of bool),
//   names (array of string); tensors tensor.a (F32 [8, 2], 64 bytes) and tensor.b (Q8_0 [32, 2],
//   68 bytes).
std::string base_file() {
  Writer writer;
  writer.set_uint32("key.one", 1);
  writer.set_uint32("key.two", 2);
  writer.set_bool("flag", true);
  writer.set_string("text", "hello");
  writer.set_array("bools", std::vector<bool>{true, false});
  writer.set_array("names", std::vector<std::string>{"a", "b"});
  EXPECT_TRUE(writer.add_tensor("tensor.a", TensorType::kF32, {8, 2}, std::vector<std::byte>(64)));
  EXPECT_TRUE(
      writer.add_tensor("tensor.b", TensorType::kQ8_0, {32, 2}, std::vector<std::byte>(68)));
  auto bytes = writer.serialize();
  EXPECT_TRUE(bytes) << bytes.error().to_string();
  return bytes ? *bytes : std::string();
}

// Byte offsets of the fields of a tensor info, from the position of its name's text.
struct TensorFields {
  size_t info;    // start of the tensor info (its name's length)
  size_t n_dims;  // u32
  size_t ne0;     // u64
  size_t ne1;     // u64 (both test tensors have 2 dimensions)
  size_t type;    // u32
  size_t offset;  // u64
};
TensorFields tensor_fields(const std::string& bytes, std::string_view name) {
  const size_t text = find_unique(bytes, name);
  return {text - 8,
          text + name.size(),
          text + name.size() + 4,
          text + name.size() + 12,
          text + name.size() + 20,
          text + name.size() + 24};
}

// Byte offset of the value type field of the entry whose key is `key`, and of its value.
size_t type_field(const std::string& bytes, std::string_view key) {
  return find_unique(bytes, key) + key.size();
}
size_t value_field(const std::string& bytes, std::string_view key) {
  return type_field(bytes, key) + 4;
}

void expect_refused(const core::Result<File>& file, core::Code code, std::string_view needle) {
  ASSERT_FALSE(file) << "accepted; expected: " << needle;
  EXPECT_EQ(file.error().code(), code) << file.error().to_string();
  EXPECT_EQ(file.error().where(), "test.gguf");
  EXPECT_NE(file.error().message().find(needle), std::string::npos)
      << "message: " << file.error().message() << "\nexpected to contain: " << needle;
  if (code == core::Code::kDataLoss) {
    EXPECT_NE(file.error().message().find("the file is truncated or corrupt"), std::string::npos)
        << file.error().message();
  }
}

struct Corruption {
  const char* name;
  std::function<void(std::string&)> corrupt;
  core::Code code;
  std::function<std::string(const std::string&)> needle;  // from the original bytes
};

std::function<std::string(const std::string&)> text(std::string needle) {
  return [needle](const std::string&) { return needle; };
}

TEST(InferGgufHostile, BaseFileIsValid) {
  const std::string bytes = base_file();
  auto file = parse(bytes);
  ASSERT_TRUE(file) << file.error().to_string();
  EXPECT_EQ(file->metadata().size(), 6u);
  EXPECT_EQ(file->tensors().size(), 2u);
  // The field offsets the corruptions use point where the specification says.
  const TensorFields b = tensor_fields(bytes, "tensor.b");
  EXPECT_EQ(testing::peek<uint32_t>(bytes, b.n_dims), 2u);
  EXPECT_EQ(testing::peek<uint64_t>(bytes, b.ne0), 32u);
  EXPECT_EQ(testing::peek<uint64_t>(bytes, b.ne1), 2u);
  EXPECT_EQ(testing::peek<uint32_t>(bytes, b.type), 8u);
  EXPECT_EQ(testing::peek<uint64_t>(bytes, b.offset), 64u);
  EXPECT_EQ(testing::peek<uint32_t>(bytes, type_field(bytes, "flag")), 7u);
}

TEST(InferGgufHostile, CorruptedFieldsAreRefused) {
  using core::Code;
  const std::vector<Corruption> cases = {
      {"magic", [](std::string& b) { b[0] = 'X'; }, Code::kInvalidArgument,
       text("not a GGUF model file: it begins with the bytes 58 47 55 46")},
      {"version 1", [](std::string& b) { poke<uint32_t>(b, 4, 1); }, Code::kInvalidArgument,
       text("GGUF version 1 is obsolete")},
      {"big-endian", [](std::string& b) { poke<uint32_t>(b, 4, 0x03000000); },
       Code::kInvalidArgument, text("big-endian GGUF file")},
      {"version 4", [](std::string& b) { poke<uint32_t>(b, 4, 4); }, Code::kInvalidArgument,
       text("GGUF version 4 is not supported")},
      {"version 0", [](std::string& b) { poke<uint32_t>(b, 4, 0); }, Code::kInvalidArgument,
       text("GGUF version 0 is not supported")},
      {"tensor count beyond the limit", [](std::string& b) { poke<uint64_t>(b, 8, kMaxU64); },
       Code::kDataLoss, text("claims 18446744073709551615 tensors, more than the limit")},
      {"tensor count beyond the file", [](std::string& b) { poke<uint64_t>(b, 8, 100000); },
       Code::kDataLoss, text("claims 100000 tensors but the remaining")},
      {"metadata count beyond the limit",
       [](std::string& b) { poke<uint64_t>(b, 16, uint64_t{1} << 63); }, Code::kDataLoss,
       text("metadata entries, more than the limit of 1048576")},
      {"metadata count beyond the file", [](std::string& b) { poke<uint64_t>(b, 16, 5000); },
       Code::kDataLoss, text("claims 5000 metadata entries but the remaining")},
      {"key length past the end",
       [](std::string& b) { poke<uint64_t>(b, find_unique(b, "key.one") - 8, 1000000000); },
       Code::kDataLoss,
       [](const std::string& b) {
         return fmt::format("the key at byte {} claims 1000000000 bytes", b.find("key.one") - 8);
       }},
      {"key not UTF-8", [](std::string& b) { b[find_unique(b, "key.one") + 4] = '\xff'; },
       Code::kDataLoss, text("is not valid UTF-8")},
      {"key with a control character",
       [](std::string& b) { b[find_unique(b, "key.one") + 3] = '\x01'; }, Code::kDataLoss,
       text(R"(("key\x01one") contains control characters)")},
      {"duplicate key", [](std::string& b) { b.replace(find_unique(b, "key.two"), 7, "key.one"); },
       Code::kDataLoss,
       [](const std::string& b) {
         return fmt::format("key 'key.one' at byte {} appears a second time (first at byte {})",
                            b.find("key.two") - 8, b.find("key.one") - 8);
       }},
      {"unknown value type", [](std::string& b) { poke<uint32_t>(b, type_field(b, "flag"), 13); },
       Code::kDataLoss,
       [](const std::string& b) {
         return fmt::format(
             "key 'flag': the value type at byte {} is 13, which is not a GGUF "
             "value type",
             b.find("flag") + 4);
       }},
      {"bool neither 0 nor 1", [](std::string& b) { poke<uint8_t>(b, value_field(b, "flag"), 2); },
       Code::kDataLoss,
       [](const std::string& b) {
         return fmt::format("key 'flag': the bool value at byte {} is 2, not 0 or 1",
                            b.find("flag") + 8);
       }},
      {"bool array element neither 0 nor 1",
       [](std::string& b) { poke<uint8_t>(b, value_field(b, "bools") + 12 + 1, 7); },
       Code::kDataLoss, text("key 'bools': bool array element 1 at byte")},
      {"string length past the end",
       [](std::string& b) { poke<uint64_t>(b, value_field(b, "text"), 1000000000000); },
       Code::kDataLoss,
       [](const std::string& b) {
         return fmt::format("key 'text': the string value at byte {} claims 1000000000000 bytes",
                            b.find("text") + 8);
       }},
      {"bool array count past the end",
       [](std::string& b) { poke<uint64_t>(b, value_field(b, "bools") + 4, uint64_t{1} << 62); },
       Code::kDataLoss, text("claims 4611686018427387904 bool elements (1 bytes each)")},
      {"string array count past the end",
       [](std::string& b) { poke<uint64_t>(b, value_field(b, "names") + 4, uint64_t{1} << 61); },
       Code::kDataLoss, text("claims 2305843009213693952 strings")},
      {"array string length past the end",
       [](std::string& b) { poke<uint64_t>(b, value_field(b, "names") + 12, 1000000000); },
       Code::kDataLoss, text("key 'names': array string 0 at byte")},
      {"unknown array element type",
       [](std::string& b) { poke<uint32_t>(b, value_field(b, "names"), 77); }, Code::kDataLoss,
       text("key 'names': the array's element type at byte")},
      {"tensor name not UTF-8", [](std::string& b) { b[find_unique(b, "tensor.a") + 6] = '\xc0'; },
       Code::kDataLoss, text(R"(the tensor name at byte)")},
      {"duplicate tensor name",
       [](std::string& b) { b.replace(find_unique(b, "tensor.b"), 8, "tensor.a"); },
       Code::kDataLoss,
       [](const std::string& b) {
         return fmt::format(
             "tensor name 'tensor.a' at byte {} appears a second time (first at "
             "byte {})",
             b.find("tensor.b") - 8, b.find("tensor.a") - 8);
       }},
      {"no dimensions",
       [](std::string& b) { poke<uint32_t>(b, tensor_fields(b, "tensor.a").n_dims, 0); },
       Code::kDataLoss, text("tensor 'tensor.a': the dimension count at byte")},
      {"five dimensions",
       [](std::string& b) { poke<uint32_t>(b, tensor_fields(b, "tensor.a").n_dims, 5); },
       Code::kDataLoss, text("is 5, not 1 to 4")},
      {"zero dimension",
       [](std::string& b) { poke<uint64_t>(b, tensor_fields(b, "tensor.a").ne1, 0); },
       Code::kDataLoss,
       [](const std::string& b) {
         return fmt::format(
             "tensor 'tensor.a': dimension 1 (ne[1]) at byte {} is 0, not a size "
             "> 0",
             tensor_fields(b, "tensor.a").ne1);
       }},
      {"negative dimension",
       [](std::string& b) { poke<uint64_t>(b, tensor_fields(b, "tensor.a").ne0, kMaxU64); },
       Code::kDataLoss, text("dimension 0 (ne[0]) at byte")},
      {"element count overflow",
       [](std::string& b) {
         poke<uint64_t>(b, tensor_fields(b, "tensor.a").ne0, uint64_t{1} << 32);
         poke<uint64_t>(b, tensor_fields(b, "tensor.a").ne1, uint64_t{1} << 32);
       },
       Code::kDataLoss,
       text("the element count of shape [4294967296, 4294967296] overflows 64 bits")},
      {"byte size overflow",
       [](std::string& b) {
         poke<uint64_t>(b, tensor_fields(b, "tensor.a").ne0, uint64_t{1} << 31);
         poke<uint64_t>(b, tensor_fields(b, "tensor.a").ne1, uint64_t{1} << 31);
       },
       Code::kDataLoss, text("the byte size of shape [2147483648, 2147483648] in type F32")},
      {"unknown tensor type",
       [](std::string& b) { poke<uint32_t>(b, tensor_fields(b, "tensor.b").type, 1000); },
       Code::kDataLoss, text("is 1000, which is not a ggml type")},
      {"unsupported tensor type",
       [](std::string& b) { poke<uint32_t>(b, tensor_fields(b, "tensor.b").type, 16); },
       Code::kInvalidArgument, text("tensor type IQ2_XXS (16, at byte")},
      {"ne[0] not a whole number of blocks",
       [](std::string& b) { poke<uint64_t>(b, tensor_fields(b, "tensor.b").ne0, 16); },
       Code::kDataLoss, text("ne[0] = 16 is not a multiple of 32, the block size of type Q8_0")},
      {"misaligned offset",
       [](std::string& b) { poke<uint64_t>(b, tensor_fields(b, "tensor.b").offset, 68); },
       Code::kDataLoss, text("the data offset 68 (at byte")},
      {"data past the end",
       [](std::string& b) { poke<uint64_t>(b, tensor_fields(b, "tensor.b").offset, 1 << 20); },
       Code::kDataLoss,
       [](const std::string& b) {
         const size_t data_start = (b.find("tensor.b") + 8 + 32 + 31) / 32 * 32;
         return fmt::format(
             "tensor 'tensor.b' data (offset {}, 68 bytes) runs past the end of "
             "the file ({} bytes)",
             data_start + (1 << 20), b.size());
       }},
      {"offset that overflows",
       [](std::string& b) { poke<uint64_t>(b, tensor_fields(b, "tensor.b").offset, kMaxU64 - 31); },
       Code::kDataLoss, text("runs past the end of the file")},
      {"overlapping tensors",
       [](std::string& b) { poke<uint64_t>(b, tensor_fields(b, "tensor.b").offset, 32); },
       Code::kDataLoss, text("tensor 'tensor.b' data (offset")},
      // The last tensor's 68 bytes are padded to 96: cut the 28 bytes of padding and one more.
      {"truncated data", [](std::string& b) { b.resize(b.size() - 29); }, Code::kDataLoss,
       text("tensor 'tensor.b' data")},
  };
  const std::string original = base_file();
  for (const Corruption& corruption : cases) {
    SCOPED_TRACE(corruption.name);
    std::string bytes = original;
    corruption.corrupt(bytes);
    ASSERT_NE(bytes, original);
    expect_refused(parse(bytes), corruption.code, corruption.needle(original));
  }
}

TEST(InferGgufHostile, OverlapNamesBothTensors) {
  std::string bytes = base_file();
  poke<uint64_t>(bytes, tensor_fields(bytes, "tensor.b").offset, 32);
  auto file = parse(bytes);
  ASSERT_FALSE(file);
  EXPECT_NE(file.error().message().find("overlaps tensor 'tensor.a' data"), std::string::npos)
      << file.error().message();
}

TEST(InferGgufHostile, AlignmentMustBeAUint32PowerOfTwo) {
  Writer writer;
  writer.set_uint32("general.alignment", 64);
  ASSERT_TRUE(writer.add_tensor("w", TensorType::kF32, {4}, std::vector<std::byte>(16)));
  const std::string original = writer.serialize().value();
  ASSERT_TRUE(parse(original));
  for (uint32_t alignment : {0u, 48u, 3u}) {
    std::string bytes = original;
    poke<uint32_t>(bytes, value_field(bytes, "general.alignment"), alignment);
    expect_refused(
        parse(bytes), core::Code::kDataLoss,
        fmt::format("key 'general.alignment' is {}, which is not a power of two", alignment));
  }
  Bytes as_string;
  as_string.header(0, 1).str("general.alignment").u32(8).str("32");
  expect_refused(parse(as_string.str()), core::Code::kDataLoss,
                 "key 'general.alignment' is string, but GGUF requires a uint32");
  Bytes as_uint64;
  as_uint64.header(0, 1).str("general.alignment").u32(10).u64(32);
  expect_refused(parse(as_uint64.str()), core::Code::kDataLoss, "is uint64, but");
}

TEST(InferGgufHostile, HandAssembledNamesAreChecked) {
  Bytes long_key;
  long_key.header(0, 1).str(std::string(70000, 'k')).u32(4).u32(1);
  expect_refused(parse(long_key.str()), core::Code::kDataLoss,
                 "the key at byte 24 is 70000 bytes long, more than the limit of 65535");
  Bytes empty_key;
  empty_key.header(0, 1).str("").u32(4).u32(1);
  expect_refused(parse(empty_key.str()), core::Code::kDataLoss, "the key at byte 24 is empty");

  auto tensor_named = [](std::string_view name) {
    Bytes bytes;
    bytes.header(1, 0).str(name).u32(1).u64(1).u32(0).u64(0).pad().raw(std::string(32, '\0'));
    return bytes.str();
  };
  ASSERT_TRUE(parse(tensor_named(std::string(1024, 't'))));
  expect_refused(parse(tensor_named(std::string(1025, 't'))), core::Code::kDataLoss,
                 "the tensor name at byte 24 is 1025 bytes long, more than the limit of 1024");
  expect_refused(parse(tensor_named("")), core::Code::kDataLoss,
                 "the tensor name at byte 24 is empty");
  expect_refused(parse(tensor_named("a\nb")), core::Code::kDataLoss,
                 R"(("a\nb") contains control characters)");
  // UTF-8 checks: overlong forms, surrogates and code points above U+10FFFF are not UTF-8.
  for (std::string_view bad :
       {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80"}) {
    expect_refused(parse(tensor_named(bad)), core::Code::kDataLoss, "is not valid UTF-8");
  }
  ASSERT_TRUE(parse(tensor_named("ñ▁€😀")));
}

TEST(InferGgufHostile, NestedArraysAreBounded) {
  // An array nested `depth` deep whose innermost array holds one uint32.
  auto nested = [](int depth) {
    Bytes bytes;
    bytes.header(0, 1).str("deep").u32(9);
    for (int i = 1; i < depth; ++i) bytes.u32(9).u64(1);
    bytes.u32(4).u64(1).u32(7);
    return bytes.str();
  };
  auto ok = parse(nested(4));
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ(ok->find("deep")->element_type(), ValueType::kArray);
  expect_refused(parse(nested(5)), core::Code::kDataLoss, "nests arrays more than 4 deep");

  Bytes inner_past_end;
  inner_past_end.header(0, 1).str("n").u32(9).u32(9).u64(1).u32(4).u64(1000).u32(1);
  expect_refused(parse(inner_past_end.str()), core::Code::kDataLoss, "claims 1000 uint32 elements");
  Bytes many_nested;
  many_nested.header(0, 1).str("n").u32(9).u32(9).u64(kMaxU64);
  expect_refused(parse(many_nested.str()), core::Code::kDataLoss,
                 "claims 18446744073709551615 nested arrays");
  Bytes bad_inner_type;
  bad_inner_type.header(0, 1).str("n").u32(9).u32(9).u64(1).u32(99).u64(0);
  expect_refused(parse(bad_inner_type.str()), core::Code::kDataLoss,
                 "the element type of a nested array at byte");
}

TEST(InferGgufHostile, ShortFilesAreRefused) {
  expect_refused(parse(""), core::Code::kDataLoss, "the file is 0 bytes long");
  expect_refused(parse("GGU"), core::Code::kDataLoss, "the file is 3 bytes long");
  expect_refused(parse("GGUF\x03"), core::Code::kDataLoss,
                 "the GGUF version at byte 4 needs 4 bytes but the file ends at byte 5");
  Bytes ten;
  ten.raw("GGUF").u32(3).raw(std::string(2, '\0'));
  expect_refused(parse(ten.str()), core::Code::kDataLoss,
                 "the file is 10 bytes long, shorter than the 24-byte GGUF header");
  // Header only, promising one entry that is not there.
  Bytes promise;
  promise.header(0, 1).raw(std::string(14, 'x'));
  EXPECT_FALSE(parse(promise.str()));
}

// Every proper prefix of a real file is an error, whatever the length: the header, any key or
// value, any tensor info or the data may be cut.
void sweep_prefixes(const std::string& name, size_t fine_until, size_t coarse_step) {
  const std::string bytes = test::read_text(test::fixture(name));
  ASSERT_GT(bytes.size(), fine_until);
  ASSERT_TRUE(parse(bytes));
  size_t checked = 0;
  for (size_t length = 0; length < bytes.size(); length += length < fine_until ? 1 : coarse_step) {
    auto file = parse(std::string_view(bytes).substr(0, length));
    ASSERT_FALSE(file) << name << " cut to " << length << " bytes was accepted";
    ASSERT_EQ(file.error().code(), core::Code::kDataLoss)
        << length << ": " << file.error().to_string();
    ++checked;
  }
  // The last bytes too: a file missing only its final byte.
  auto almost = parse(std::string_view(bytes).substr(0, bytes.size() - 1));
  ASSERT_FALSE(almost);
  EXPECT_NE(almost.error().message().find("truncated or corrupt"), std::string::npos);
  EXPECT_GT(checked, fine_until);
}

TEST(InferGgufHostile, TruncatedModelAtEveryCoarseLength) {
  sweep_prefixes("models/llama-2-tiny-random.gguf", 2048, 4099);
}

TEST(InferGgufHostile, TruncatedVocabularyAtEveryCoarseLength) {
  sweep_prefixes("vocab/ggml-vocab-llama-spm.gguf", 512, 6007);
}

TEST(InferGgufHostile, OpenReportsFileSystemProblems) {
  test::TempDir dir;
  auto missing = File::open(dir / "missing.gguf");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), core::Code::kNotFound);
  EXPECT_EQ(missing.error().where(), (dir / "missing.gguf").string());

  auto directory = File::open(dir.path());
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().code(), core::Code::kInvalidArgument);
  EXPECT_NE(directory.error().message().find("not a regular file"), std::string::npos);

  test::write_text(dir / "empty.gguf", "");
  auto empty = File::open(dir / "empty.gguf");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code(), core::Code::kDataLoss);

  // A truncated copy of the fixture on disk: the mapped path gives the same errors.
  const std::string bytes = test::read_text(test::fixture("models/llama-2-tiny-random.gguf"));
  for (size_t length : {size_t{20}, size_t{5000}, size_t{724400}, bytes.size() - 1000}) {
    const auto path = dir / fmt::format("cut-{}.gguf", length);
    test::write_text(path, bytes.substr(0, length));
    auto file = File::open(path);
    ASSERT_FALSE(file) << length;
    EXPECT_EQ(file.error().code(), core::Code::kDataLoss);
    EXPECT_EQ(file.error().where(), path.string());
  }
  const auto last = dir / fmt::format("cut-{}.gguf", bytes.size() - 1000);
  EXPECT_NE(File::open(last).error().message().find(
                "tensor 'output.weight' data (offset 1238560, 512000 bytes) runs past the end "
                "of the file (1749560 bytes)"),
            std::string::npos)
      << File::open(last).error().message();

  test::write_text(dir / "private.gguf", bytes);
  ASSERT_EQ(::chmod((dir / "private.gguf").c_str(), 0), 0);
  test::run_without_root(dir, [&] {
    auto file = File::open(dir / "private.gguf");
    ASSERT_FALSE(file);
    EXPECT_EQ(file.error().code(), core::Code::kPermissionDenied);
  });
}

TEST(InferGgufHostile, MappedFileOutlivesMoves) {
  auto opened = File::open(test::fixture("models/llama-2-tiny-random.gguf"));
  ASSERT_TRUE(opened);
  File moved = std::move(*opened);
  File again = std::move(moved);
  const Value* tokens = again.find("tokenizer.ggml.tokens");
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->as_strings().value()[1], "<s>");
  EXPECT_EQ(again.data(again.tensors().back()).size(), 512000u);
}

}  // namespace
}  // namespace ward::infer::gguf
