#pragma once
// Conversions between float and the two 16-bit float formats GGUF tensors use: IEEE 754 half
// precision (F16) and bfloat16 (BF16, the top 16 bits of a float). Portable code, no
// instruction-set requirements; pure functions, thread-safe.

#include <cstdint>

namespace ward::infer::kernels {

// Exact: every half value (subnormals, infinities, NaN) has a float.
float fp16_to_fp32(uint16_t half);

// Rounds to nearest, ties to even; overflows to infinity, underflows through the subnormals to
// zero; NaN stays NaN (quiet).
uint16_t fp32_to_fp16(float value);

// Exact: the 16 bits become the top of the float.
float bf16_to_fp32(uint16_t bf16);

// Rounds to nearest, ties to even; NaN stays NaN (quiet).
uint16_t fp32_to_bf16(float value);

}  // namespace ward::infer::kernels
