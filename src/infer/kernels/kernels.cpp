// The public face of the kernels: argument checks, the activation layouts, and the choice of
// family (an atomic pointer to the active family's table, read once per call).

#include "infer/kernels/kernels.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/cpu.h"
#include "infer/kernels/dispatch.h"
#include "infer/kernels/reference.h"

namespace ward::infer::kernels {
namespace {

constexpr size_t kAlign = 64;

size_t align_up(size_t n) {
  return (n + kAlign - 1) / kAlign * kAlign;
}

std::optional<WeightKind> kind_of(TensorType type) {
  switch (type) {
    case TensorType::kF32:
      return kKindF32;
    case TensorType::kF16:
      return kKindF16;
    case TensorType::kBF16:
      return kKindBF16;
    case TensorType::kQ8_0:
      return kKindQ8_0;
    case TensorType::kQ4_0:
      return kKindQ4_0;
    case TensorType::kQ4_K:
      return kKindQ4_K;
    case TensorType::kQ5_K:
      return kKindQ5_K;
    case TensorType::kQ6_K:
      return kKindQ6_K;
    default:
      return std::nullopt;
  }
}

const KernelTable* table_of(KernelFamily family) {
  switch (family) {
    case KernelFamily::kScalar:
      return scalar_table();
    case KernelFamily::kAvx2:
      return avx2_table();
    case KernelFamily::kAvx512:
      return avx512_table();
    case KernelFamily::kAvx512Vnni:
      return avx512_vnni_table();
  }
  return nullptr;
}

struct Active {
  KernelFamily family;
  const KernelTable* table;
};

// Both fields change together, so they live in one immutable object per family.
const Active* active_for(KernelFamily family) {
  static const Active actives[] = {
      {KernelFamily::kScalar, table_of(KernelFamily::kScalar)},
      {KernelFamily::kAvx2, table_of(KernelFamily::kAvx2)},
      {KernelFamily::kAvx512, table_of(KernelFamily::kAvx512)},
      {KernelFamily::kAvx512Vnni, table_of(KernelFamily::kAvx512Vnni)},
  };
  return &actives[static_cast<int>(family)];
}

std::atomic<const Active*>& active_slot() {
  static std::atomic<const Active*> slot{active_for(best_family())};
  return slot;
}

[[noreturn]] void precondition_failed(const std::string& what) {
  std::fprintf(stderr, "ward: internal error in infer::kernels: %s\n", what.c_str());
  std::abort();
}

std::string type_text(TensorType type) {
  const auto layout = layout_of(type);
  return layout ? std::string(layout->name) : "type " + std::to_string(static_cast<uint32_t>(type));
}

// The checks matmul() and vec_dot() make before touching memory; a failure is a caller's bug.
WeightKind checked_kind(TensorType weight_type, const QuantizedActivations& x) {
  const auto kind = kind_of(weight_type);
  if (!kind || !check_weight_shape(weight_type, x.k())) {
    precondition_failed("no kernel for " + type_text(weight_type) + " rows of " +
                        std::to_string(x.k()) + " elements");
  }
  if (activation_format(weight_type) != x.format()) {
    precondition_failed("activations quantised for " + type_text(x.weight_type()) +
                        " weights used with " + type_text(weight_type) + " weights");
  }
  return *kind;
}

MatmulArgs args_for(TensorType weight_type, const void* w, int64_t row_begin, int64_t row_end,
                    const QuantizedActivations& x, float* y, int64_t y_stride) {
  const size_t row_size = static_cast<size_t>(*row_bytes(weight_type, x.k()));
  return MatmulArgs{
      .w = static_cast<const uint8_t*>(w) + static_cast<size_t>(row_begin) * row_size,
      .w_row_bytes = row_size,
      .rows = row_end - row_begin,
      .k = x.k(),
      .x = reinterpret_cast<const uint8_t*>(x.data()),
      .x_col_bytes = x.column_bytes(),
      .x_scale_offset = x.scale_offset(),
      .x_sum_offset = x.sum_offset(),
      .cols = x.cols(),
      .y = y + row_begin,
      .y_stride = y_stride,
  };
}

}  // namespace

std::string_view family_name(KernelFamily family) {
  switch (family) {
    case KernelFamily::kScalar:
      return "scalar";
    case KernelFamily::kAvx2:
      return "avx2";
    case KernelFamily::kAvx512:
      return "avx512";
    case KernelFamily::kAvx512Vnni:
      return "avx512-vnni";
  }
  return "unknown";
}

std::optional<KernelFamily> family_named(std::string_view name) {
  for (KernelFamily family : {KernelFamily::kScalar, KernelFamily::kAvx2, KernelFamily::kAvx512,
                              KernelFamily::kAvx512Vnni}) {
    if (family_name(family) == name) return family;
  }
  return std::nullopt;
}

bool cpu_supports(KernelFamily family) {
  if (table_of(family) == nullptr) return false;
  const core::CpuFeatures& f = core::cpu_features();
  const bool avx2 = f.avx2 && f.fma && f.f16c;
  const bool avx512 = avx2 && f.avx512f && f.avx512bw && f.avx512vl;
  switch (family) {
    case KernelFamily::kScalar:
      return true;
    case KernelFamily::kAvx2:
      return avx2;
    case KernelFamily::kAvx512:
      return avx512;
    case KernelFamily::kAvx512Vnni:
      return avx512 && f.avx512vnni;
  }
  return false;
}

KernelFamily best_family() {
  for (KernelFamily family :
       {KernelFamily::kAvx512Vnni, KernelFamily::kAvx512, KernelFamily::kAvx2}) {
    if (cpu_supports(family)) return family;
  }
  return KernelFamily::kScalar;
}

core::Status set_kernel_family(KernelFamily family) {
  if (!cpu_supports(family)) {
    return core::Error(core::Code::kFailedPrecondition, std::string(family_name(family)),
                       "this CPU lacks an instruction-set feature the kernel family needs; "
                       "choose one of the families `ward doctor` lists");
  }
  active_slot().store(active_for(family), std::memory_order_release);
  return core::ok_status();
}

core::Status set_kernel_family(std::string_view name) {
  const auto family = family_named(name);
  if (!family) {
    return core::Error(core::Code::kInvalidArgument, std::string(name),
                       "unknown kernel family; use scalar, avx2, avx512 or avx512-vnni");
  }
  return set_kernel_family(*family);
}

KernelFamily active_family() {
  return active_slot().load(std::memory_order_acquire)->family;
}

std::string_view active_kernel_family() {
  return family_name(active_family());
}

bool is_weight_type(TensorType type) {
  return kind_of(type).has_value();
}

core::Status check_weight_shape(TensorType type, int64_t k) {
  if (!is_weight_type(type)) {
    return core::Error(core::Code::kInvalidArgument, type_text(type),
                       "the engine has no kernels for this tensor type; use a model quantised "
                       "as F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K or Q6_K");
  }
  const int64_t block = layout_of(type)->block_elements;
  if (k <= 0 || k % block != 0) {
    return core::Error(core::Code::kInvalidArgument, type_text(type),
                       "rows of " + std::to_string(k) + " elements are not a whole number of " +
                           std::to_string(block) + "-element blocks");
  }
  return core::ok_status();
}

namespace {

using Dequantizer = void (*)(const void*, float*, int64_t);
using Quantizer = void (*)(const float*, void*, int64_t);

struct Converters {
  Dequantizer dequantize = nullptr;
  Quantizer quantize = nullptr;
};

Converters converters_for(TensorType type) {
  using namespace reference;
  switch (type) {
    case TensorType::kF32:
      return {dequantize_f32, quantize_f32};
    case TensorType::kF16:
      return {dequantize_f16, quantize_f16};
    case TensorType::kBF16:
      return {dequantize_bf16, quantize_bf16};
    case TensorType::kQ8_0:
      return {dequantize_q8_0, quantize_q8_0};
    case TensorType::kQ4_0:
      return {dequantize_q4_0, quantize_q4_0};
    case TensorType::kQ4_K:
      return {dequantize_q4_k, quantize_q4_k};
    case TensorType::kQ5_K:
      return {dequantize_q5_k, quantize_q5_k};
    case TensorType::kQ6_K:
      return {dequantize_q6_k, quantize_q6_k};
    case TensorType::kQ8_K:
      return {dequantize_q8_k, quantize_q8_k};
    default:
      return {};
  }
}

core::Status check_conversion(TensorType type, int64_t n, const Converters& converters) {
  if (converters.dequantize == nullptr) {
    return core::Error(core::Code::kInvalidArgument, type_text(type),
                       "cannot convert this tensor type; supported: F32, F16, BF16, Q8_0, "
                       "Q4_0, Q4_K, Q5_K, Q6_K, Q8_K");
  }
  const int64_t block = layout_of(type)->block_elements;
  if (n < 0 || n % block != 0) {
    return core::Error(core::Code::kInvalidArgument, type_text(type),
                       std::to_string(n) + " elements are not a whole number of " +
                           std::to_string(block) + "-element blocks");
  }
  return core::ok_status();
}

}  // namespace

core::Status dequantize_row(TensorType type, const void* src, float* dst, int64_t n) {
  const Converters converters = converters_for(type);
  if (core::Status status = check_conversion(type, n, converters); !status) return status;
  converters.dequantize(src, dst, n);
  return core::ok_status();
}

core::Status quantize_row(TensorType type, const float* src, void* dst, int64_t n) {
  const Converters converters = converters_for(type);
  if (core::Status status = check_conversion(type, n, converters); !status) return status;
  converters.quantize(src, dst, n);
  return core::ok_status();
}

ActivationFormat activation_format(TensorType weight_type) {
  switch (weight_type) {
    case TensorType::kQ8_0:
    case TensorType::kQ4_0:
      return ActivationFormat::kQ8x32;
    case TensorType::kQ4_K:
    case TensorType::kQ5_K:
    case TensorType::kQ6_K:
      return ActivationFormat::kQ8x256;
    default:
      return ActivationFormat::kF32;
  }
}

TensorType activation_type(TensorType weight_type) {
  switch (activation_format(weight_type)) {
    case ActivationFormat::kQ8x32:
      return TensorType::kQ8_0;
    case ActivationFormat::kQ8x256:
      return TensorType::kQ8_K;
    case ActivationFormat::kF32:
      break;
  }
  return TensorType::kF32;
}

// ---- QuantizedActivations ----------------------------------------------------------------------

QuantizedActivations::QuantizedActivations(const QuantizedActivations& other) {
  *this = other;
}

QuantizedActivations& QuantizedActivations::operator=(const QuantizedActivations& other) {
  if (this == &other) return *this;
  weight_type_ = other.weight_type_;
  format_ = other.format_;
  k_ = other.k_;
  cols_ = other.cols_;
  column_bytes_ = other.column_bytes_;
  scale_offset_ = other.scale_offset_;
  sum_offset_ = other.sum_offset_;
  const size_t bytes = column_bytes_ * static_cast<size_t>(cols_);
  allocate(bytes);
  if (bytes > 0) std::memcpy(data_, other.data_, bytes);
  return *this;
}

void QuantizedActivations::allocate(size_t bytes) {
  // Room to align the start, and one spare line so that a kernel's last full-width load of a
  // column never leaves the buffer.
  const size_t needed = bytes + 2 * kAlign;
  if (storage_.size() < needed) storage_.assign(needed, std::byte{0});
  const auto base = reinterpret_cast<uintptr_t>(storage_.data());
  data_ = storage_.data() + (align_up(base) - base);
}

void QuantizedActivations::reset(TensorType weight_type, int64_t k, int64_t cols) {
  if (!check_weight_shape(weight_type, k) || cols < 0) {
    precondition_failed("cannot hold " + std::to_string(cols) + " activation vectors of " +
                        std::to_string(k) + " elements for " + type_text(weight_type));
  }
  weight_type_ = weight_type;
  format_ = activation_format(weight_type);
  k_ = k;
  cols_ = cols;
  const size_t n = static_cast<size_t>(k);
  switch (format_) {
    case ActivationFormat::kF32:
      scale_offset_ = sum_offset_ = align_up(n * sizeof(float));
      column_bytes_ = scale_offset_;
      break;
    case ActivationFormat::kQ8x32: {
      // Values and scales padded to whole pairs of blocks; two offsets per block.
      const size_t pairs = (n / 32 + 1) / 2;
      scale_offset_ = align_up(n);
      sum_offset_ = scale_offset_ + align_up(pairs * 2 * sizeof(float));
      column_bytes_ = sum_offset_ + align_up(n / 32 * 2 * sizeof(int32_t));
      break;
    }
    case ActivationFormat::kQ8x256:
      scale_offset_ = align_up(n);
      sum_offset_ = scale_offset_ + align_up(n / 256 * sizeof(float));
      column_bytes_ = sum_offset_ + align_up(n / 16 * sizeof(float));
      break;
  }
  allocate(column_bytes_ * static_cast<size_t>(cols));
}

void QuantizedActivations::quantize(const float* x, int64_t col_begin, int64_t col_end) {
  if (col_begin < 0 || col_end > cols_ || col_begin > col_end) {
    precondition_failed("activation columns [" + std::to_string(col_begin) + ", " +
                        std::to_string(col_end) + ") out of 0.." + std::to_string(cols_));
  }
  const KernelTable* table = active_slot().load(std::memory_order_acquire)->table;
  for (int64_t c = col_begin; c < col_end; ++c) {
    const float* column = x + c * k_;
    std::byte* base = data_ + static_cast<size_t>(c) * column_bytes_;
    switch (format_) {
      case ActivationFormat::kF32:
        std::memcpy(base, column, static_cast<size_t>(k_) * sizeof(float));
        break;
      case ActivationFormat::kQ8x32:
        table->quantize_q8x32(column, k_, reinterpret_cast<int8_t*>(base),
                              reinterpret_cast<float*>(base + scale_offset_),
                              reinterpret_cast<int32_t*>(base + sum_offset_));
        break;
      case ActivationFormat::kQ8x256:
        table->quantize_q8x256(column, k_, reinterpret_cast<int8_t*>(base),
                               reinterpret_cast<float*>(base + scale_offset_),
                               reinterpret_cast<float*>(base + sum_offset_));
        break;
    }
  }
}

QuantizedActivations quantize_activations(TensorType weight_type, const float* x, int64_t k,
                                          int64_t cols) {
  QuantizedActivations out;
  out.reset(weight_type, k, cols);
  out.quantize(x, 0, cols);
  return out;
}

// ---- products ----------------------------------------------------------------------------------

void matmul(TensorType weight_type, const void* w, int64_t row_begin, int64_t row_end,
            const QuantizedActivations& x, float* y, int64_t y_stride) {
  const WeightKind kind = checked_kind(weight_type, x);
  if (row_begin < 0 || row_begin > row_end || y_stride < row_end) {
    precondition_failed("matmul rows [" + std::to_string(row_begin) + ", " +
                        std::to_string(row_end) + ") with an output stride of " +
                        std::to_string(y_stride));
  }
  if (row_begin == row_end || x.cols() == 0) return;
  const MatmulArgs args = args_for(weight_type, w, row_begin, row_end, x, y, y_stride);
  active_slot().load(std::memory_order_acquire)->table->matmul[kind](args);
}

float vec_dot(TensorType weight_type, const void* weight_row, const QuantizedActivations& x,
              int64_t col) {
  const WeightKind kind = checked_kind(weight_type, x);
  if (col < 0 || col >= x.cols()) {
    precondition_failed("activation column " + std::to_string(col) + " out of 0.." +
                        std::to_string(x.cols()));
  }
  float result = 0;
  MatmulArgs args = args_for(weight_type, weight_row, 0, 1, x, &result, 1);
  args.x += static_cast<size_t>(col) * x.column_bytes();
  args.cols = 1;
  active_slot().load(std::memory_order_acquire)->table->matmul[kind](args);
  return result;
}

// ---- attention and activation functions -------------------------------------------------------

void attend(const AttentionArgs& args) {
  if (args.keys < 1 || args.dim < 1 || args.query_count < 0) {
    precondition_failed("attention over " + std::to_string(args.keys) + " keys of dimension " +
                        std::to_string(args.dim));
  }
  if (args.dim % 16 != 0) return reference::attend(args);
  active_slot().load(std::memory_order_acquire)->table->attend(args);
}

void silu_multiply(float* gate, const float* up, int64_t n) {
  active_slot().load(std::memory_order_acquire)->table->silu_multiply(gate, up, n);
}

}  // namespace ward::infer::kernels
