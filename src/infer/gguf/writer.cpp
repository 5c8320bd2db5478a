#include "infer/gguf/writer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>

#include "core/file.h"
#include "core/id.h"
#include "infer/gguf/text.h"

namespace ward::infer::gguf {
namespace {

// llama.cpp keeps tensor names in 64-byte buffers with a terminating NUL.
constexpr size_t kMaxWrittenTensorNameBytes = 63;
constexpr uint32_t kWrittenVersion = 3;

template <typename T>
void append(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

void append_string(std::string& out, std::string_view text) {
  append<uint64_t>(out, text.size());
  out.append(text);
}

template <typename T>
std::string encode(T value) {
  std::string out;
  append(out, value);
  return out;
}

core::Error invalid(std::string where, std::string message) {
  return core::Error(core::Code::kInvalidArgument, std::move(where), std::move(message));
}

core::Status check_name(std::string_view what, std::string_view name, size_t max_bytes) {
  if (name.empty()) return invalid("", fmt::format("a {} must not be empty", what));
  if (name.size() > max_bytes) {
    return invalid(clip(name), fmt::format("the {} is {} bytes long, more than the limit of {}",
                                           what, name.size(), max_bytes));
  }
  if (!is_valid_utf8(name)) {
    return invalid(quote_for_message(name), fmt::format("the {} is not valid UTF-8", what));
  }
  if (has_control_characters(name)) {
    return invalid(quote_for_message(name),
                   fmt::format("the {} contains control characters", what));
  }
  return {};
}

uint64_t padding(uint64_t offset, uint64_t alignment) {
  return (alignment - offset % alignment) % alignment;
}

core::Error io_error(const std::filesystem::path& path, std::string_view doing, int error_number) {
  const core::Code code = error_number == ENOENT || error_number == ENOTDIR ? core::Code::kNotFound
                          : error_number == EACCES || error_number == EPERM || error_number == EROFS
                              ? core::Code::kPermissionDenied
                              : core::Code::kUnavailable;
  return core::Error(code, path.string(),
                     fmt::format("{} failed: {}; check the directory and the free disk space",
                                 doing, core::errno_text(error_number)));
}

}  // namespace

void Writer::set(std::string key, ValueType type, std::string encoded) {
  for (Entry& entry : entries_) {
    if (entry.key == key) {
      entry.type = type;
      entry.encoded = std::move(encoded);
      return;
    }
  }
  entries_.push_back({std::move(key), type, std::move(encoded)});
}

void Writer::set_uint8(std::string key, uint8_t value) {
  set(std::move(key), ValueType::kUint8, encode(value));
}
void Writer::set_int8(std::string key, int8_t value) {
  set(std::move(key), ValueType::kInt8, encode(value));
}
void Writer::set_uint16(std::string key, uint16_t value) {
  set(std::move(key), ValueType::kUint16, encode(value));
}
void Writer::set_int16(std::string key, int16_t value) {
  set(std::move(key), ValueType::kInt16, encode(value));
}
void Writer::set_uint32(std::string key, uint32_t value) {
  set(std::move(key), ValueType::kUint32, encode(value));
}
void Writer::set_int32(std::string key, int32_t value) {
  set(std::move(key), ValueType::kInt32, encode(value));
}
void Writer::set_float32(std::string key, float value) {
  set(std::move(key), ValueType::kFloat32, encode(value));
}
void Writer::set_bool(std::string key, bool value) {
  set(std::move(key), ValueType::kBool, encode<uint8_t>(value ? 1 : 0));
}
void Writer::set_string(std::string key, std::string_view value) {
  std::string encoded;
  append_string(encoded, value);
  set(std::move(key), ValueType::kString, std::move(encoded));
}
void Writer::set_uint64(std::string key, uint64_t value) {
  set(std::move(key), ValueType::kUint64, encode(value));
}
void Writer::set_int64(std::string key, int64_t value) {
  set(std::move(key), ValueType::kInt64, encode(value));
}
void Writer::set_float64(std::string key, double value) {
  set(std::move(key), ValueType::kFloat64, encode(value));
}

template <typename T>
void Writer::set_numeric_array(std::string key, ValueType element_type, std::span<const T> values) {
  std::string encoded;
  encoded.reserve(12 + values.size() * sizeof(T));
  append<uint32_t>(encoded, static_cast<uint32_t>(element_type));
  append<uint64_t>(encoded, values.size());
  for (const T& value : values) append(encoded, value);
  set(std::move(key), ValueType::kArray, std::move(encoded));
}

void Writer::set_array(std::string key, std::span<const uint8_t> values) {
  set_numeric_array(std::move(key), ValueType::kUint8, values);
}
void Writer::set_array(std::string key, std::span<const int8_t> values) {
  set_numeric_array(std::move(key), ValueType::kInt8, values);
}
void Writer::set_array(std::string key, std::span<const uint16_t> values) {
  set_numeric_array(std::move(key), ValueType::kUint16, values);
}
void Writer::set_array(std::string key, std::span<const int16_t> values) {
  set_numeric_array(std::move(key), ValueType::kInt16, values);
}
void Writer::set_array(std::string key, std::span<const uint32_t> values) {
  set_numeric_array(std::move(key), ValueType::kUint32, values);
}
void Writer::set_array(std::string key, std::span<const int32_t> values) {
  set_numeric_array(std::move(key), ValueType::kInt32, values);
}
void Writer::set_array(std::string key, std::span<const float> values) {
  set_numeric_array(std::move(key), ValueType::kFloat32, values);
}
void Writer::set_array(std::string key, std::span<const uint64_t> values) {
  set_numeric_array(std::move(key), ValueType::kUint64, values);
}
void Writer::set_array(std::string key, std::span<const int64_t> values) {
  set_numeric_array(std::move(key), ValueType::kInt64, values);
}
void Writer::set_array(std::string key, std::span<const double> values) {
  set_numeric_array(std::move(key), ValueType::kFloat64, values);
}
void Writer::set_array(std::string key, const std::vector<bool>& values) {
  std::vector<uint8_t> bytes(values.begin(), values.end());
  std::string encoded;
  append<uint32_t>(encoded, static_cast<uint32_t>(ValueType::kBool));
  append<uint64_t>(encoded, bytes.size());
  for (uint8_t byte : bytes) append(encoded, byte);
  set(std::move(key), ValueType::kArray, std::move(encoded));
}
void Writer::set_array(std::string key, std::span<const std::string> values) {
  std::string encoded;
  append<uint32_t>(encoded, static_cast<uint32_t>(ValueType::kString));
  append<uint64_t>(encoded, values.size());
  for (const std::string& value : values) append_string(encoded, value);
  set(std::move(key), ValueType::kArray, std::move(encoded));
}
void Writer::set_array(std::string key, std::span<const std::string_view> values) {
  std::string encoded;
  append<uint32_t>(encoded, static_cast<uint32_t>(ValueType::kString));
  append<uint64_t>(encoded, values.size());
  for (std::string_view value : values) append_string(encoded, value);
  set(std::move(key), ValueType::kArray, std::move(encoded));
}

void Writer::set_value(const Value& value) {
  std::string key = value.key();
  switch (value.type()) {
    case ValueType::kUint8:
      return set_uint8(std::move(key), static_cast<uint8_t>(*value.as_uint()));
    case ValueType::kInt8:
      return set_int8(std::move(key), static_cast<int8_t>(*value.as_int()));
    case ValueType::kUint16:
      return set_uint16(std::move(key), static_cast<uint16_t>(*value.as_uint()));
    case ValueType::kInt16:
      return set_int16(std::move(key), static_cast<int16_t>(*value.as_int()));
    case ValueType::kUint32:
      return set_uint32(std::move(key), static_cast<uint32_t>(*value.as_uint()));
    case ValueType::kInt32:
      return set_int32(std::move(key), static_cast<int32_t>(*value.as_int()));
    case ValueType::kUint64:
      return set_uint64(std::move(key), *value.as_uint());
    case ValueType::kInt64:
      return set_int64(std::move(key), *value.as_int());
    case ValueType::kFloat32:
      return set_float32(std::move(key), static_cast<float>(*value.as_float()));
    case ValueType::kFloat64:
      return set_float64(std::move(key), *value.as_float());
    case ValueType::kBool:
      return set_bool(std::move(key), *value.as_bool());
    case ValueType::kString:
      return set_string(std::move(key), *value.as_string());
    case ValueType::kArray: {
      // File::open() validated the elements' encoding, which is the same in versions 2 and 3.
      std::string encoded;
      append<uint32_t>(encoded, static_cast<uint32_t>(value.element_type_));
      append<uint64_t>(encoded, value.count_);
      encoded.append(reinterpret_cast<const char*>(value.elements_), value.elements_bytes_);
      return set(std::move(key), ValueType::kArray, std::move(encoded));
    }
  }
}

core::Result<uint64_t> Writer::check_tensor(const std::string& name, TensorType type,
                                            const std::vector<int64_t>& shape) const {
  if (auto status = check_name("tensor name", name, kMaxWrittenTensorNameBytes); !status) {
    return status.error();
  }
  for (const Tensor& tensor : tensors_) {
    if (tensor.name == name) return invalid(name, "a tensor of this name was added already");
  }
  const std::optional<TypeLayout> layout = layout_of(type);
  if (!layout) {
    return invalid(
        name, fmt::format("tensor type id {} has no known layout", static_cast<uint32_t>(type)));
  }
  if (shape.empty() || shape.size() > kMaxDims) {
    return invalid(name,
                   fmt::format("a tensor has 1 to {} dimensions, not {}", kMaxDims, shape.size()));
  }
  int64_t elements = 1;
  for (int64_t extent : shape) {
    if (extent <= 0) return invalid(name, fmt::format("dimension {} is not > 0", extent));
    if (elements > std::numeric_limits<int64_t>::max() / extent) {
      return invalid(name, "the element count overflows 64 bits");
    }
    elements *= extent;
  }
  const std::optional<uint64_t> row = row_bytes(type, shape[0]);
  if (!row) {
    return invalid(name, fmt::format("ne[0] = {} is not a multiple of {}, the block size of {}",
                                     shape[0], layout->block_elements, layout->name));
  }
  const auto rows = static_cast<uint64_t>(elements / shape[0]);
  if (*row > std::numeric_limits<uint64_t>::max() / rows) {
    return invalid(name, "the byte size overflows 64 bits");
  }
  return *row * rows;
}

core::Status Writer::add_tensor(std::string name, TensorType type, std::vector<int64_t> shape,
                                std::vector<std::byte> data) {
  auto size = check_tensor(name, type, shape);
  if (!size) return size.error();
  if (data.size() != *size) {
    return invalid(name,
                   fmt::format("{} bytes of data given, but a {} tensor of this shape takes {}",
                               data.size(), layout_of(type)->name, *size));
  }
  tensors_.push_back({std::move(name), type, std::move(shape), *size, std::move(data), nullptr});
  return {};
}

core::Status Writer::add_streamed_tensor(std::string name, TensorType type,
                                         std::vector<int64_t> shape, TensorSource source) {
  auto size = check_tensor(name, type, shape);
  if (!size) return size.error();
  if (!source) return invalid(name, "the tensor has no source for its bytes");
  tensors_.push_back({std::move(name), type, std::move(shape), *size, {}, std::move(source)});
  return {};
}

uint64_t Writer::alignment() const {
  for (const Entry& entry : entries_) {
    if (entry.key == "general.alignment" && entry.type == ValueType::kUint32) {
      uint32_t value = 0;
      std::memcpy(&value, entry.encoded.data(), sizeof(value));
      return value;
    }
  }
  return kDefaultAlignment;
}

core::Status Writer::check_metadata() const {
  for (const Entry& entry : entries_) {
    if (auto status = check_name("metadata key", entry.key, kMaxKeyBytes); !status) return status;
    if (entry.key == "general.alignment") {
      if (entry.type != ValueType::kUint32) {
        return invalid(entry.key, fmt::format("must be a uint32, not {}", type_name(entry.type)));
      }
      if (!std::has_single_bit(alignment())) {
        return invalid(entry.key, fmt::format("{} is not a power of two", alignment()));
      }
    }
  }
  return {};
}

std::string Writer::encode_header() const {
  std::string out;
  out.append("GGUF");
  append<uint32_t>(out, kWrittenVersion);
  append<uint64_t>(out, tensors_.size());
  append<uint64_t>(out, entries_.size());
  for (const Entry& entry : entries_) {
    append_string(out, entry.key);
    append<uint32_t>(out, static_cast<uint32_t>(entry.type));
    out.append(entry.encoded);
  }
  const uint64_t align = alignment();
  uint64_t offset = 0;
  for (const Tensor& tensor : tensors_) {
    append_string(out, tensor.name);
    append<uint32_t>(out, static_cast<uint32_t>(tensor.shape.size()));
    for (int64_t extent : tensor.shape) append<uint64_t>(out, static_cast<uint64_t>(extent));
    append<uint32_t>(out, static_cast<uint32_t>(tensor.type));
    append<uint64_t>(out, offset);
    offset += tensor.size_bytes + padding(tensor.size_bytes, align);
  }
  // A file without tensors ends with its tensor infos, as llama.cpp's vocabulary files do.
  if (!tensors_.empty()) out.append(padding(out.size(), align), '\0');
  return out;
}

core::Status Writer::emit_tensor(const Tensor& tensor, const Sink& sink) const {
  if (!tensor.source) {
    return sink(std::string_view(reinterpret_cast<const char*>(tensor.data.data()),
                                 tensor.data.size()));
  }
  uint64_t produced = 0;
  // Bytes beyond the declared size would shift every later tensor: refuse them before they
  // reach the sink.
  auto status = tensor.source([&](std::string_view bytes) -> core::Status {
    if (bytes.size() > tensor.size_bytes - produced) {
      return invalid(tensor.name, fmt::format("the tensor's source produced more than its {} bytes",
                                              tensor.size_bytes));
    }
    produced += bytes.size();
    return sink(bytes);
  });
  if (!status) return status;
  if (produced != tensor.size_bytes) {
    return invalid(tensor.name, fmt::format("the tensor's source produced {} bytes, not {}",
                                            produced, tensor.size_bytes));
  }
  return {};
}

core::Status Writer::emit(const Sink& sink) const {
  if (auto status = check_metadata(); !status) return status;
  if (auto status = sink(encode_header()); !status) return status;
  const uint64_t align = alignment();
  // Padding goes out in pieces: general.alignment may legally be as large as 2^31.
  const std::string zeros(std::min<uint64_t>(align, 4096), '\0');
  for (const Tensor& tensor : tensors_) {
    if (auto status = emit_tensor(tensor, sink); !status) return status;
    for (uint64_t pad = padding(tensor.size_bytes, align); pad > 0;) {
      const uint64_t piece = std::min<uint64_t>(pad, zeros.size());
      if (auto status = sink(std::string_view(zeros).substr(0, piece)); !status) return status;
      pad -= piece;
    }
  }
  return {};
}

core::Result<std::string> Writer::serialize() const {
  std::string out;
  auto status = emit([&out](std::string_view bytes) -> core::Status {
    out.append(bytes);
    return {};
  });
  if (!status) return status.error();
  return out;
}

core::Status Writer::write(const std::filesystem::path& path, mode_t mode) const {
  if (auto status = check_metadata(); !status) return status;
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  const std::filesystem::path temp =
      dir / ("." + path.filename().string() + ".tmp-" + core::new_id().to_string());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return io_error(path, "creating a temporary file beside it", errno);
  core::Status status;
  if (::fchmod(fd, mode) != 0) status = io_error(path, "setting the mode of", errno);
  if (status) {
    status = emit([&](std::string_view bytes) -> core::Status {
      while (!bytes.empty()) {
        const ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0) {
          if (errno == EINTR) continue;
          return io_error(path, "writing", errno);
        }
        bytes.remove_prefix(static_cast<size_t>(written));
      }
      return {};
    });
  }
  if (status && ::fsync(fd) != 0) status = io_error(path, "syncing", errno);
  if (::close(fd) != 0 && status) status = io_error(path, "closing", errno);
  if (status && ::rename(temp.c_str(), path.c_str()) != 0) {
    status = io_error(path, "renaming the new file into place", errno);
  }
  if (!status) {
    ::unlink(temp.c_str());
    return status;
  }
  // The rename survives a crash only once the directory itself is synced.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return io_error(dir, "opening the directory", errno);
  const int rc = ::fsync(dir_fd);
  const int saved = errno;
  ::close(dir_fd);
  if (rc != 0) return io_error(dir, "syncing the directory", saved);
  return {};
}

}  // namespace ward::infer::gguf
