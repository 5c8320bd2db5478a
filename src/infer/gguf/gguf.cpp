#include "infer/gguf/gguf.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/file.h"
#include "infer/gguf/text.h"

namespace ward::infer::gguf {

static_assert(std::endian::native == std::endian::little,
              "the GGUF reader reads little-endian numbers in place");

namespace {

// Decodes a little-endian T at `p` (any alignment).
template <typename T>
T load(const std::byte* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

// Bytes one element of a fixed-size value type takes; 0 for string and array.
uint64_t fixed_size(ValueType type) {
  switch (type) {
    case ValueType::kUint8:
    case ValueType::kInt8:
    case ValueType::kBool:
      return 1;
    case ValueType::kUint16:
    case ValueType::kInt16:
      return 2;
    case ValueType::kUint32:
    case ValueType::kInt32:
    case ValueType::kFloat32:
      return 4;
    case ValueType::kUint64:
    case ValueType::kInt64:
    case ValueType::kFloat64:
      return 8;
    case ValueType::kString:
    case ValueType::kArray:
      return 0;
  }
  return 0;
}

bool is_unsigned(ValueType type) {
  return type == ValueType::kUint8 || type == ValueType::kUint16 || type == ValueType::kUint32 ||
         type == ValueType::kUint64;
}
bool is_signed(ValueType type) {
  return type == ValueType::kInt8 || type == ValueType::kInt16 || type == ValueType::kInt32 ||
         type == ValueType::kInt64;
}
bool is_integer(ValueType type) {
  return is_unsigned(type) || is_signed(type);
}
bool is_float(ValueType type) {
  return type == ValueType::kFloat32 || type == ValueType::kFloat64;
}

// Reads one integer element of `type` at `p`, widened: unsigned into *u, signed into *s.
void load_integer(ValueType type, const std::byte* p, uint64_t* u, int64_t* s) {
  switch (type) {
    case ValueType::kUint8:
      *u = load<uint8_t>(p);
      return;
    case ValueType::kUint16:
      *u = load<uint16_t>(p);
      return;
    case ValueType::kUint32:
      *u = load<uint32_t>(p);
      return;
    case ValueType::kUint64:
      *u = load<uint64_t>(p);
      return;
    case ValueType::kInt8:
      *s = load<int8_t>(p);
      return;
    case ValueType::kInt16:
      *s = load<int16_t>(p);
      return;
    case ValueType::kInt32:
      *s = load<int32_t>(p);
      return;
    case ValueType::kInt64:
      *s = load<int64_t>(p);
      return;
    default:
      return;
  }
}

std::string describe_type(const Value& value) {
  if (value.type() != ValueType::kArray) return std::string(type_name(value.type()));
  return fmt::format("array of {}", type_name(value.element_type()));
}

// Ids of ggml tensor types, including those Ward's engine has no layout for (so that messages can
// name them). From ggml's type table; ids 4, 5 and 31..33, 36..38 were removed from ggml.
constexpr std::array<std::string_view, 40> kGgmlTypeNames = {
    "F32",   "F16",        "Q4_0",       "Q4_1",       "Q4_2",     "Q4_3",     "Q5_0",
    "Q5_1",  "Q8_0",       "Q8_1",       "Q2_K",       "Q3_K",     "Q4_K",     "Q5_K",
    "Q6_K",  "Q8_K",       "IQ2_XXS",    "IQ2_XS",     "IQ3_XXS",  "IQ1_S",    "IQ4_NL",
    "IQ3_S", "IQ2_S",      "IQ4_XS",     "I8",         "I16",      "I32",      "I64",
    "F64",   "IQ1_M",      "BF16",       "Q4_0_4_4",   "Q4_0_4_8", "Q4_0_8_8", "TQ1_0",
    "TQ2_0", "IQ4_NL_4_4", "IQ4_NL_4_8", "IQ4_NL_8_8", "MXFP4",
};

// Where the bytes of a File live: a read-only mapping of the file, or a buffer it owns.
struct MappedStorage;
struct OwnedStorage;

// Smallest encodings, used to bound counts by the bytes left before reading anything:
// a key/value is a key (8-byte length + at least 1 byte), a 4-byte type and at least a 1-byte
// value; a tensor info is a name (8 + 1), n_dims (4), one dimension (8), a type (4), an offset (8).
constexpr uint64_t kMinKeyValueBytes = 8 + 1 + 4 + 1;
constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8;
constexpr uint64_t kMinNestedArrayBytes = 4 + 8;
constexpr uint64_t kHeaderBytes = 4 + 4 + 8 + 8;
// Absolute bounds on the table sizes, far above any real model (which has tens of metadata keys
// and at most a few thousand tensors), so that a hostile file cannot make the reader allocate many
// times its own size.
constexpr uint64_t kMaxMetadataEntries = uint64_t{1} << 20;
constexpr uint64_t kMaxTensors = uint64_t{1} << 20;

}  // namespace

struct File::Storage {
  virtual ~Storage() = default;
  const std::byte* data = nullptr;
  uint64_t size = 0;
};

namespace {

struct MappedStorage final : File::Storage {
  ~MappedStorage() override {
    if (data != nullptr) ::munmap(const_cast<std::byte*>(data), size);
  }
};

struct OwnedStorage final : File::Storage {
  explicit OwnedStorage(std::vector<std::byte> bytes_in) : bytes(std::move(bytes_in)) {
    data = bytes.data();
    size = bytes.size();
  }
  std::vector<std::byte> bytes;
};

}  // namespace

// Walks the file once, front to back, checking each field before it is used. Every error names
// the byte offset and the key or tensor being read.
struct Parser {
  Parser(const std::byte* base_in, uint64_t size_in, std::string where_in)
      : base(base_in), size(size_in), where(std::move(where_in)) {}

  const std::byte* base;
  uint64_t size;
  std::string where;
  uint64_t pos = 0;
  std::string subject;  // "key 'x'" or "tensor 'y'": what is being read, for messages

  uint64_t remaining() const { return size - pos; }

  core::Error corrupt(std::string message) const {
    return core::Error(core::Code::kDataLoss, where,
                       message + "; the file is truncated or corrupt");
  }
  core::Error unsupported(std::string message) const {
    return core::Error(core::Code::kInvalidArgument, where, std::move(message));
  }
  std::string prefix() const { return subject.empty() ? std::string() : subject + ": "; }

  core::Error truncated(std::string_view what, uint64_t needed) const {
    return corrupt(fmt::format("{}{} at byte {} needs {} bytes but the file ends at byte {}",
                               prefix(), what, pos, needed, size));
  }

  template <typename T>
  core::Result<T> read(std::string_view what) {
    if (remaining() < sizeof(T)) return truncated(what, sizeof(T));
    T value = load<T>(base + pos);
    pos += sizeof(T);
    return value;
  }

  // A length-prefixed string; `what` names it in messages ("key", "tensor name", "string value").
  core::Result<std::string_view> read_string(std::string_view what) {
    const uint64_t at = pos;
    auto length = read<uint64_t>(fmt::format("the length of the {}", what));
    if (!length) return length.error();
    if (*length > remaining()) {
      return corrupt(fmt::format(
          "{}the {} at byte {} claims {} bytes but only {} remain before the end of the file "
          "({} bytes)",
          prefix(), what, at, *length, remaining(), size));
    }
    std::string_view text(reinterpret_cast<const char*>(base + pos), *length);
    pos += *length;
    return text;
  }

  // A key or tensor name: bounded, valid UTF-8, no control characters.
  core::Result<std::string_view> read_name(std::string_view what, uint64_t max_bytes) {
    const uint64_t at = pos;
    if (remaining() >= 8) {
      const uint64_t length = load<uint64_t>(base + pos);
      if (length > max_bytes && length <= remaining() - 8) {
        return corrupt(
            fmt::format("{}the {} at byte {} is {} bytes long, more than the limit of {}", prefix(),
                        what, at, length, max_bytes));
      }
    }
    auto text = read_string(what);
    if (!text) return text.error();
    if (text->empty())
      return corrupt(fmt::format("{}the {} at byte {} is empty", prefix(), what, at));
    if (text->size() > max_bytes) {
      return corrupt(fmt::format("{}the {} at byte {} is {} bytes long, more than the limit of {}",
                                 prefix(), what, at, text->size(), max_bytes));
    }
    if (!is_valid_utf8(*text)) {
      return corrupt(fmt::format("{}the {} at byte {} ({}) is not valid UTF-8", prefix(), what, at,
                                 quote_for_message(*text)));
    }
    if (has_control_characters(*text)) {
      return corrupt(fmt::format("{}the {} at byte {} ({}) contains control characters", prefix(),
                                 what, at, quote_for_message(*text)));
    }
    return text;
  }

  core::Result<ValueType> read_value_type(std::string_view what) {
    const uint64_t at = pos;
    auto id = read<uint32_t>(what);
    if (!id) return id.error();
    if (*id > static_cast<uint32_t>(ValueType::kFloat64)) {
      return corrupt(fmt::format("{}{} at byte {} is {}, which is not a GGUF value type (0 to 12)",
                                 prefix(), what, at, *id));
    }
    return static_cast<ValueType>(*id);
  }

  // Skips `count` array elements of `type` (checking each), nested `depth` arrays deep.
  core::Status skip_elements(ValueType type, uint64_t count, int depth) {
    const uint64_t start = pos;
    if (const uint64_t width = fixed_size(type); width != 0) {
      if (count > remaining() / width) {
        return corrupt(fmt::format(
            "{}the array at byte {} claims {} {} elements ({} bytes each) but only {} bytes remain",
            prefix(), start, count, type_name(type), width, remaining()));
      }
      if (type == ValueType::kBool) {
        for (uint64_t i = 0; i < count; ++i) {
          const auto byte = static_cast<uint8_t>(base[pos + i]);
          if (byte > 1) {
            return corrupt(fmt::format("{}bool array element {} at byte {} is {}, not 0 or 1",
                                       prefix(), i, pos + i, byte));
          }
        }
      }
      pos += count * width;
      return {};
    }
    if (type == ValueType::kString) {
      if (count > remaining() / 8) {
        return corrupt(fmt::format(
            "{}the array at byte {} claims {} strings but only {} bytes remain (8 per string "
            "length at least)",
            prefix(), start, count, remaining()));
      }
      for (uint64_t i = 0; i < count; ++i) {
        // Inlined read_string: string arrays hold hundreds of thousands of tokens.
        if (remaining() < 8) return truncated("the length of an array string", 8);
        const uint64_t length = load<uint64_t>(base + pos);
        if (length > remaining() - 8) {
          return corrupt(fmt::format(
              "{}array string {} at byte {} claims {} bytes but only {} remain before the end of "
              "the file ({} bytes)",
              prefix(), i, pos, length, remaining() - 8, size));
        }
        pos += 8 + length;
      }
      return {};
    }
    // Arrays of arrays.
    if (depth >= kMaxArrayDepth) {
      return corrupt(fmt::format("{}the array at byte {} nests arrays more than {} deep", prefix(),
                                 start, kMaxArrayDepth));
    }
    if (count > remaining() / kMinNestedArrayBytes) {
      return corrupt(
          fmt::format("{}the array at byte {} claims {} nested arrays but only {} bytes remain",
                      prefix(), start, count, remaining()));
    }
    for (uint64_t i = 0; i < count; ++i) {
      auto inner_type = read_value_type("the element type of a nested array");
      if (!inner_type) return inner_type.error();
      auto inner_count = read<uint64_t>("the element count of a nested array");
      if (!inner_count) return inner_count.error();
      if (auto status = skip_elements(*inner_type, *inner_count, depth + 1); !status) return status;
    }
    return {};
  }

  core::Status read_value(Value& value) {
    const uint64_t at = pos;
    const ValueType type = value.type_;
    value.element_type_ = type;
    value.count_ = 1;
    auto scalar = [&](auto tag) -> core::Status {
      using T = decltype(tag);
      auto raw = read<T>(fmt::format("the {} value", type_name(type)));
      if (!raw) return raw.error();
      if constexpr (std::is_floating_point_v<T>) {
        value.float_ = *raw;
      } else if constexpr (std::is_signed_v<T>) {
        value.int_ = *raw;
      } else {
        value.uint_ = *raw;
      }
      return {};
    };
    switch (type) {
      case ValueType::kUint8:
        return scalar(uint8_t{});
      case ValueType::kInt8:
        return scalar(int8_t{});
      case ValueType::kUint16:
        return scalar(uint16_t{});
      case ValueType::kInt16:
        return scalar(int16_t{});
      case ValueType::kUint32:
        return scalar(uint32_t{});
      case ValueType::kInt32:
        return scalar(int32_t{});
      case ValueType::kFloat32:
        return scalar(float{});
      case ValueType::kUint64:
        return scalar(uint64_t{});
      case ValueType::kInt64:
        return scalar(int64_t{});
      case ValueType::kFloat64:
        return scalar(double{});
      case ValueType::kBool: {
        auto raw = read<uint8_t>("the bool value");
        if (!raw) return raw.error();
        if (*raw > 1) {
          return corrupt(
              fmt::format("{}the bool value at byte {} is {}, not 0 or 1", prefix(), at, *raw));
        }
        value.uint_ = *raw;
        return {};
      }
      case ValueType::kString: {
        auto text = read_string("string value");
        if (!text) return text.error();
        value.text_ = *text;
        return {};
      }
      case ValueType::kArray: {
        auto element_type = read_value_type("the array's element type");
        if (!element_type) return element_type.error();
        auto count = read<uint64_t>("the array's element count");
        if (!count) return count.error();
        const uint64_t start = pos;
        if (auto status = skip_elements(*element_type, *count, 1); !status) return status;
        value.element_type_ = *element_type;
        value.count_ = *count;
        value.elements_ = base + start;
        value.elements_bytes_ = pos - start;
        return {};
      }
    }
    return corrupt("unreachable value type");
  }

  core::Result<uint64_t> read_count(std::string_view what, uint64_t limit) {
    const uint64_t at = pos;
    auto count = read<uint64_t>(fmt::format("the {} count", what));
    if (!count) return count.error();
    if (*count > limit) {
      return corrupt(fmt::format("the header (byte {}) claims {} {}, more than the limit of {}", at,
                                 *count, what, limit));
    }
    return count;
  }

  core::Status parse_header(File& file) {
    if (size < 4) {
      return corrupt(fmt::format("the file is {} bytes long, too short to be a GGUF file", size));
    }
    if (std::memcmp(base, "GGUF", 4) != 0) {
      return unsupported(fmt::format(
          "not a GGUF model file: it begins with the bytes {:02x} {:02x} {:02x} {:02x}, not 'GGUF'",
          static_cast<uint8_t>(base[0]), static_cast<uint8_t>(base[1]),
          static_cast<uint8_t>(base[2]), static_cast<uint8_t>(base[3])));
    }
    pos = 4;
    auto version = read<uint32_t>("the GGUF version");
    if (!version) return version.error();
    const uint32_t swapped = __builtin_bswap32(*version);
    if (*version == 1) {
      return unsupported(
          "GGUF version 1 is obsolete and not supported; convert the model again with a current "
          "llama.cpp (Ward reads GGUF versions 2 and 3)");
    }
    if ((*version & 0xffff) == 0 && swapped >= 1 && swapped <= kMaxVersion) {
      return unsupported(fmt::format(
          "this is a big-endian GGUF file (version {} stored big-endian); Ward reads little-endian "
          "GGUF files only: convert it with llama.cpp's gguf tools",
          swapped));
    }
    if (*version < kMinVersion || *version > kMaxVersion) {
      return unsupported(fmt::format(
          "GGUF version {} is not supported (Ward reads versions 2 and 3); use a model converted "
          "by a llama.cpp release that writes version 3",
          *version));
    }
    file.version_ = *version;
    if (size < kHeaderBytes) {
      return corrupt(fmt::format("the file is {} bytes long, shorter than the {}-byte GGUF header",
                                 size, kHeaderBytes));
    }
    auto tensor_count = read_count("tensors", kMaxTensors);
    if (!tensor_count) return tensor_count.error();
    auto kv_count = read_count("metadata entries", kMaxMetadataEntries);
    if (!kv_count) return kv_count.error();
    // Every entry takes some bytes: a count larger than what the rest of the file can hold is a
    // lie, caught here before any loop or allocation depends on it.
    if (*kv_count > remaining() / kMinKeyValueBytes) {
      return corrupt(fmt::format(
          "the header claims {} metadata entries but the remaining {} bytes can hold at most {}",
          *kv_count, remaining(), remaining() / kMinKeyValueBytes));
    }
    if (*tensor_count > remaining() / kMinTensorInfoBytes) {
      return corrupt(fmt::format(
          "the header claims {} tensors but the remaining {} bytes can hold at most {} tensor "
          "infos",
          *tensor_count, remaining(), remaining() / kMinTensorInfoBytes));
    }
    tensor_count_ = *tensor_count;
    kv_count_ = *kv_count;
    return {};
  }

  core::Status parse_metadata(File& file) {
    std::map<std::string_view, uint64_t, std::less<>> first_offset;
    file.metadata_.reserve(std::min<uint64_t>(kv_count_, 1024));
    for (uint64_t i = 0; i < kv_count_; ++i) {
      const uint64_t at = pos;
      subject = fmt::format("metadata entry {} of {}", i, kv_count_);
      auto key = read_name("key", kMaxKeyBytes);
      if (!key) return key.error();
      subject = fmt::format("key '{}'", clip(*key));
      if (auto found = first_offset.find(*key); found != first_offset.end()) {
        return corrupt(fmt::format("key '{}' at byte {} appears a second time (first at byte {})",
                                   clip(*key), at, found->second));
      }
      first_offset.emplace(*key, at);
      Value value;
      value.key_ = std::string(*key);
      auto type = read_value_type("the value type");
      if (!type) return type.error();
      value.type_ = *type;
      if (auto status = read_value(value); !status) return status;
      file.key_index_.emplace(value.key_, file.metadata_.size());
      file.metadata_.push_back(std::move(value));
    }
    subject.clear();
    return {};
  }

  core::Status read_alignment(File& file) {
    const Value* value = file.find("general.alignment");
    if (value == nullptr) return {};
    if (value->type() != ValueType::kUint32) {
      return corrupt(fmt::format("key 'general.alignment' is {}, but GGUF requires a uint32",
                                 describe_type(*value)));
    }
    const uint64_t alignment = value->uint_;
    if (alignment == 0 || !std::has_single_bit(alignment)) {
      return corrupt(
          fmt::format("key 'general.alignment' is {}, which is not a power of two", alignment));
    }
    file.alignment_ = alignment;
    return {};
  }

  core::Status parse_tensor_infos(File& file) {
    std::map<std::string_view, uint64_t, std::less<>> first_offset;
    file.tensors_.reserve(std::min<uint64_t>(tensor_count_, 1024));
    for (uint64_t i = 0; i < tensor_count_; ++i) {
      const uint64_t at = pos;
      subject = fmt::format("tensor info {} of {}", i, tensor_count_);
      auto name = read_name("tensor name", kMaxTensorNameBytes);
      if (!name) return name.error();
      subject = fmt::format("tensor '{}'", clip(*name));
      if (auto found = first_offset.find(*name); found != first_offset.end()) {
        return corrupt(
            fmt::format("tensor name '{}' at byte {} appears a second time (first at byte {})",
                        clip(*name), at, found->second));
      }
      first_offset.emplace(*name, at);
      TensorInfo tensor;
      tensor.name = std::string(*name);

      const uint64_t dims_at = pos;
      auto n_dims = read<uint32_t>("the dimension count");
      if (!n_dims) return n_dims.error();
      if (*n_dims < 1 || *n_dims > kMaxDims) {
        return corrupt(fmt::format("{}the dimension count at byte {} is {}, not 1 to {}", prefix(),
                                   dims_at, *n_dims, kMaxDims));
      }
      int64_t elements = 1;
      for (uint32_t d = 0; d < *n_dims; ++d) {
        const uint64_t dim_at = pos;
        auto dim = read<uint64_t>("a dimension");
        if (!dim) return dim.error();
        if (*dim == 0 || *dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          return corrupt(fmt::format("{}dimension {} (ne[{}]) at byte {} is {}, not a size > 0",
                                     prefix(), d, d, dim_at, static_cast<int64_t>(*dim)));
        }
        const auto extent = static_cast<int64_t>(*dim);
        if (elements > std::numeric_limits<int64_t>::max() / extent) {
          return corrupt(fmt::format("{}the element count of shape {} overflows 64 bits", prefix(),
                                     shape_text(tensor.shape, extent)));
        }
        elements *= extent;
        tensor.shape.push_back(extent);
      }

      const uint64_t type_at = pos;
      auto type_id = read<uint32_t>("the tensor type");
      if (!type_id) return type_id.error();
      const std::optional<TypeLayout> layout = layout_of(*type_id);
      if (!layout) {
        if (auto known = ggml_type_name(*type_id)) {
          return unsupported(fmt::format(
              "{}tensor type {} ({}, at byte {}) is not supported by Ward's engine; use a model "
              "quantised to one of F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 or a K-quant",
              prefix(), *known, *type_id, type_at));
        }
        return corrupt(fmt::format("{}the tensor type at byte {} is {}, which is not a ggml type",
                                   prefix(), type_at, *type_id));
      }
      tensor.type = static_cast<TensorType>(*type_id);
      if (tensor.shape[0] % layout->block_elements != 0) {
        return corrupt(
            fmt::format("{}ne[0] = {} is not a multiple of {}, the block size of type {}", prefix(),
                        tensor.shape[0], layout->block_elements, layout->name));
      }
      const std::optional<uint64_t> row = row_bytes(tensor.type, tensor.shape[0]);
      const uint64_t rows = static_cast<uint64_t>(elements / tensor.shape[0]);
      if (!row || (rows != 0 && *row > std::numeric_limits<uint64_t>::max() / rows)) {
        return corrupt(fmt::format("{}the byte size of shape {} in type {} overflows 64 bits",
                                   prefix(), shape_text(tensor.shape, 0), layout->name));
      }
      tensor.size_bytes = *row * rows;

      const uint64_t offset_at = pos;
      auto offset = read<uint64_t>("the data offset");
      if (!offset) return offset.error();
      if (*offset % file.alignment_ != 0) {
        return corrupt(
            fmt::format("{}the data offset {} (at byte {}) is not a multiple of the alignment {}",
                        prefix(), *offset, offset_at, file.alignment_));
      }
      tensor.offset = *offset;  // relative to the data section until the section is placed
      file.tensor_index_.emplace(tensor.name, file.tensors_.size());
      file.tensors_.push_back(std::move(tensor));
    }
    subject.clear();
    return {};
  }

  static std::string shape_text(const std::vector<int64_t>& shape, int64_t next) {
    std::string text = "[";
    for (size_t i = 0; i < shape.size(); ++i) text += fmt::format("{}{}", i ? ", " : "", shape[i]);
    if (next != 0) text += fmt::format("{}{}", shape.empty() ? "" : ", ", next);
    return text + "]";
  }

  core::Status place_data(File& file) {
    // pos <= size < 2^63 and alignment <= 2^31, so this cannot overflow.
    file.data_offset_ = (pos + file.alignment_ - 1) / file.alignment_ * file.alignment_;
    for (TensorInfo& tensor : file.tensors_) {
      const uint64_t relative = tensor.offset;
      if (relative > size || file.data_offset_ > size - relative ||
          tensor.size_bytes > size - file.data_offset_ - relative) {
        return corrupt(fmt::format(
            "tensor '{}' data (offset {}, {} bytes) runs past the end of the file ({} bytes)",
            tensor.name,
            relative > std::numeric_limits<uint64_t>::max() - file.data_offset_
                ? relative
                : file.data_offset_ + relative,
            tensor.size_bytes, size));
      }
      tensor.offset = file.data_offset_ + relative;
    }
    std::vector<const TensorInfo*> by_offset;
    by_offset.reserve(file.tensors_.size());
    for (const TensorInfo& tensor : file.tensors_) by_offset.push_back(&tensor);
    std::sort(by_offset.begin(), by_offset.end(),
              [](const TensorInfo* a, const TensorInfo* b) { return a->offset < b->offset; });
    for (size_t i = 1; i < by_offset.size(); ++i) {
      const TensorInfo& before = *by_offset[i - 1];
      const TensorInfo& after = *by_offset[i];
      if (before.offset + before.size_bytes > after.offset) {
        return corrupt(fmt::format(
            "tensor '{}' data (offset {}, {} bytes) overlaps tensor '{}' data (offset {}, {} "
            "bytes)",
            after.name, after.offset, after.size_bytes, before.name, before.offset,
            before.size_bytes));
      }
    }
    return {};
  }

  uint64_t tensor_count_ = 0;
  uint64_t kv_count_ = 0;
};

// ---- Value ---------------------------------------------------------------------------------

std::string_view type_name(ValueType type) {
  switch (type) {
    case ValueType::kUint8:
      return "uint8";
    case ValueType::kInt8:
      return "int8";
    case ValueType::kUint16:
      return "uint16";
    case ValueType::kInt16:
      return "int16";
    case ValueType::kUint32:
      return "uint32";
    case ValueType::kInt32:
      return "int32";
    case ValueType::kFloat32:
      return "float32";
    case ValueType::kBool:
      return "bool";
    case ValueType::kString:
      return "string";
    case ValueType::kArray:
      return "array";
    case ValueType::kUint64:
      return "uint64";
    case ValueType::kInt64:
      return "int64";
    case ValueType::kFloat64:
      return "float64";
  }
  return "unknown";
}

std::optional<std::string_view> ggml_type_name(uint32_t type_id) {
  if (type_id >= kGgmlTypeNames.size()) return std::nullopt;
  return kGgmlTypeNames[type_id];
}

core::Error Value::mismatch(std::string_view wanted) const {
  return core::Error(core::Code::kInvalidArgument, key_,
                     fmt::format("the metadata value is {} ({}), not {}", describe_type(*this),
                                 summary(), wanted));
}

core::Result<uint64_t> Value::as_uint() const {
  if (is_unsigned(type_)) return uint_;
  if (is_signed(type_) && int_ >= 0) return static_cast<uint64_t>(int_);
  return mismatch("an integer >= 0");
}

core::Result<int64_t> Value::as_int() const {
  if (is_signed(type_)) return int_;
  if (is_unsigned(type_) && uint_ <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return static_cast<int64_t>(uint_);
  }
  return mismatch("an integer that fits int64");
}

core::Result<double> Value::as_float() const {
  if (is_float(type_)) return float_;
  if (is_unsigned(type_)) return static_cast<double>(uint_);
  if (is_signed(type_)) return static_cast<double>(int_);
  return mismatch("a number");
}

core::Result<bool> Value::as_bool() const {
  if (type_ == ValueType::kBool) return uint_ != 0;
  return mismatch("a bool");
}

core::Result<std::string_view> Value::as_string() const {
  if (type_ == ValueType::kString) return text_;
  return mismatch("a string");
}

core::Result<std::vector<std::string_view>> Value::as_strings() const {
  if (type_ != ValueType::kArray || element_type_ != ValueType::kString) {
    return mismatch("an array of string");
  }
  std::vector<std::string_view> out;
  out.reserve(count_);
  const std::byte* p = elements_;
  for (uint64_t i = 0; i < count_; ++i) {
    const uint64_t length = load<uint64_t>(p);
    out.emplace_back(reinterpret_cast<const char*>(p + 8), length);
    p += 8 + length;
  }
  return out;
}

core::Result<std::vector<float>> Value::as_floats() const {
  if (type_ != ValueType::kArray || !is_float(element_type_)) {
    return mismatch("an array of float32 or float64");
  }
  std::vector<float> out(count_);
  for (uint64_t i = 0; i < count_; ++i) {
    out[i] = element_type_ == ValueType::kFloat32
                 ? load<float>(elements_ + 4 * i)
                 : static_cast<float>(load<double>(elements_ + 8 * i));
  }
  return out;
}

core::Result<std::vector<int64_t>> Value::as_ints() const {
  if (type_ != ValueType::kArray || !is_integer(element_type_)) {
    return mismatch("an array of integers");
  }
  const uint64_t width = fixed_size(element_type_);
  std::vector<int64_t> out(count_);
  for (uint64_t i = 0; i < count_; ++i) {
    uint64_t u = 0;
    int64_t s = 0;
    load_integer(element_type_, elements_ + width * i, &u, &s);
    if (is_unsigned(element_type_)) {
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return core::Error(core::Code::kInvalidArgument, key_,
                           fmt::format("array element {} is {}, which does not fit int64", i, u));
      }
      s = static_cast<int64_t>(u);
    }
    out[i] = s;
  }
  return out;
}

namespace {

std::string render_scalar(ValueType type, const std::byte* p) {
  switch (type) {
    case ValueType::kFloat32:
      return fmt::format("{}", load<float>(p));
    case ValueType::kFloat64:
      return fmt::format("{}", load<double>(p));
    case ValueType::kBool:
      return load<uint8_t>(p) ? "true" : "false";
    default: {
      uint64_t u = 0;
      int64_t s = 0;
      load_integer(type, p, &u, &s);
      return is_unsigned(type) ? fmt::format("{}", u) : fmt::format("{}", s);
    }
  }
}

}  // namespace

std::string Value::summary() const {
  constexpr uint64_t kShownElements = 8;
  constexpr size_t kShownBytes = 64;
  switch (type_) {
    case ValueType::kString:
      return quote_for_message(text_, kShownBytes);
    case ValueType::kFloat32:
      return fmt::format("{}", static_cast<float>(float_));
    case ValueType::kFloat64:
      return fmt::format("{}", float_);
    case ValueType::kBool:
      return uint_ ? "true" : "false";
    case ValueType::kArray:
      break;
    default:
      return is_unsigned(type_) ? fmt::format("{}", uint_) : fmt::format("{}", int_);
  }
  if (element_type_ == ValueType::kArray || count_ > kShownElements) {
    const std::string_view noun = type_name(element_type_);
    return fmt::format("[{} {}{}]", count_, noun, count_ == 1 ? "" : "s");
  }
  std::string text = "[";
  const std::byte* p = elements_;
  for (uint64_t i = 0; i < count_; ++i) {
    if (i) text += ", ";
    if (element_type_ == ValueType::kString) {
      const uint64_t length = load<uint64_t>(p);
      text += quote_for_message(std::string_view(reinterpret_cast<const char*>(p + 8), length),
                                kShownBytes / 4);
      p += 8 + length;
    } else {
      text += render_scalar(element_type_, p);
      p += fixed_size(element_type_);
    }
  }
  return text + "]";
}

// ---- TensorInfo and File -------------------------------------------------------------------

int64_t TensorInfo::element_count() const {
  int64_t count = 1;
  for (int64_t extent : shape) count *= extent;  // checked against overflow by File::open()
  return count;
}

File::File() = default;
File::File(File&&) noexcept = default;
File& File::operator=(File&&) noexcept = default;
File::~File() = default;

uint64_t File::file_size() const {
  return storage_ ? storage_->size : 0;
}

const Value* File::find(std::string_view key) const {
  auto found = key_index_.find(key);
  return found == key_index_.end() ? nullptr : &metadata_[found->second];
}

const TensorInfo* File::find_tensor(std::string_view name) const {
  auto found = tensor_index_.find(name);
  return found == tensor_index_.end() ? nullptr : &tensors_[found->second];
}

std::span<const std::byte> File::data(const TensorInfo& tensor) const {
  const uint64_t size = file_size();
  if (tensor.offset > size || tensor.size_bytes > size - tensor.offset) return {};
  return {storage_->data + tensor.offset, static_cast<size_t>(tensor.size_bytes)};
}

core::Result<File> File::parse(std::unique_ptr<Storage> storage, std::filesystem::path path) {
  File file;
  file.path_ = std::move(path);
  Parser parser(storage->data, storage->size, file.path_.string());
  file.storage_ = std::move(storage);
  if (auto status = parser.parse_header(file); !status) return status.error();
  if (auto status = parser.parse_metadata(file); !status) return status.error();
  if (auto status = parser.read_alignment(file); !status) return status.error();
  if (auto status = parser.parse_tensor_infos(file); !status) return status.error();
  if (auto status = parser.place_data(file); !status) return status.error();
  return file;
}

core::Result<File> File::from_bytes(std::vector<std::byte> bytes, std::filesystem::path name) {
  return parse(std::make_unique<OwnedStorage>(std::move(bytes)), std::move(name));
}

core::Result<File> File::open(const std::filesystem::path& path) {
  const std::string where = path.string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error_number = errno;
    const std::string reason = core::errno_text(error_number);
    if (error_number == ENOENT || error_number == ENOTDIR) {
      return core::Error(core::Code::kNotFound, where,
                         "the model file does not exist (" + reason + "); check the path");
    }
    if (error_number == EACCES || error_number == EPERM) {
      return core::Error(
          core::Code::kPermissionDenied, where,
          "the model file cannot be read (" + reason + "); give the ward user read access to it");
    }
    return core::Error(core::Code::kUnavailable, where, "opening the model file failed: " + reason);
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int error_number = errno;
    ::close(fd);
    return core::Error(core::Code::kUnavailable, where,
                       "reading the model file's size failed: " + core::errno_text(error_number));
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    return core::Error(core::Code::kInvalidArgument, where,
                       "is not a regular file; give the path of a .gguf model file");
  }
  auto storage = std::make_unique<MappedStorage>();
  storage->size = static_cast<uint64_t>(info.st_size);
  if (storage->size > 0) {
    void* mapped = ::mmap(nullptr, storage->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapped == MAP_FAILED) {
      const int error_number = errno;
      ::close(fd);
      return core::Error(
          core::Code::kUnavailable, where,
          "mapping the model file into memory failed: " + core::errno_text(error_number));
    }
    storage->data = static_cast<const std::byte*>(mapped);
  }
  ::close(fd);  // the mapping keeps the file's pages reachable
  return parse(std::move(storage), path);
}

}  // namespace ward::infer::gguf
