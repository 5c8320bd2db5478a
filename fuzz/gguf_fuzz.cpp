// libFuzzer entry point for the GGUF reader: any bytes must give a File or an Error, never a crash
// or an out-of-bounds read. For bytes that open, it also checks what open() promises (every tensor
// lies inside the file, aligned, without overlap; every accessor answers) and that writing the
// file again with the Writer and reading it back gives the same metadata and tensors.
//
// Built with clang by fuzz/CMakeLists.txt (WARD_BUILD_FUZZ=ON); also compiled into the normal test
// executable, where InferGgufCorpus replays fuzz/corpus/gguf/ through it. Single-threaded.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "infer/gguf/gguf.h"
#include "infer/gguf/writer.h"

namespace {

using namespace ward::infer::gguf;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "gguf_fuzz: invariant broken: %s\n", what);
  std::abort();
}

void check(bool condition, const char* what) {
  if (!condition) fail(what);
}

// Calls every accessor; the results must agree with the value's type.
void exercise(const Value& value) {
  (void)value.summary();
  const bool is_array = value.type() == ValueType::kArray;
  check(is_array || value.size() == 1, "a scalar has size 1");
  if (auto strings = value.as_strings()) check(strings->size() == value.size(), "strings count");
  if (auto floats = value.as_floats()) check(floats->size() == value.size(), "floats count");
  if (auto ints = value.as_ints()) check(ints->size() == value.size(), "ints count");
  check(value.as_string().ok() == (value.type() == ValueType::kString), "as_string by type");
  check(value.as_bool().ok() == (value.type() == ValueType::kBool), "as_bool by type");
  (void)value.as_uint();
  (void)value.as_int();
  (void)value.as_float();
}

// The file rebuilt through the Writer, or false when it holds something the Writer cannot express
// (tensor names over llama.cpp's 63 bytes).
bool rebuild(const File& file, Writer& writer) {
  for (const Value& value : file.metadata()) writer.set_value(value);
  for (const TensorInfo& tensor : file.tensors()) {
    if (tensor.name.size() > 63) return false;
    const auto bytes = file.data(tensor);
    if (!writer.add_tensor(tensor.name, tensor.type, tensor.shape,
                           std::vector<std::byte>(bytes.begin(), bytes.end()))) {
      fail("the Writer refuses a tensor the reader accepted");
    }
  }
  return true;
}

void check_same(const File& a, const File& b) {
  check(a.metadata().size() == b.metadata().size(), "round trip: metadata count");
  for (size_t i = 0; i < a.metadata().size(); ++i) {
    const Value& x = a.metadata()[i];
    const Value& y = b.metadata()[i];
    check(x.key() == y.key() && x.type() == y.type() && x.element_type() == y.element_type() &&
              x.size() == y.size() && x.summary() == y.summary(),
          "round trip: metadata value");
  }
  check(a.tensors().size() == b.tensors().size(), "round trip: tensor count");
  check(a.alignment() == b.alignment(), "round trip: alignment");
  for (size_t i = 0; i < a.tensors().size(); ++i) {
    const TensorInfo& x = a.tensors()[i];
    const TensorInfo& y = b.tensors()[i];
    check(
        x.name == y.name && x.type == y.type && x.shape == y.shape && x.size_bytes == y.size_bytes,
        "round trip: tensor info");
    const auto dx = a.data(x);
    const auto dy = b.data(y);
    check(dx.size() == dy.size() && std::memcmp(dx.data(), dy.data(), dx.size()) == 0,
          "round trip: tensor data");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // An exact-size heap copy, so that AddressSanitizer sees a read one byte past the end.
  std::vector<std::byte> bytes(size);
  if (size != 0) std::memcpy(bytes.data(), data, size);
  auto file = File::from_bytes(std::move(bytes), "fuzz.gguf");
  if (!file) {
    check(!file.error().message().empty(), "an error has a message");
    return 0;
  }

  for (const Value& value : file->metadata()) {
    check(file->find(value.key()) == &value, "find() returns the entry");
    exercise(value);
  }
  check(file->alignment() != 0 && (file->alignment() & (file->alignment() - 1)) == 0,
        "alignment is a power of two");
  check(file->data_offset() % file->alignment() == 0, "the data section is aligned");
  uint64_t total = 0;
  for (const TensorInfo& tensor : file->tensors()) {
    check(file->find_tensor(tensor.name) == &tensor, "find_tensor() returns the tensor");
    check(tensor.offset % file->alignment() == 0, "tensor data is aligned");
    check(tensor.offset >= file->data_offset(), "tensor data is in the data section");
    check(tensor.element_count() > 0, "a tensor has elements");
    const auto span = file->data(tensor);
    check(span.size() == tensor.size_bytes, "data() covers the tensor");
    // Touch the first and last byte: out of bounds would be caught by AddressSanitizer.
    total += static_cast<uint8_t>(span.front()) + static_cast<uint8_t>(span.back());
    total += tensor.size_bytes;
  }
  check(total >= file->tensors().size(), "tensor sizes add up");

  Writer writer;
  if (rebuild(*file, writer)) {
    auto rewritten = writer.serialize();
    check(rewritten.ok(), "the Writer serializes what the reader accepted");
    std::vector<std::byte> again(rewritten->size());
    std::memcpy(again.data(), rewritten->data(), again.size());
    auto reread = File::from_bytes(std::move(again), "rewritten.gguf");
    check(reread.ok(), "the reader accepts what the Writer wrote");
    check_same(*file, *reread);
  }
  return 0;
}
