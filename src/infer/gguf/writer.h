#pragma once
// Builds a GGUF version 3 file: metadata of every value type in insertion order, then tensors,
// each placed at the next multiple of the alignment (`general.alignment` when set, else 32).
// What it writes is a conforming file that llama.cpp loads: keys and tensor names are checked
// (valid UTF-8, no control characters; tensor names at most 63 bytes, llama.cpp's limit), shapes
// have 1 to 4 positive dimensions whose first is a whole number of blocks, and each tensor's bytes
// must be exactly the size its type and shape give. `ward model synth` writes random-weight models
// with it, producing each tensor's bytes while the file is written (a TensorSource), so that a
// model larger than memory never has to be held; tests build files with it and then corrupt them
// byte-wise.
//
// Threads: a Writer is a plain value; use one from one thread at a time.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "infer/gguf/gguf.h"
#include "infer/tensor_type.h"

namespace ward::infer::gguf {

class Writer {
 public:
  // Receives the next bytes of the file; a failure stops the write.
  using ByteSink = std::function<core::Status(std::string_view)>;
  // Produces one tensor's bytes, in order, by passing them to the sink in pieces of any size; it
  // must pass exactly the tensor's byte size in all (a different count fails the write naming
  // the tensor). Called once per write() or serialize(), from the calling thread.
  using TensorSource = std::function<core::Status(const ByteSink& sink)>;

  // Scalars. Setting a key that is already set replaces its value and keeps its position.
  void set_uint8(std::string key, uint8_t value);
  void set_int8(std::string key, int8_t value);
  void set_uint16(std::string key, uint16_t value);
  void set_int16(std::string key, int16_t value);
  void set_uint32(std::string key, uint32_t value);
  void set_int32(std::string key, int32_t value);
  void set_float32(std::string key, float value);
  void set_bool(std::string key, bool value);
  void set_string(std::string key, std::string_view value);
  void set_uint64(std::string key, uint64_t value);
  void set_int64(std::string key, int64_t value);
  void set_float64(std::string key, double value);

  // Arrays; the element type follows from the C++ type (float → float32, double → float64).
  void set_array(std::string key, std::span<const uint8_t> values);
  void set_array(std::string key, std::span<const int8_t> values);
  void set_array(std::string key, std::span<const uint16_t> values);
  void set_array(std::string key, std::span<const int16_t> values);
  void set_array(std::string key, std::span<const uint32_t> values);
  void set_array(std::string key, std::span<const int32_t> values);
  void set_array(std::string key, std::span<const float> values);
  void set_array(std::string key, std::span<const uint64_t> values);
  void set_array(std::string key, std::span<const int64_t> values);
  void set_array(std::string key, std::span<const double> values);
  void set_array(std::string key, const std::vector<bool>& values);
  void set_array(std::string key, std::span<const std::string> values);
  void set_array(std::string key, std::span<const std::string_view> values);
  // Copies a value read from another file under its own key, exactly as it is: any scalar or
  // string, and any array (nested arrays, bools and float64 included) byte for byte.
  void set_value(const Value& value);

  // Adds a tensor after those added before. `shape` is ne[0] first; `data` must hold exactly
  // row_bytes(type, shape[0]) × (the product of the other dimensions) bytes. Fails with
  // kInvalidArgument (where: the tensor name) for a bad name, a repeated name, a bad shape or a
  // wrong size; nothing is added then.
  core::Status add_tensor(std::string name, TensorType type, std::vector<int64_t> shape,
                          std::vector<std::byte> data);
  // The same checks, for a tensor whose bytes `source` produces when the file is written.
  core::Status add_streamed_tensor(std::string name, TensorType type, std::vector<int64_t> shape,
                                   TensorSource source);

  // The alignment of the data section and of each tensor: general.alignment when set (as a
  // uint32), else 32.
  uint64_t alignment() const;

  // The whole file in memory (tests, fuzz seeds). Fails with kInvalidArgument for an invalid key
  // or a general.alignment that is not a uint32 power of two.
  core::Result<std::string> serialize() const;

  // Writes the file atomically and durably: a temporary file in the same directory, fsync,
  // rename over `path`, fsync of the directory. Tensor bytes are streamed, not copied into one
  // buffer. On failure `path` is untouched.
  core::Status write(const std::filesystem::path& path, mode_t mode = 0644) const;

 private:
  struct Entry {
    std::string key;
    ValueType type;
    std::string encoded;  // the value as the file stores it, after the type id
  };
  struct Tensor {
    std::string name;
    TensorType type;
    std::vector<int64_t> shape;
    uint64_t size_bytes = 0;
    std::vector<std::byte> data;  // the bytes, unless `source` produces them
    TensorSource source;
  };
  using Sink = ByteSink;

  void set(std::string key, ValueType type, std::string encoded);
  template <typename T>
  void set_numeric_array(std::string key, ValueType element_type, std::span<const T> values);
  // The byte size of a tensor that may be added with this name, type and shape.
  core::Result<uint64_t> check_tensor(const std::string& name, TensorType type,
                                      const std::vector<int64_t>& shape) const;
  core::Status emit_tensor(const Tensor& tensor, const Sink& sink) const;
  core::Status check_metadata() const;
  std::string encode_header() const;  // header, metadata, tensor infos and padding
  core::Status emit(const Sink& sink) const;

  std::vector<Entry> entries_;
  std::vector<Tensor> tensors_;
};

}  // namespace ward::infer::gguf
