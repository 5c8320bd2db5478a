#pragma once
// The scalar reference code: dequantisers, quantisers and the activation quantisers. Portable,
// written for clarity; the oracle the SIMD families are tested against. Internal to
// src/infer/kernels (kernels.h is the public face). Thread-safe: pure functions of their inputs.

#include <cstdint>

#include "infer/kernels/dispatch.h"

namespace ward::infer::kernels::reference {

// The 6-bit scales and mins of a Q4_K / Q5_K super-block, unpacked from its 12 bytes.
void unpack_scales_mins(const uint8_t* packed, uint8_t scales[8], uint8_t mins[8]);
// The inverse: scales and mins (each < 64) into 12 bytes.
void pack_scales_mins(const uint8_t scales[8], const uint8_t mins[8], uint8_t packed[12]);

// Dequantisers: `n` elements, a whole number of blocks.
void dequantize_f32(const void* src, float* dst, int64_t n);
void dequantize_f16(const void* src, float* dst, int64_t n);
void dequantize_bf16(const void* src, float* dst, int64_t n);
void dequantize_q8_0(const void* src, float* dst, int64_t n);
void dequantize_q4_0(const void* src, float* dst, int64_t n);
void dequantize_q4_k(const void* src, float* dst, int64_t n);
void dequantize_q5_k(const void* src, float* dst, int64_t n);
void dequantize_q6_k(const void* src, float* dst, int64_t n);
void dequantize_q8_k(const void* src, float* dst, int64_t n);

// Quantisers: `n` elements, a whole number of blocks.
void quantize_f32(const float* src, void* dst, int64_t n);
void quantize_f16(const float* src, void* dst, int64_t n);
void quantize_bf16(const float* src, void* dst, int64_t n);
void quantize_q8_0(const float* src, void* dst, int64_t n);
void quantize_q4_0(const float* src, void* dst, int64_t n);
void quantize_q4_k(const float* src, void* dst, int64_t n);
void quantize_q5_k(const float* src, void* dst, int64_t n);
void quantize_q6_k(const float* src, void* dst, int64_t n);
void quantize_q8_k(const float* src, void* dst, int64_t n);

// Activation quantisers: one column of `k` floats into the layout QuantizedActivations documents.
// kQ8x32: int8 values at `values` (zero up to a whole pair of blocks), a float scale per block
// (zero up to a whole pair), and per block b two offsets: offsets[2b] = -128 times the sum of
// the block's even groups of four values (0-3, 8-11, 16-19, 24-27), offsets[2b + 1] of its odd
// ones. They are what VPDPBUSD adds to when the weights are made unsigned by adding 128, in the
// row-interleaved AVX-512 VNNI kernel whose lanes alternate between even and odd groups.
void quantize_activation_q8x32(const float* x, int64_t k, int8_t* values, float* scales,
                               int32_t* offsets);
// kQ8x256: int8 values, per 256 a float scale, per 16 the float sum scale * sum of the values.
// Both: per group, scale = max|x| / 127 and q = x * (127 / max|x|) rounded to nearest even (the
// rounding every family reproduces exactly); the activations must be finite.
void quantize_activation_q8x256(const float* x, int64_t k, int8_t* values, float* scales,
                                float* group_sums);

// kernels::attend() and kernels::silu_multiply(), in the plainest order: scores, their maximum,
// exp with std::exp, then the weighted sum of the values.
void attend(const AttentionArgs& args);
void silu_multiply(float* gate, const float* up, int64_t n);

}  // namespace ward::infer::kernels::reference
