#pragma once
// A GGUF model file (versions 2 and 3, little-endian), opened read-only and fully validated.
//
// GGUF is the single-file model format of llama.cpp and ggml: a header, typed key/value metadata,
// a table of tensor infos (name, shape, element type, offset) and an aligned data section holding
// the tensors' bytes. File::open() memory-maps the file and checks every count, length, type id,
// offset and size in it before anything is used, so that a truncated, corrupt or hostile file is
// refused with an Error that names the file, what is wrong and where in the file, and never reads
// out of bounds. After open() succeeds, metadata, tensor infos and tensor bytes can be used without
// further checks. Strings and arrays are views into the mapping and live as long as the File.
//
// Threads: a File is immutable once opened; any number of threads may read it concurrently.
// The mapping is shared with the file on disk: a file truncated by another process while it is
// mapped makes later reads fault (SIGBUS); replace model files by renaming, never in place.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "infer/tensor_type.h"

namespace ward::infer::gguf {

// The value types of GGUF metadata, with the ids the file stores.
enum class ValueType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};

// "uint8", "int32", "float32", "bool", "string", "array", ... ("unknown" for an id not listed).
std::string_view type_name(ValueType type);

// Limits the reader enforces beyond the format itself (each keeps a hostile file from costing
// more than its size in memory or time).
inline constexpr uint32_t kMinVersion = 2;
inline constexpr uint32_t kMaxVersion = 3;
inline constexpr uint64_t kDefaultAlignment = 32;
inline constexpr uint64_t kMaxKeyBytes = 65535;        // the GGUF specification's bound
inline constexpr uint64_t kMaxTensorNameBytes = 1024;  // llama.cpp itself stops at 63
inline constexpr int kMaxArrayDepth = 4;               // an array nested in an array ... 4 deep
inline constexpr uint32_t kMaxDims = 4;                // ggml's GGML_MAX_DIMS

class File;

// A metadata value. Strings and arrays are views into the mapped file, valid while the File lives.
// Each accessor fails (kInvalidArgument) with an Error naming the key and the value's real type
// when the value does not fit what is asked for.
class Value {
 public:
  const std::string& key() const { return key_; }
  ValueType type() const { return type_; }
  core::Result<uint64_t> as_uint() const;  // any integer type holding a value >= 0
  core::Result<int64_t> as_int() const;    // any integer type whose value fits int64
  core::Result<double> as_float() const;   // float32, float64 or any integer type
  core::Result<bool> as_bool() const;
  core::Result<std::string_view> as_string() const;
  // Arrays: the type of the elements (kArray for nested arrays). Other values: their own type.
  ValueType element_type() const { return element_type_; }
  uint64_t size() const { return count_; }  // arrays: element count; otherwise 1
  core::Result<std::vector<std::string_view>> as_strings() const;  // array of string
  core::Result<std::vector<float>> as_floats() const;              // array of f32/f64
  core::Result<std::vector<int64_t>> as_ints() const;              // array of any integer type
  // A short human-readable rendering for `ward model inspect` ("[151936 strings]", "0.0001",
  // "\"llama\"").
  std::string summary() const;

 private:
  friend class File;
  friend class Writer;  // copies arrays' encoded bytes as they are (Writer::set_value)
  friend struct Parser;
  core::Error mismatch(std::string_view wanted) const;

  std::string key_;
  ValueType type_ = ValueType::kUint8;
  ValueType element_type_ = ValueType::kUint8;
  uint64_t count_ = 1;
  // Scalars: the value, widened. Unsigned types use uint_, signed ones int_, floats float_,
  // bool uint_ (0 or 1).
  uint64_t uint_ = 0;
  int64_t int_ = 0;
  double float_ = 0;
  // Strings: the text. Arrays: the elements' encoded bytes (validated by File::open()).
  std::string_view text_;
  const std::byte* elements_ = nullptr;
  uint64_t elements_bytes_ = 0;
};

struct TensorInfo {
  std::string name;
  TensorType type = TensorType::kF32;  // ward::infer::TensorType
  std::vector<int64_t> shape;          // ne[0] first; 1..4 entries, each > 0
  uint64_t offset = 0;                 // absolute byte offset of the data in the file
  uint64_t size_bytes = 0;
  int64_t element_count() const;
};

// A GGUF file opened and fully validated. Movable, not copyable. Thread-safe for concurrent reads.
class File {
 public:
  // Maps and validates the file at `path`. Errors: kNotFound (no such file), kPermissionDenied
  // (not readable), kInvalidArgument (not a GGUF file, or a legal but unsupported one: version 1,
  // big-endian, a tensor type Ward cannot compute with), kDataLoss (truncated or corrupt); the
  // Error's `where` is the path and its message says what is wrong and at which byte offset.
  static core::Result<File> open(const std::filesystem::path& path);
  // The same validation on bytes held in memory (fuzzing, tests); `name` plays the part of the
  // path in errors and path(). The File keeps the bytes.
  static core::Result<File> from_bytes(std::vector<std::byte> bytes, std::filesystem::path name);

  File(File&&) noexcept;
  File& operator=(File&&) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();

  const std::filesystem::path& path() const { return path_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t file_size() const;
  // Absolute offset of the data section (0 ... file_size(); past the end for a file whose
  // tensor infos end the file and that has no tensors).
  uint64_t data_offset() const { return data_offset_; }
  const std::vector<Value>& metadata() const { return metadata_; }     // in file order
  const Value* find(std::string_view key) const;                       // nullptr when absent
  const std::vector<TensorInfo>& tensors() const { return tensors_; }  // in file order
  const TensorInfo* find_tensor(std::string_view name) const;
  // The tensor's bytes (size_bytes of them). Bounds were checked in open(); a TensorInfo that does
  // not lie inside this file gives an empty span.
  std::span<const std::byte> data(const TensorInfo& tensor) const;

  struct Storage;  // the mapping or the owned bytes

 private:
  friend struct Parser;
  File();
  static core::Result<File> parse(std::unique_ptr<Storage> storage, std::filesystem::path path);

  std::unique_ptr<Storage> storage_;
  std::filesystem::path path_;
  uint32_t version_ = 0;
  uint64_t alignment_ = kDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<Value> metadata_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> key_index_;
  std::map<std::string, size_t, std::less<>> tensor_index_;
};

// The name of a ggml tensor type id for messages, including ids Ward's engine does not support
// ("IQ2_XXS"); nullopt for an id ggml never defined.
std::optional<std::string_view> ggml_type_name(uint32_t type_id);

}  // namespace ward::infer::gguf
