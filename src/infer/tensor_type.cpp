#include "infer/tensor_type.h"

#include <array>
#include <cctype>
#include <limits>

namespace ward::infer {
namespace {

struct Entry {
  TensorType type;
  TypeLayout layout;
};

// Block layouts from the GGUF format's type table (element count and bytes per block).
constexpr std::array kTable = {
    Entry{TensorType::kF32, {"F32", 1, 4}},       Entry{TensorType::kF16, {"F16", 1, 2}},
    Entry{TensorType::kQ4_0, {"Q4_0", 32, 18}},   Entry{TensorType::kQ4_1, {"Q4_1", 32, 20}},
    Entry{TensorType::kQ5_0, {"Q5_0", 32, 22}},   Entry{TensorType::kQ5_1, {"Q5_1", 32, 24}},
    Entry{TensorType::kQ8_0, {"Q8_0", 32, 34}},   Entry{TensorType::kQ8_1, {"Q8_1", 32, 36}},
    Entry{TensorType::kQ2_K, {"Q2_K", 256, 84}},  Entry{TensorType::kQ3_K, {"Q3_K", 256, 110}},
    Entry{TensorType::kQ4_K, {"Q4_K", 256, 144}}, Entry{TensorType::kQ5_K, {"Q5_K", 256, 176}},
    Entry{TensorType::kQ6_K, {"Q6_K", 256, 210}}, Entry{TensorType::kQ8_K, {"Q8_K", 256, 292}},
    Entry{TensorType::kI8, {"I8", 1, 1}},         Entry{TensorType::kI16, {"I16", 1, 2}},
    Entry{TensorType::kI32, {"I32", 1, 4}},       Entry{TensorType::kI64, {"I64", 1, 8}},
    Entry{TensorType::kF64, {"F64", 1, 8}},       Entry{TensorType::kBF16, {"BF16", 1, 2}},
};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<TypeLayout> layout_of(uint32_t type_id) {
  for (const Entry& entry : kTable) {
    if (static_cast<uint32_t>(entry.type) == type_id) return entry.layout;
  }
  return std::nullopt;
}

std::optional<TypeLayout> layout_of(TensorType type) {
  return layout_of(static_cast<uint32_t>(type));
}

std::optional<uint64_t> row_bytes(TensorType type, int64_t elements) {
  const std::optional<TypeLayout> layout = layout_of(type);
  if (!layout || elements < 0 || elements % layout->block_elements != 0) return std::nullopt;
  const uint64_t blocks = static_cast<uint64_t>(elements / layout->block_elements);
  const uint64_t per_block = static_cast<uint64_t>(layout->block_bytes);
  if (blocks > std::numeric_limits<uint64_t>::max() / per_block) return std::nullopt;
  return blocks * per_block;
}

std::optional<TensorType> type_named(std::string_view name) {
  for (const Entry& entry : kTable) {
    if (equal_ignoring_case(entry.layout.name, name)) return entry.type;
  }
  return std::nullopt;
}

}  // namespace ward::infer
