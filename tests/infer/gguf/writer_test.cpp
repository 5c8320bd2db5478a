// The GGUF writer: what it writes reads back through the reader with every value type and several
// tensor types, and its bytes follow the GGUF layout (checked by hand-decoding them here).

#include "infer/gguf/writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <numeric>

#include "gguf_bytes.h"
#include "infer/gguf/gguf.h"
#include "support/test_support.h"

namespace ward::infer::gguf {
namespace {

using testing::Bytes;
using testing::parse;
using testing::peek;

std::vector<std::byte> pattern(size_t size, uint8_t seed) {
  std::vector<std::byte> bytes(size);
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::byte>((i * 31 + seed) & 0xff);
  return bytes;
}

Writer every_value_type() {
  Writer writer;
  writer.set_uint8("t.u8", 250);
  writer.set_int8("t.i8", -120);
  writer.set_uint16("t.u16", 65000);
  writer.set_int16("t.i16", -32000);
  writer.set_uint32("t.u32", 4000000000u);
  writer.set_int32("t.i32", -2000000000);
  writer.set_float32("t.f32", 0.0001f);
  writer.set_bool("t.bool", true);
  writer.set_string("t.string", "naïve ▁token");
  writer.set_uint64("t.u64", std::numeric_limits<uint64_t>::max());
  writer.set_int64("t.i64", std::numeric_limits<int64_t>::min());
  writer.set_float64("t.f64", -2.5e300);
  const std::vector<uint8_t> u8s = {0, 1, 255};
  const std::vector<int8_t> i8s = {-128, 0, 127};
  const std::vector<uint16_t> u16s = {7, 65535};
  const std::vector<int16_t> i16s = {-32768, 32767};
  const std::vector<uint32_t> u32s = {1, 2, 3, 4000000000u};
  const std::vector<int32_t> i32s = {-1, 0, 1};
  const std::vector<float> f32s = {0.5f, -1.25f, 1e-5f};
  const std::vector<uint64_t> u64s = {std::numeric_limits<uint64_t>::max()};
  const std::vector<int64_t> i64s = {std::numeric_limits<int64_t>::min(), 42};
  const std::vector<double> f64s = {0.1, -1e300};
  const std::vector<bool> bools = {true, false, true};
  const std::vector<std::string> strings = {"<s>", "", "▁the", std::string("a\0b", 3)};
  const std::vector<int32_t> empty;
  writer.set_array("a.u8", u8s);
  writer.set_array("a.i8", i8s);
  writer.set_array("a.u16", u16s);
  writer.set_array("a.i16", i16s);
  writer.set_array("a.u32", u32s);
  writer.set_array("a.i32", i32s);
  writer.set_array("a.f32", f32s);
  writer.set_array("a.u64", u64s);
  writer.set_array("a.i64", i64s);
  writer.set_array("a.f64", f64s);
  writer.set_array("a.bool", bools);
  writer.set_array("a.string", strings);
  writer.set_array("a.empty", empty);
  return writer;
}

TEST(InferGgufWriter, EveryValueTypeRoundTrips) {
  auto bytes = every_value_type().serialize();
  ASSERT_TRUE(bytes) << bytes.error().to_string();
  auto file = parse(*bytes);
  ASSERT_TRUE(file) << file.error().to_string();
  EXPECT_EQ(file->version(), 3u);
  ASSERT_EQ(file->metadata().size(), 25u);
  EXPECT_TRUE(file->tensors().empty());
  // A file without tensors ends right after its (empty) tensor infos: nothing is padded.
  EXPECT_EQ(file->file_size(), bytes->size());

  for (const char* key :
       {"t.u8",  "t.i8",  "t.u16", "t.i16", "t.u32",  "t.i32",    "t.f32",  "t.bool", "t.string",
        "t.u64", "t.i64", "t.f64", "a.u8",  "a.i8",   "a.u16",    "a.i16",  "a.u32",  "a.i32",
        "a.f32", "a.u64", "a.i64", "a.f64", "a.bool", "a.string", "a.empty"}) {
    ASSERT_NE(file->find(key), nullptr) << key;
  }
  auto value = [&](const char* key) -> const Value& { return *file->find(key); };
  EXPECT_EQ(value("t.u8").type(), ValueType::kUint8);
  EXPECT_EQ(value("t.u8").as_uint().value(), 250u);
  EXPECT_EQ(value("t.i8").type(), ValueType::kInt8);
  EXPECT_EQ(value("t.i8").as_int().value(), -120);
  EXPECT_EQ(value("t.u16").as_uint().value(), 65000u);
  EXPECT_EQ(value("t.i16").as_int().value(), -32000);
  EXPECT_EQ(value("t.u32").as_uint().value(), 4000000000u);
  EXPECT_EQ(value("t.i32").as_int().value(), -2000000000);
  EXPECT_EQ(value("t.f32").type(), ValueType::kFloat32);
  EXPECT_EQ(value("t.f32").as_float().value(), static_cast<double>(0.0001f));
  EXPECT_EQ(value("t.f32").summary(), "0.0001");
  EXPECT_TRUE(value("t.bool").as_bool().value());
  EXPECT_EQ(value("t.string").as_string().value(), "naïve ▁token");
  EXPECT_EQ(value("t.u64").as_uint().value(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(value("t.i64").as_int().value(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(value("t.f64").as_float().value(), -2.5e300);

  // Conversions between integer kinds, and their refusals.
  EXPECT_FALSE(value("t.i8").as_uint());               // negative
  EXPECT_FALSE(value("t.u64").as_int());               // above int64's range
  EXPECT_EQ(value("t.u8").as_float().value(), 250.0);  // integers are numbers
  EXPECT_EQ(value("t.i64").as_float().value(), -9223372036854775808.0);
  EXPECT_FALSE(value("t.f32").as_int());  // floats are not integers
  EXPECT_FALSE(value("t.string").as_uint());
  EXPECT_FALSE(value("t.u8").as_bool());
  EXPECT_FALSE(value("t.u8").as_string());
  auto mismatch = value("t.string").as_float();
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().where(), "t.string");
  EXPECT_NE(mismatch.error().message().find("string"), std::string::npos);

  EXPECT_EQ(value("a.u8").as_ints().value(), (std::vector<int64_t>{0, 1, 255}));
  EXPECT_EQ(value("a.i8").as_ints().value(), (std::vector<int64_t>{-128, 0, 127}));
  EXPECT_EQ(value("a.u16").as_ints().value(), (std::vector<int64_t>{7, 65535}));
  EXPECT_EQ(value("a.i16").as_ints().value(), (std::vector<int64_t>{-32768, 32767}));
  EXPECT_EQ(value("a.u32").as_ints().value(), (std::vector<int64_t>{1, 2, 3, 4000000000}));
  EXPECT_EQ(value("a.u32").element_type(), ValueType::kUint32);
  EXPECT_EQ(value("a.i32").as_ints().value(), (std::vector<int64_t>{-1, 0, 1}));
  EXPECT_EQ(value("a.f32").as_floats().value(), (std::vector<float>{0.5f, -1.25f, 1e-5f}));
  EXPECT_FALSE(value("a.u64").as_ints());  // 2^64-1 does not fit int64
  EXPECT_EQ(value("a.i64").as_ints().value(),
            (std::vector<int64_t>{std::numeric_limits<int64_t>::min(), 42}));
  auto f64s = value("a.f64").as_floats();
  ASSERT_TRUE(f64s);
  EXPECT_EQ((*f64s)[0], 0.1f);
  EXPECT_TRUE(std::isinf((*f64s)[1]));  // -1e300 does not fit float
  EXPECT_EQ(value("a.bool").element_type(), ValueType::kBool);
  EXPECT_EQ(value("a.bool").size(), 3u);
  EXPECT_EQ(value("a.bool").summary(), "[true, false, true]");
  auto strings = value("a.string").as_strings();
  ASSERT_TRUE(strings);
  EXPECT_EQ(*strings,
            (std::vector<std::string_view>{"<s>", "", "▁the", std::string_view("a\0b", 3)}));
  EXPECT_EQ(value("a.string").summary(), R"(["<s>", "", "▁the", "a\x00b"])");
  EXPECT_EQ(value("a.empty").size(), 0u);
  EXPECT_EQ(value("a.empty").as_ints().value(), std::vector<int64_t>{});
  EXPECT_EQ(value("a.empty").summary(), "[]");
  EXPECT_FALSE(value("a.i32").as_strings());
  EXPECT_FALSE(value("a.string").as_ints());
  EXPECT_FALSE(value("a.i32").as_uint());  // an array is not a scalar
}

// set_value copies what a file holds exactly: a file rebuilt from every value type's copies is
// byte-identical to the original.
TEST(InferGgufWriter, CopiedValuesAreByteIdentical) {
  auto bytes = every_value_type().serialize();
  ASSERT_TRUE(bytes) << bytes.error().to_string();
  auto file = parse(*bytes);
  ASSERT_TRUE(file) << file.error().to_string();
  Writer copy;
  for (const Value& value : file->metadata()) copy.set_value(value);
  auto copied = copy.serialize();
  ASSERT_TRUE(copied) << copied.error().to_string();
  EXPECT_TRUE(*copied == *bytes);
}

TEST(InferGgufWriter, BytesFollowTheSpecification) {
  Writer writer;
  writer.set_uint32("k", 7);
  ASSERT_TRUE(writer.add_tensor("w", TensorType::kF32, {3}, pattern(12, 1)));
  auto bytes = writer.serialize();
  ASSERT_TRUE(bytes) << bytes.error().to_string();
  // Assembled by hand from the specification: header, one KV, one tensor info, padding to 32,
  // the 12 data bytes and padding to the next multiple of 32.
  Bytes expected;
  expected.header(1, 1).str("k").u32(4).u32(7);
  expected.str("w").u32(1).u64(3).u32(0).u64(0).pad(32);
  std::vector<std::byte> data = pattern(12, 1);
  expected.raw(std::string_view(reinterpret_cast<const char*>(data.data()), data.size())).pad(32);
  EXPECT_EQ(*bytes, expected.str());
}

TEST(InferGgufWriter, TensorsOfSeveralTypesRoundTrip) {
  Writer writer = every_value_type();
  writer.set_string("general.architecture", "llama");
  struct Spec {
    std::string name;
    TensorType type;
    std::vector<int64_t> shape;
    size_t bytes;  // by hand: blocks × block bytes
  };
  const std::vector<Spec> specs = {
      {"f32.vector", TensorType::kF32, {5}, 5 * 4},
      {"f16.matrix", TensorType::kF16, {3, 7}, 21 * 2},
      {"bf16.cube", TensorType::kBF16, {2, 3, 4}, 24 * 2},
      {"q8_0", TensorType::kQ8_0, {64, 3}, 2 * 3 * 34},
      {"q4_0.4d", TensorType::kQ4_0, {32, 1, 2, 2}, 4 * 18},
      {"q4_k", TensorType::kQ4_K, {256, 2}, 2 * 144},
      {"q6_k", TensorType::kQ6_K, {512}, 2 * 210},
      {"i32", TensorType::kI32, {9}, 9 * 4},
  };
  for (size_t i = 0; i < specs.size(); ++i) {
    auto status = writer.add_tensor(specs[i].name, specs[i].type, specs[i].shape,
                                    pattern(specs[i].bytes, static_cast<uint8_t>(i)));
    ASSERT_TRUE(status) << status.error().to_string();
  }
  auto bytes = writer.serialize();
  ASSERT_TRUE(bytes) << bytes.error().to_string();
  auto file = parse(*bytes);
  ASSERT_TRUE(file) << file.error().to_string();
  ASSERT_EQ(file->tensors().size(), specs.size());
  EXPECT_EQ(file->data_offset() % 32, 0u);
  uint64_t expected_offset = file->data_offset();
  for (size_t i = 0; i < specs.size(); ++i) {
    const TensorInfo& tensor = file->tensors()[i];
    SCOPED_TRACE(specs[i].name);
    EXPECT_EQ(tensor.name, specs[i].name);
    EXPECT_EQ(tensor.type, specs[i].type);
    EXPECT_EQ(tensor.shape, specs[i].shape);
    EXPECT_EQ(tensor.size_bytes, specs[i].bytes);
    // Tensors follow each other, each at the next multiple of 32.
    EXPECT_EQ(tensor.offset, expected_offset);
    expected_offset += (specs[i].bytes + 31) / 32 * 32;
    auto data = file->data(tensor);
    const std::vector<std::byte> want = pattern(specs[i].bytes, static_cast<uint8_t>(i));
    ASSERT_EQ(data.size(), want.size());
    EXPECT_EQ(std::memcmp(data.data(), want.data(), want.size()), 0);
  }
  EXPECT_EQ(file->file_size(), expected_offset);
  EXPECT_EQ(file->find("general.architecture")->as_string().value(), "llama");
}

TEST(InferGgufWriter, CustomAlignmentPlacesEveryTensor) {
  Writer writer;
  writer.set_uint32("general.alignment", 256);
  EXPECT_EQ(writer.alignment(), 256u);
  ASSERT_TRUE(writer.add_tensor("a", TensorType::kF32, {3}, pattern(12, 0)));
  ASSERT_TRUE(writer.add_tensor("b", TensorType::kF16, {5}, pattern(10, 1)));
  auto bytes = writer.serialize();
  ASSERT_TRUE(bytes) << bytes.error().to_string();
  auto file = parse(*bytes);
  ASSERT_TRUE(file) << file.error().to_string();
  EXPECT_EQ(file->alignment(), 256u);
  EXPECT_EQ(file->data_offset(), 256u);  // the header and infos take less than 256 bytes
  EXPECT_EQ(file->tensors()[0].offset, 256u);
  EXPECT_EQ(file->tensors()[1].offset, 512u);
  EXPECT_EQ(file->file_size(), 768u);
}

TEST(InferGgufWriter, LargestAlignmentCostsNothingWithoutTensors) {
  // 2^31 is a legal alignment; a file without tensors has no data section to pad (the fuzzer once
  // made the writer allocate the padding up front).
  Writer writer;
  writer.set_uint32("general.alignment", 1u << 31);
  auto bytes = writer.serialize();
  ASSERT_TRUE(bytes) << bytes.error().to_string();
  EXPECT_LT(bytes->size(), 100u);
  auto file = parse(*bytes);
  ASSERT_TRUE(file) << file.error().to_string();
  EXPECT_EQ(file->alignment(), 1u << 31);
}

TEST(InferGgufWriter, ResettingAKeyKeepsItsPlace) {
  Writer writer;
  writer.set_uint32("first", 1);
  writer.set_uint32("second", 2);
  writer.set_string("first", "again");
  auto file = parse(writer.serialize().value());
  ASSERT_TRUE(file) << file.error().to_string();
  ASSERT_EQ(file->metadata().size(), 2u);
  EXPECT_EQ(file->metadata()[0].key(), "first");
  EXPECT_EQ(file->metadata()[0].as_string().value(), "again");
  EXPECT_EQ(file->metadata()[1].key(), "second");
}

TEST(InferGgufWriter, RefusesTensorsThatWouldNotLoad) {
  Writer writer;
  auto expect_refused = [&](core::Status status, std::string_view needle) {
    ASSERT_FALSE(status) << needle;
    EXPECT_EQ(status.error().code(), core::Code::kInvalidArgument);
    EXPECT_NE(status.error().to_string().find(needle), std::string::npos)
        << status.error().to_string();
  };
  expect_refused(writer.add_tensor("w", TensorType::kF32, {4}, pattern(15, 0)),
                 "15 bytes of data given, but a F32 tensor of this shape takes 16");
  expect_refused(writer.add_tensor("w", TensorType::kQ8_0, {48}, pattern(34, 0)),
                 "not a multiple of 32");
  expect_refused(writer.add_tensor("w", TensorType::kF32, {0}, {}), "dimension 0 is not > 0");
  expect_refused(writer.add_tensor("w", TensorType::kF32, {}, {}), "not 0");
  expect_refused(writer.add_tensor("w", TensorType::kF32, {1, 1, 1, 1, 1}, pattern(4, 0)), "not 5");
  expect_refused(writer.add_tensor(std::string(64, 'n'), TensorType::kF32, {1}, pattern(4, 0)),
                 "64 bytes long, more than the limit of 63");
  expect_refused(writer.add_tensor("", TensorType::kF32, {1}, pattern(4, 0)), "empty");
  expect_refused(writer.add_tensor("bad\xff", TensorType::kF32, {1}, pattern(4, 0)), "UTF-8");
  expect_refused(writer.add_tensor("tab\there", TensorType::kF32, {1}, pattern(4, 0)),
                 "control characters");
  expect_refused(writer.add_tensor("w", static_cast<TensorType>(16), {256}, {}), "no known layout");
  ASSERT_TRUE(writer.add_tensor(std::string(63, 'n'), TensorType::kF32, {1}, pattern(4, 0)));
  ASSERT_TRUE(writer.add_tensor("w", TensorType::kF32, {1}, pattern(4, 0)));
  expect_refused(writer.add_tensor("w", TensorType::kF32, {1}, pattern(4, 0)), "added already");
}

TEST(InferGgufWriter, RefusesInvalidKeysAndAlignment) {
  auto refused = [](const Writer& writer, std::string_view needle) {
    auto bytes = writer.serialize();
    ASSERT_FALSE(bytes) << needle;
    EXPECT_EQ(bytes.error().code(), core::Code::kInvalidArgument);
    EXPECT_NE(bytes.error().to_string().find(needle), std::string::npos)
        << bytes.error().to_string();
  };
  Writer bad_key;
  bad_key.set_uint32("k\xc3", 1);
  refused(bad_key, "not valid UTF-8");
  Writer empty_key;
  empty_key.set_uint32("", 1);
  refused(empty_key, "must not be empty");
  Writer long_key;
  long_key.set_uint32(std::string(65536, 'k'), 1);
  refused(long_key, "65536 bytes long");
  Writer string_alignment;
  string_alignment.set_string("general.alignment", "32");
  refused(string_alignment, "must be a uint32, not string");
  Writer odd_alignment;
  odd_alignment.set_uint32("general.alignment", 48);
  refused(odd_alignment, "48 is not a power of two");
  Writer zero_alignment;
  zero_alignment.set_uint32("general.alignment", 0);
  refused(zero_alignment, "0 is not a power of two");
}

TEST(InferGgufWriter, WritesAtomicallyToDisk) {
  test::TempDir dir;
  Writer writer = every_value_type();
  ASSERT_TRUE(writer.add_tensor("w", TensorType::kF16, {4, 4}, pattern(32, 9)));
  const auto path = dir / "model.gguf";
  test::write_text(path, "old contents");
  auto status = writer.write(path);
  ASSERT_TRUE(status) << status.error().to_string();
  // Exactly the serialized bytes, mode 0644, and no temporary file left beside it.
  EXPECT_EQ(test::read_text(path), writer.serialize().value());
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u);
  size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
  auto file = File::open(path);
  ASSERT_TRUE(file) << file.error().to_string();
  EXPECT_EQ(file->tensors().size(), 1u);
  EXPECT_EQ(file->metadata().size(), 25u);

  // A failed write leaves the old file as it was.
  Writer invalid;
  invalid.set_uint32("general.alignment", 3);
  EXPECT_FALSE(invalid.write(path));
  EXPECT_EQ(test::read_text(path), writer.serialize().value());
  auto missing_dir = writer.write(dir / "no" / "such" / "model.gguf");
  ASSERT_FALSE(missing_dir);
  EXPECT_EQ(missing_dir.error().code(), core::Code::kNotFound);
}

// A tensor source passing its bytes in pieces gives the same file as the bytes given up front;
// a source that produces too few or too many bytes fails the write, naming the tensor, and
// leaves no file behind.
TEST(InferGgufWriter, StreamedTensorsMatchTensorsGivenUpFront) {
  const std::vector<std::byte> bytes = pattern(3 * 34 * 2, 5);
  // Passes `count` bytes (the pattern, repeated as needed) in pieces of up to 7.
  auto source_of = [&bytes](size_t count) -> Writer::TensorSource {
    return [&bytes, count](const Writer::ByteSink& sink) -> core::Status {
      std::string piece;
      for (size_t at = 0; at < count; ++at) {
        piece.push_back(static_cast<char>(bytes[at % bytes.size()]));
        if (piece.size() == 7 || at + 1 == count) {
          if (auto status = sink(piece); !status) return status;
          piece.clear();
        }
      }
      return {};
    };
  };
  Writer given;
  ASSERT_TRUE(given.add_tensor("a", TensorType::kQ8_0, {64, 3}, bytes));
  ASSERT_TRUE(given.add_tensor("b", TensorType::kF32, {3}, pattern(12, 1)));
  Writer streamed;
  ASSERT_TRUE(streamed.add_streamed_tensor("a", TensorType::kQ8_0, {64, 3}, source_of(bytes.size())));
  ASSERT_TRUE(streamed.add_tensor("b", TensorType::kF32, {3}, pattern(12, 1)));
  EXPECT_EQ(streamed.serialize().value(), given.serialize().value());

  test::TempDir dir;
  for (size_t count : {bytes.size() - 1, bytes.size() + 1}) {
    Writer wrong;
    ASSERT_TRUE(wrong.add_streamed_tensor("a", TensorType::kQ8_0, {64, 3}, source_of(count)));
    auto status = wrong.write(dir / "wrong.gguf");
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().where(), "a");
    EXPECT_NE(status.error().message().find("produced"), std::string::npos);
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  Writer checked;
  EXPECT_FALSE(checked.add_streamed_tensor("q", TensorType::kQ8_0, {33}, source_of(34)));
}

TEST(InferGgufReader, NestedArraysAndVersion2) {
  // An array of two arrays (of uint32 and of string), hand-assembled: the Writer has no setter
  // for nested arrays, but the format allows them.
  Bytes bytes;
  bytes.header(0, 1, 2).str("nested").u32(9).u32(9).u64(2);
  bytes.u32(4).u64(2).u32(10).u32(20);
  bytes.u32(8).u64(1).str("x");
  auto file = parse(bytes.str());
  ASSERT_TRUE(file) << file.error().to_string();
  EXPECT_EQ(file->version(), 2u);
  const Value* nested = file->find("nested");
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(nested->type(), ValueType::kArray);
  EXPECT_EQ(nested->element_type(), ValueType::kArray);
  EXPECT_EQ(nested->size(), 2u);
  EXPECT_EQ(nested->summary(), "[2 arrays]");
  EXPECT_FALSE(nested->as_ints());
  EXPECT_FALSE(nested->as_strings());
}

}  // namespace
}  // namespace ward::infer::gguf
