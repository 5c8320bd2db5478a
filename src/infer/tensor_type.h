#pragma once
// The element types a GGUF tensor can have, with the numeric ids GGUF files use, and the block
// layout of each: how many elements one block holds and how many bytes it takes. The GGUF reader
// uses this to check tensor sizes; the kernels use it to walk rows. Immutable; thread-safe.

#include <cstdint>
#include <optional>
#include <string_view>

namespace ward::infer {

// Ids as stored in GGUF tensor infos. Only the types listed have a known layout; an id not listed
// is refused when a file is opened.
enum class TensorType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kBF16 = 30,
};

struct TypeLayout {
  std::string_view name;  // as llama.cpp and model cards spell it: "Q4_K", "F16", ...
  int64_t block_elements;  // elements per block (1 for plain types)
  int64_t block_bytes;     // bytes per block
};

// The layout of `type`, or nullopt for an id with no known layout.
std::optional<TypeLayout> layout_of(uint32_t type_id);
std::optional<TypeLayout> layout_of(TensorType type);

// Bytes taken by a row of `elements` elements, or nullopt when `elements` is not a whole number of
// blocks or the size overflows.
std::optional<uint64_t> row_bytes(TensorType type, int64_t elements);

// The type named `name` (case-insensitive: "q8_0", "Q4_K", "bf16"), or nullopt.
std::optional<TensorType> type_named(std::string_view name);

}  // namespace ward::infer
