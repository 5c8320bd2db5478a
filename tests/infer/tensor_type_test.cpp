#include "infer/tensor_type.h"

#include <gtest/gtest.h>

namespace ward::infer {
namespace {

TEST(InferTensorType, QuantizedRowsAreWholeBlocks) {
  // A Q4_0 block holds 32 weights as 16 bytes of nibbles plus a 2-byte scale.
  EXPECT_EQ(row_bytes(TensorType::kQ4_0, 64), 2u * (16 + 2));
  // A Q6_K super-block: 128 bytes of low bits, 64 of high bits, 16 scales and a 2-byte scale.
  EXPECT_EQ(row_bytes(TensorType::kQ6_K, 512), 2u * (128 + 64 + 16 + 2));
  EXPECT_EQ(row_bytes(TensorType::kQ8_0, 33), std::nullopt);
  EXPECT_EQ(row_bytes(TensorType::kF16, 3), 6u);
}

TEST(InferTensorType, UnknownIdsHaveNoLayout) {
  EXPECT_FALSE(layout_of(4u).has_value());  // Q4_2, removed from the format long ago
  EXPECT_FALSE(layout_of(9999u).has_value());
  EXPECT_EQ(layout_of(30u)->name, "BF16");
}

TEST(InferTensorType, OverflowingRowsAreRefused) {
  EXPECT_EQ(row_bytes(TensorType::kF64, int64_t{1} << 62), std::nullopt);
  EXPECT_EQ(row_bytes(TensorType::kF32, -4), std::nullopt);
}

TEST(InferTensorType, NamesAreCaseInsensitive) {
  EXPECT_EQ(type_named("q8_0"), TensorType::kQ8_0);
  EXPECT_EQ(type_named("Q5_K"), TensorType::kQ5_K);
  EXPECT_EQ(type_named("q9_9"), std::nullopt);
}

}  // namespace
}  // namespace ward::infer
