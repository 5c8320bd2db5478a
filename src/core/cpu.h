#pragma once
// The processor's SIMD features, read once with CPUID (and XGETBV, so a feature counts only when
// the operating system also saves its registers). The inference engine picks its kernels from
// these; `ward doctor` reports them. Thread-safe.

#include <string>

namespace ward::core {

struct CpuFeatures {
  bool sse42 = false;
  bool avx = false;
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
};

const CpuFeatures& cpu_features();

// The best kernel family these features allow: "avx512-vnni", "avx512", "avx2" or "scalar".
std::string best_kernel_family(const CpuFeatures& features);

// Comma-separated names of the features present, e.g. "AVX2, FMA, F16C, AVX-512F".
std::string describe(const CpuFeatures& features);

}  // namespace ward::core
